/**
 * The clinic's locale (Settings → language, date format, clock, first day of the week) and the one place that turns
 * dates and times into text and back. Wire values stay ISO: dates "YYYY-MM-DD", times "HH:MM[:SS]", instants RFC 3339.
 */
import { reactive } from "vue";
import { i18n, isLanguage, setLanguage, t, type Language } from "./index";

export const DATE_FORMATS = ["dd/MM/yyyy", "MM/dd/yyyy", "yyyy-MM-dd", "dd.MM.yyyy"] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];
export const CLOCKS = ["24h", "12h"] as const;
export type Clock = (typeof CLOCKS)[number];
/** 0 = Sunday, 1 = Monday, 6 = Saturday (FullCalendar's `firstDay`). */
export const FIRST_DAYS = [1, 0, 6] as const;
export type FirstDay = (typeof FIRST_DAYS)[number];

export interface ClinicLocale {
  language: Language;
  date_format: DateFormat;
  clock: Clock;
  first_day: FirstDay;
}

export const DEFAULT_LOCALE: ClinicLocale = { language: "en", date_format: "dd/MM/yyyy", clock: "24h", first_day: 1 };

/** The locale in force (reactive: templates that format re-render when Settings change it). */
export const clinicLocale = reactive<ClinicLocale>({ ...DEFAULT_LOCALE });

/** Puts a clinic's saved locale in force (unknown values keep the current ones). */
export function applyLocale(l: Partial<Record<keyof ClinicLocale, unknown>>) {
  if (isLanguage(l.language)) clinicLocale.language = l.language;
  if ((DATE_FORMATS as readonly unknown[]).includes(l.date_format)) clinicLocale.date_format = l.date_format as DateFormat;
  if ((CLOCKS as readonly unknown[]).includes(l.clock)) clinicLocale.clock = l.clock as Clock;
  if ((FIRST_DAYS as readonly unknown[]).includes(l.first_day)) clinicLocale.first_day = l.first_day as FirstDay;
  setLanguage(clinicLocale.language);
}

const REMEMBERED = "clinicdesk.locale";

/** Keeps the clinic's locale on this PC, so the sign-in screen (before any database answers) already speaks it. */
export function rememberLocale(l: Partial<Record<keyof ClinicLocale, unknown>>) {
  applyLocale(l);
  try {
    localStorage.setItem(REMEMBERED, JSON.stringify(clinicLocale));
  } catch { /* no storage: the next start uses the defaults until settings load */ }
}

/** The locale this PC last used (at start, before sign-in). */
export function restoreLocale() {
  try {
    const saved = localStorage.getItem(REMEMBERED);
    if (saved) applyLocale(JSON.parse(saved));
  } catch { /* unreadable: the defaults */ }
}

/** A BCP 47 tag for Intl and FullCalendar ("en-GB", "es"). */
export function intlTag(l: ClinicLocale = clinicLocale): string {
  return l.language === "en" ? (l.date_format === "MM/dd/yyyy" ? "en-US" : "en-GB") : l.language;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-11-28" → "28/11/2026" in the clinic's format ("" for an empty or malformed value). */
export function formatDate(iso: string | null | undefined, l: ClinicLocale = clinicLocale): string {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})/.exec(iso) : null;
  if (!m) return "";
  const [, y, mo, d] = m;
  return l.date_format.replace("yyyy", y).replace("MM", mo).replace("dd", d);
}

/** The format as a person reads it ("DD/MM/YYYY", "DD/MM/AAAA" in Spanish). */
export function dateFormatLabel(l: ClinicLocale = clinicLocale): string {
  return l.date_format
    .replace("dd", t("common.format_letters.day"))
    .replace("MM", t("common.format_letters.month"))
    .replace("yyyy", t("common.format_letters.year"));
}

function validDate(y: number, m: number, d: number): string | null {
  if (y < 1000 || m < 1 || m > 12 || d < 1) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/**
 * What a person typed → "YYYY-MM-DD", or null when it is not a whole date. Parts in the clinic's order, separated by
 * "/", ".", "-" or spaces; a four-digit first part is always year-month-day (so ISO is always understood). Years have
 * four digits: "1/2/85" is refused rather than guessed.
 */
export function parseDate(text: string, l: ClinicLocale = clinicLocale): string | null {
  const parts = text.trim().split(/[\s./-]+/).filter(Boolean);
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p))) return null;
  if (parts[0].length === 4) return validDate(+parts[0], +parts[1], +parts[2]);
  const order = l.date_format.startsWith("yyyy") ? "ymd" : l.date_format.startsWith("MM") ? "mdy" : "dmy";
  const at = (c: string) => parts[order.indexOf(c)];
  if (at("y").length !== 4 || at("d").length > 2 || at("m").length > 2) return null;
  return validDate(+at("y"), +at("m"), +at("d"));
}

/** "14:05[:00]" → "14:05" (24h) or "2:05 PM" (12h); "" for an empty or malformed value. */
export function formatTime(hhmm: string | null | undefined, l: ClinicLocale = clinicLocale): string {
  const m = hhmm ? /^(\d{1,2}):(\d{2})/.exec(hhmm) : null;
  if (!m) return "";
  const h = +m[1];
  if (l.clock === "24h") return `${pad(h)}:${m[2]}`;
  const suffix = h < 12 ? t("common.am") : t("common.pm");
  return `${h % 12 === 0 ? 12 : h % 12}:${m[2]} ${suffix}`;
}

/**
 * What a person typed → "HH:MM", or null. Accepts "9:30", "09:30", "930", "21:30", and with a 12-hour suffix
 * ("9:30 pm", "9.30pm", "9:30 p. m.") in either clock.
 */
export function parseTime(text: string): string | null {
  const s = text.trim().toLowerCase().replace(/\s+/g, " ");
  const m = /^(\d{1,2})(?:[:.h]?(\d{2}))?\s*(a\.?\s?m\.?|p\.?\s?m\.?)?$/.exec(s);
  if (!m) return null;
  let h = +m[1];
  const min = m[2] === undefined ? 0 : +m[2];
  if (min > 59) return null;
  if (m[3]) {
    if (h < 1 || h > 12) return null;
    const pm = m[3].startsWith("p");
    h = (h % 12) + (pm ? 12 : 0);
  } else if (h > 23) return null;
  return `${pad(h)}:${pad(min)}`;
}

/** The wall-clock date and time of `instant` in `zone` (the clinic's), formatted: "28/11/2026 14:05". */
export function formatDateTime(instant: string | Date | null | undefined, zone?: string | null, l: ClinicLocale = clinicLocale): string {
  if (!instant) return "";
  const d = typeof instant === "string" ? new Date(instant) : instant;
  if (Number.isNaN(d.getTime())) return "";
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone ?? undefined, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(d);
  } catch {
    parts = new Intl.DateTimeFormat("en-US", {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(d);
  }
  const p = (k: string) => parts.find((x) => x.type === k)?.value ?? "";
  return `${formatDate(`${p("year")}-${p("month")}-${p("day")}`, l)} ${formatTime(`${p("hour")}:${p("minute")}`, l)}`;
}

/** A day heading from its ISO date in the clinic's language: "Tue 3 Dec" / "mar, 3 dic". */
export function formatDayLabel(iso: string, l: ClinicLocale = clinicLocale): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return "";
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return new Intl.DateTimeFormat(intlTag(l), { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" }).format(d);
}

/** Weekday names (long or short) Monday-first, in the clinic's language: index 0 = Monday (like `WEEKDAYS`). */
export function weekdayNames(style: "long" | "short" = "long", l: ClinicLocale = clinicLocale): string[] {
  const f = new Intl.DateTimeFormat(intlTag(l), { weekday: style, timeZone: "UTC" });
  // 2024-01-01 was a Monday
  return Array.from({ length: 7 }, (_, i) => f.format(new Date(Date.UTC(2024, 0, 1 + i))));
}

/** A locale for a brand-new clinic, from the PC's own settings (the wizard's defaults). */
export function machineLocale(nav: { language?: string } = typeof navigator !== "undefined" ? navigator : {}): ClinicLocale {
  const tag = nav.language ?? "en";
  const language: Language = tag.toLowerCase().startsWith("es") ? "es" : "en";
  const us = /^en-(US|PH)$/i.test(tag);
  let clock: Clock = "24h";
  try {
    const hc = new Intl.DateTimeFormat(tag, { hour: "numeric" }).resolvedOptions().hourCycle;
    clock = hc === "h12" || hc === "h11" ? "12h" : "24h";
  } catch { /* unknown tag: 24h */ }
  return { language, date_format: us ? "MM/dd/yyyy" : "dd/MM/yyyy", clock, first_day: us ? 0 : 1 };
}

export { i18n };

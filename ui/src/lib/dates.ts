/**
 * Plain "YYYY-MM-DD" date arithmetic. The backend precomputes every clinic-local label; the UI only steps dates and
 * asks what "today" is in a zone (`todayIn`). The desk's "today" is the clinic's: `clinicToday` (lib/clinicToday.ts).
 */
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The date at `now` in the IANA `zone` ("Europe/London"); the PC's own date when the zone is unknown or invalid. */
export function todayIn(zone: string | null | undefined, now: Date = new Date()): string {
  if (!zone) return isoDate(now);
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  } catch {
    return isoDate(now); // RangeError: a zone this webview does not know
  }
  const part = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** The wall-clock "HH:MM" of `instant` in the IANA `zone`; null when the zone is unknown or invalid. */
export function timeIn(zone: string | null | undefined, instant: string | Date): string | null {
  if (!zone) return null;
  const d = typeof instant === "string" ? new Date(instant) : instant;
  if (Number.isNaN(d.getTime())) return null;
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(d);
    const part = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
    return `${part("hour")}:${part("minute")}`;
  } catch {
    return null; // RangeError: a zone this webview does not know
  }
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d + days));
  return dt.toISOString().slice(0, 10);
}

/** "09:00:00" → "09:00" */
export function hhmm(time: string | null | undefined): string {
  return time ? time.slice(0, 5) : "";
}

/** "09:00" → "09:00:00" (NaiveTime on the wire). */
export function withSeconds(time: string): string {
  return time.length === 5 ? `${time}:00` : time;
}

/** RFC 3339 UTC without milliseconds, e.g. 2026-12-03T09:30:00Z. */
export function utcInstant(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

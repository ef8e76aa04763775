/**
 * Labels and pure helpers for the scheduled jobs, the notification outbox, channels and monthly reports
 * (docs/ui-contract-jobs.md). No api calls here.
 */
import type {
  Channel, JobRun, NotificationKind, NotificationStatus, RunNowResult, SmsProvider, SmtpSecurity,
} from "../api";
import { t, te } from "../i18n";
import { localSentence } from "../api";
import { formatDate, formatDateTime, formatTime, intlTag } from "../i18n/format";
import enJobs from "../i18n/locales/en/jobs.json";
import enTestSend from "../i18n/locales/en/testsend.json";

/**
 * A label table whose every read looks its key up (`<prefix>.<value>`), so it follows a language switch; a value
 * without a key reads as itself.
 */
function keyedLabels<K extends string>(values: readonly K[], prefix: string): Record<K, string> {
  return Object.defineProperties(
    {} as Record<K, string>,
    Object.fromEntries(values.map((v) => [v, { get: () => t(`${prefix}.${v}`), enumerable: true }])),
  );
}

/** `<prefix>.<value>` when that key exists, else `fallback` (a backend value this UI does not know yet). */
function labelOr(prefix: string, value: string, fallback: string = value): string {
  return te(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : fallback;
}

export const CHANNEL_LABELS = keyedLabels<Channel>(["email", "sms", "chat"], "outbox.channel");
export const channelLabel = (c: string) => labelOr("outbox.channel", c);

export const NOTIFICATION_STATUSES: NotificationStatus[] = ["pending", "sending", "sent", "failed", "cancelled"];
export const NOTIFICATION_STATUS_LABELS = keyedLabels<NotificationStatus>(NOTIFICATION_STATUSES, "outbox.status");
export const notificationStatusLabel = (s: string) => labelOr("outbox.status", s);

/** PrimeVue Tag severity per status (the Tag always shows the status text; colour only reinforces it). */
export const NOTIFICATION_STATUS_SEVERITY: Record<NotificationStatus, string> = {
  pending: "info",
  sending: "info",
  sent: "success",
  failed: "danger",
  cancelled: "secondary",
};

export const NOTIFICATION_KIND_LABELS = keyedLabels<NotificationKind>(
  ["confirmation", "reminder", "digest", "report", "export_ready", "test"], "outbox.kind");
export const notificationKindLabel = (k: string) => labelOr("outbox.kind", k);

export const SMTP_SECURITY_LABELS = keyedLabels<SmtpSecurity>(["starttls", "tls", "plain"], "channels.security");

export const SMS_PROVIDER_LABELS = keyedLabels<SmsProvider>(["none", "twilio", "json"], "channels.provider_option");

export const TRIGGER_LABELS = keyedLabels<JobRun["trigger"]>(["schedule", "catch_up", "manual"], "jobs.trigger");
export const triggerLabel = (tr: string) => labelOr("jobs.trigger", tr);

/** A job's name in the clinic's language (the backend's English label for a job this UI does not know). */
export function jobLabel(job: string, fallback?: string): string {
  return labelOr("jobs.kind", job, fallback ?? job);
}

/**
 * A sentence the backend composed in English, said in the clinic's language: the message of `group` (the English of
 * `<prefix>.<key>`, from the English locale file) whose shape the sentence has is rendered with the parts read from
 * it, `{time}` ("HH:MM") on the clinic's clock. null when no message has its shape.
 */
function fromEnglish(prefix: string, group: Record<string, string>, sentence: string): string | null {
  for (const [key, english] of Object.entries(group)) {
    const names: string[] = [];
    const pattern = english.split(/(\{[a-z_]+\})/).map((part) => {
      const slot = /^\{([a-z_]+)\}$/.exec(part)?.[1];
      if (!slot) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(slot);
      return slot === "time" ? "(\\d{2}:\\d{2})" : slot === "hours" ? "(\\d+)" : "(.+)";
    }).join("");
    const m = new RegExp(`^${pattern}$`).exec(sentence);
    if (m) return t(`${prefix}.${key}`, Object.fromEntries(names.map((n, i) => [n, n === "time" ? formatTime(m[i + 1]) : m[i + 1]])));
  }
  return null;
}

/**
 * A job's schedule in the clinic's language and clock. The overview carries it as an English sentence the backend
 * builds from the job settings ("Daily at 08:00, for tomorrow", "Off"); the `jobs.schedule` messages are those
 * sentences word for word in English, so the one it matches is said again from its key. Another shape: as it came.
 */
export function scheduleText(schedule: string): string {
  return fromEnglish("jobs.schedule", enJobs.schedule, schedule) ?? schedule;
}

/** Who runs the jobs: the backend's fixed sentence in the clinic's language (an unknown one as it came). */
export function runnerText(runner: string | null | undefined, code?: string | null, params?: Record<string, string>): string {
  if (!runner) return t("jobs.runner.unknown");
  if (code) return localSentence(code, params, runner);
  return fromEnglish("jobs.runner", enJobs.runner, runner) ?? runner;
}

/** The result of "Run now" as a sentence (the backend's English one rebuilt from its parts). */
export function runNowText(job: string, result: RunNowResult): string {
  const name = jobLabel(job);
  const said = () => localSentence(result.code, result.params, result.message);
  if (!result.ran || !result.run) return result.ran ? said() : t("jobs.run_now.already", { job: name });
  if (result.run.outcome === "ok") return t("jobs.run_now.finished", { job: name, counts: countsText(result.run.counts, ", ") });
  if (result.run.outcome === "failed") return t("jobs.run_now.failed", { job: name, error: result.run.error ?? "" });
  return said();
}

/** Options for a PrimeVue Select from a label table. */
export function optionsOf<K extends string>(labels: Record<K, string>): { value: K; label: string }[] {
  return (Object.keys(labels) as K[]).map((value) => ({ value, label: labels[value] }));
}

/**
 * The backend's sentence for a test message that went out ("Test email sent to a@b.org."), in the clinic's language;
 * a sentence of another shape as it came.
 */
export function testSentText(sentence: string): string {
  return fromEnglish("testsend.sent", enTestSend.sent, sentence) ?? sentence;
}

/** Retry: failed/cancelled → pending. Cancel: pending/failed → cancelled. */
export const canRetry = (s: NotificationStatus) => s === "failed" || s === "cancelled";
export const canCancel = (s: NotificationStatus) => s === "pending" || s === "failed";

/** A run's outcome as text: "Running", "OK", "Failed". */
export function outcomeLabel(run: Pick<JobRun, "outcome">): string {
  return t(run.outcome === null ? "jobs.outcome.running" : run.outcome === "ok" ? "jobs.outcome.ok" : "jobs.outcome.failed");
}

export function outcomeSeverity(run: Pick<JobRun, "outcome">): string {
  return run.outcome === null ? "info" : run.outcome === "ok" ? "success" : "danger";
}

/**
 * `{ sent: 3, failed: 1 }` → "sent 3 · failed 1" ("" for none). A count the UI has a word for says it in the clinic's
 * language; another reads its name with underscores as spaces.
 */
export function countsText(counts: Partial<Record<string, number>> | null | undefined, separator = " · "): string {
  return Object.entries(counts ?? {})
    .map(([k, v]) => `${labelOr("jobs.count", k, k.replace(/_/g, " "))} ${v}`)
    .join(separator);
}

/** An instant (RFC 3339) as the clinic's date and time in its zone ("—" for none). */
export function instantText(iso: string | null | undefined, zone?: string | null): string {
  return formatDateTime(iso, zone) || "—";
}

/**
 * A run's period key in the clinic's format: a day ("2026-11-27") as a date, a month ("2026-10") by name, a manual
 * run ("manual 2026-11-27T14:05") with its date and time; another key as it came.
 */
export function periodText(period: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(period)) return formatDate(period);
  if (/^\d{4}-\d{2}$/.test(period)) return monthLabel(`${period}-01`);
  const m = /^manual (\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/.exec(period);
  return m ? t("jobs.period_manual", { when: `${formatDate(m[1])} ${formatTime(m[2])}` }) : period;
}

/** "YYYY-MM-01" of the month `back` months before `today`'s ("YYYY-MM-DD", the clinic's: see clinicToday). */
function monthBefore(today: string, back: number): string {
  const [y, m] = today.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 - back, 1));
  return d.toISOString().slice(0, 8) + "01";
}

/** "YYYY-MM-01" of the month before `today` ("YYYY-MM-DD", the clinic's date); reports cover whole months. */
export function previousMonth(today: string): string {
  return monthBefore(today, 1);
}

/** "2026-10-01" → "October 2026" ("octubre de 2026" in Spanish). */
export function monthLabel(month: string): string {
  const [y, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(intlTag(), { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, 1)));
}

/** The last `count` complete months before `today` (the clinic's date), newest first, as Select options ("YYYY-MM-01"). */
export function monthOptions(today: string, count = 24): { value: string; label: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const value = monthBefore(today, i + 1);
    return { value, label: monthLabel(value) };
  });
}

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

export function isEmail(s: string): boolean {
  return EMAIL.test(s.trim());
}

/** A sender: "desk@clinic.example" or "Clinic <desk@clinic.example>". */
export function isSender(s: string): boolean {
  const m = /^[^<>]*<([^<>]+)>\s*$/.exec(s.trim());
  return isEmail(m ? m[1] : s);
}

/** "a@x.org, b@y.org" → the entries that do not look like email addresses (blank list = none). */
export function badEmails(list: string): string[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s && !isEmail(s));
}

/** "a@x.org ,, b@y.org " → "a@x.org, b@y.org" */
export function normaliseEmailList(list: string): string {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .join(", ");
}

/**
 * A secret in a settings form. The stored value is never sent to the UI, so the form keeps what the person did:
 * typed a new one (`text`), or asked to remove it (`clear`). Nothing typed and not cleared → keep the stored one.
 */
export interface SecretDraft {
  text: string;
  clear: boolean;
}

export const emptySecret = (): SecretDraft => ({ text: "", clear: false });

/** Wire value: null = keep the stored secret, "" = clear it, otherwise the new secret. */
export function secretInput(d: SecretDraft): string | null {
  if (d.clear) return "";
  return d.text === "" ? null : d.text;
}

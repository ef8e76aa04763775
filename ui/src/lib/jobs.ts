/**
 * Labels and pure helpers for the scheduled jobs, the notification outbox, channels and monthly reports
 * (docs/ui-contract-jobs.md). No api calls here.
 */
import type { Channel, JobRun, NotificationKind, NotificationStatus, SmsProvider, SmtpSecurity } from "../api";

export const CHANNEL_LABELS: Record<Channel, string> = { email: "Email", sms: "SMS", chat: "Google Chat" };

export const NOTIFICATION_STATUS_LABELS: Record<NotificationStatus, string> = {
  pending: "Pending",
  sending: "Sending",
  sent: "Sent",
  failed: "Failed",
  cancelled: "Cancelled",
};
export const NOTIFICATION_STATUSES = Object.keys(NOTIFICATION_STATUS_LABELS) as NotificationStatus[];

/** PrimeVue Tag severity per status (the Tag always shows the status text; colour only reinforces it). */
export const NOTIFICATION_STATUS_SEVERITY: Record<NotificationStatus, string> = {
  pending: "info",
  sending: "info",
  sent: "success",
  failed: "danger",
  cancelled: "secondary",
};

export const NOTIFICATION_KIND_LABELS: Record<NotificationKind, string> = {
  confirmation: "Confirmation",
  reminder: "Reminder",
  digest: "Staff digest",
  report: "Report",
  export_ready: "Export ready",
  test: "Test",
};

export const SMTP_SECURITY_LABELS: Record<SmtpSecurity, string> = {
  starttls: "STARTTLS (usually port 587)",
  tls: "TLS from the start (usually port 465)",
  plain: "None (not encrypted)",
};

export const SMS_PROVIDER_LABELS: Record<SmsProvider, string> = {
  none: "None (SMS off)",
  twilio: "Twilio",
  json: "Other gateway (JSON over HTTPS)",
};

export const TRIGGER_LABELS: Record<JobRun["trigger"], string> = {
  schedule: "Scheduled",
  catch_up: "Catch-up",
  manual: "Run now",
};

/** Options for a PrimeVue Select from a label table. */
export function optionsOf<K extends string>(labels: Record<K, string>): { value: K; label: string }[] {
  return (Object.keys(labels) as K[]).map((value) => ({ value, label: labels[value] }));
}

/** Retry: failed/cancelled → pending. Cancel: pending/failed → cancelled. */
export const canRetry = (s: NotificationStatus) => s === "failed" || s === "cancelled";
export const canCancel = (s: NotificationStatus) => s === "pending" || s === "failed";

/** A run's outcome as text: "Running", "OK", "Failed". */
export function outcomeLabel(run: Pick<JobRun, "outcome">): string {
  return run.outcome === null ? "Running" : run.outcome === "ok" ? "OK" : "Failed";
}

export function outcomeSeverity(run: Pick<JobRun, "outcome">): string {
  return run.outcome === null ? "info" : run.outcome === "ok" ? "success" : "danger";
}

/** `{ sent: 3, failed: 1 }` → "sent 3 · failed 1" ("" for none). Underscores read as spaces. */
export function countsText(counts: Partial<Record<string, number>> | null | undefined): string {
  return Object.entries(counts ?? {})
    .map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`)
    .join(" · ");
}

/**
 * An RFC 3339 instant in the desk PC's zone (the clinic's, see the scheduling decisions), short like the backend's
 * own labels: "26 Nov, 18:00", with the year only when it is not this year ("30 Dec 2025, 18:00").
 */
export function localInstant(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString("en-GB", {
    day: "numeric", month: "short", year: d.getFullYear() === now.getFullYear() ? undefined : "numeric",
    hour: "2-digit", minute: "2-digit", hour12: false,
  });
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

/** "2026-10-01" → "October 2026". */
export function monthLabel(month: string): string {
  const [y, m] = month.split("-").map(Number);
  return new Date(y, m - 1, 1).toLocaleString("en-GB", { month: "long", year: "numeric" });
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

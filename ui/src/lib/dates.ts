/**
 * Plain "YYYY-MM-DD" date arithmetic (no time zones: the backend precomputes every clinic-local label;
 * the UI only steps dates and asks for "today" from the desk PC, which runs in the clinic's zone).
 */
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export function todayIso(now: Date = new Date()): string {
  return isoDate(now);
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

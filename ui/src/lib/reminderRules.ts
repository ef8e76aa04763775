/** Wording and arithmetic for reminder rules (Settings → Reminder rules). */
import type { ReminderRule, ReminderRuleChannel } from "../api";
import { hhmm } from "./dates";

/** The longest lead time: 14 days, in minutes (the database's limit too). */
export const MAX_LEAD_MINUTES = 14 * 24 * 60;

export type LeadUnit = "minutes" | "hours" | "days";
export const UNIT_MINUTES: Record<LeadUnit, number> = { minutes: 1, hours: 60, days: 24 * 60 };

export const CHANNEL_LABEL: Record<ReminderRuleChannel, string> = {
  email: "by email",
  sms: "by SMS",
  both: "by email and SMS",
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** 2880 → "2 days", 90 → "90 minutes", 120 → "2 hours". */
export function leadText(minutes: number): string {
  if (minutes % UNIT_MINUTES.days === 0) return plural(minutes / UNIT_MINUTES.days, "day");
  if (minutes % UNIT_MINUTES.hours === 0) return plural(minutes / UNIT_MINUTES.hours, "hour");
  return plural(minutes, "minute");
}

/** "2 hours before, by SMS" / "The evening before at 18:00, by email and SMS". */
export function ruleText(r: ReminderRule): string {
  const when = r.kind === "lead" ? `${leadText(r.lead_minutes ?? 0)} before` : `The evening before at ${hhmm(r.local_time)}`;
  return `${when}, ${CHANNEL_LABEL[r.channel]}`;
}

/** The client-side check of a lead time (whole number × unit within 1 minute … 14 days); "" when fine. */
export function leadError(amount: unknown, unit: LeadUnit): string {
  if (amount === "" || amount === null || amount === undefined) return "Enter how long before the appointment.";
  const n = Number(amount);
  if (!Number.isInteger(n)) return "Enter a whole number.";
  const minutes = n * UNIT_MINUTES[unit];
  if (minutes < 1) return "A reminder must come at least 1 minute before the appointment.";
  if (minutes > MAX_LEAD_MINUTES) return "A reminder can come at most 14 days before the appointment.";
  return "";
}

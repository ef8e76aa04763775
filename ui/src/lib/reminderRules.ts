/** Wording and arithmetic for reminder rules (Settings → Reminder rules). */
import type { ReminderRule, ReminderRuleChannel } from "../api";
import { t } from "../i18n";
import { formatTime } from "../i18n/format";

/** The longest lead time: 14 days, in minutes (the database's limit too). */
export const MAX_LEAD_MINUTES = 14 * 24 * 60;

export type LeadUnit = "minutes" | "hours" | "days";
export const UNIT_MINUTES: Record<LeadUnit, number> = { minutes: 1, hours: 60, days: 24 * 60 };

/** "by email", "by SMS", "by email and SMS" in the clinic's language (each read looks its key up). */
export const CHANNEL_LABEL = Object.defineProperties(
  {} as Record<ReminderRuleChannel, string>,
  Object.fromEntries((["email", "sms", "both"] as const).map((c) => [c, { get: () => t(`reminders.channel.${c}`), enumerable: true }])),
);

/** 2880 → "2 days", 90 → "90 minutes", 120 → "2 hours". */
export function leadText(minutes: number): string {
  const say = (unit: LeadUnit) => {
    const n = minutes / UNIT_MINUTES[unit];
    return t(`reminders.lead.${unit}`, { n }, n);
  };
  if (minutes % UNIT_MINUTES.days === 0) return say("days");
  if (minutes % UNIT_MINUTES.hours === 0) return say("hours");
  return say("minutes");
}

/** "2 hours before, by SMS" / "The evening before at 18:00, by email and SMS" (the time on the clinic's clock). */
export function ruleText(r: ReminderRule): string {
  const channel = CHANNEL_LABEL[r.channel];
  return r.kind === "lead"
    ? t("reminders.rule_lead", { lead: leadText(r.lead_minutes ?? 0), channel })
    : t("reminders.rule_evening", { time: formatTime(r.local_time), channel });
}

/** The client-side check of a lead time (whole number × unit within 1 minute … 14 days); "" when fine. */
export function leadError(amount: unknown, unit: LeadUnit): string {
  if (amount === "" || amount === null || amount === undefined) return t("reminders.err.lead_required");
  const n = Number(amount);
  if (!Number.isInteger(n)) return t("reminders.err.whole");
  const minutes = n * UNIT_MINUTES[unit];
  if (minutes < 1) return t("reminders.err.lead_min");
  if (minutes > MAX_LEAD_MINUTES) return t("reminders.err.lead_max");
  return "";
}

import type { Appointment, AppointmentStatus } from "../api";
import { t } from "../i18n";

const STATUSES: AppointmentStatus[] = ["booked", "checked_in", "completed", "cancelled", "no_show"];

/** The status's label in the current language. */
export function statusLabel(s: AppointmentStatus): string {
  return t(`appointments.status.${s}`);
}

/** Status labels keyed by status; each read looks the key up, so it follows a language switch. */
export const STATUS_LABELS = Object.defineProperties(
  {} as Record<AppointmentStatus, string>,
  Object.fromEntries(STATUSES.map((s) => [s, { get: () => statusLabel(s), enumerable: true }])),
);

export type ApptAction = "checkin" | "noshow" | "cancel" | "reschedule" | "complete";

/** Which actions the desk may take on an appointment in each status. */
export function actionsFor(status: AppointmentStatus): ApptAction[] {
  switch (status) {
    case "booked":
      return ["checkin", "cancel", "reschedule", "noshow"];
    case "checked_in":
      return ["cancel", "noshow", "complete"];
    default:
      return [];
  }
}

const ACTIONS: ApptAction[] = ["checkin", "noshow", "cancel", "reschedule", "complete"];

/** Action labels keyed by action; each read looks the key up, so it follows a language switch. */
export const ACTION_LABELS = Object.defineProperties(
  {} as Record<ApptAction, string>,
  Object.fromEntries(ACTIONS.map((a) => [a, { get: () => t(`appointments.action.${a}`), enumerable: true }])),
);

/**
 * Whether a board card matches the desk's filter: every word typed is found (case-insensitively) in the patient's
 * name, MRN, the appointment type or the visit reason.
 */
export function matchesBoardFilter(a: Appointment, filter: string): boolean {
  const hay = [a.patient_name, a.patient_mrn, a.type_name ?? "", a.reason].join("\n").toLocaleLowerCase();
  return filter
    .toLocaleLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

/** A calendar event's text: the patient, the appointment type, the status, and the visit reason. */
export function calendarTitle(a: Appointment): string {
  return [a.patient_name, a.type_name, STATUS_LABELS[a.status], a.patient_blacklisted ? t("misc.calendar.blacklisted") : null, a.reason ? t("misc.calendar.reason", { reason: a.reason }) : null]
    .filter(Boolean)
    .join(" · ");
}

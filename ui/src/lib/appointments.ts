import type { AppointmentStatus } from "../api";

export const STATUS_LABELS: Record<AppointmentStatus, string> = {
  booked: "Booked",
  checked_in: "Checked in",
  completed: "Completed",
  cancelled: "Cancelled",
  no_show: "No-show",
};

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

export const ACTION_LABELS: Record<ApptAction, string> = {
  checkin: "Check in",
  noshow: "No-show",
  cancel: "Cancel",
  reschedule: "Reschedule",
  complete: "Complete",
};

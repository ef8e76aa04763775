/** A small admin dashboard for specs. */
import type { AdminDashboard } from "../api";

export function dashboardFixture(): AdminDashboard {
  return {
    today: "2026-11-18", week_start: "2026-11-16", month_start: "2026-11-01",
    active_doctors: 2, patients: 3, appointments_today: 1, appointments_week: 5, appointments_month: 8,
    per_day: [
      { date: "2026-11-17", appointments: 2, cancelled: 0 },
      { date: "2026-11-18", appointments: 1, cancelled: 1 },
    ],
    by_department: [
      { department_id: 7, department_name: "General Medicine", appointments: 5 },
      { department_id: 9, department_name: "Cardiology", appointments: 2 },
    ],
    status_breakdown: { booked: 1, checked_in: 0, completed: 4, cancelled: 1, no_show: 2 },
    no_show_trend: [
      { week_start: "2026-11-09", no_shows: 0, completed: 1, rate: 0 },
      { week_start: "2026-11-16", no_shows: 1, completed: 2, rate: 1 / 3 },
    ],
    utilisation: [
      { doctor_id: 3, doctor_name: "Dr. Able", department_id: 7, booked_slots: 3, available_slots: 224, utilisation: 3 / 224 },
      { doctor_id: 4, doctor_name: "Dr. Baker", department_id: 9, booked_slots: 2, available_slots: 30, utilisation: 2 / 30 },
    ],
    new_patients: [
      { week_start: "2026-11-09", count: 0 },
      { week_start: "2026-11-16", count: 2 },
    ],
  };
}

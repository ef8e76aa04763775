/** Changes to one appointment outside the booking grid (calendar drag, cancel dialog) and a doctor's calendar. */
import { defineStore } from "pinia";
import { api, type Appointment } from "../api";

export const useAppointmentsStore = defineStore("appointments", () => {
  function calendar(doctorId: number, from: string, days: number): Promise<Appointment[]> {
    return api.doctorCalendar(doctorId, from, days);
  }

  function reschedule(id: number, startsAt: string): Promise<Appointment> {
    return api.rescheduleAppointment(id, startsAt);
  }

  function cancel(id: number, reason: string): Promise<Appointment> {
    return api.cancelAppointment(id, reason);
  }

  /** Cancels a visit of a series and, with `andLater`, every later visit of it still booked; the number cancelled. */
  function cancelSeries(id: number, reason: string, andLater: boolean): Promise<number> {
    return api.cancelSeries(id, reason, andLater);
  }

  return { calendar, reschedule, cancel, cancelSeries };
});

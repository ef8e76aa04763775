/**
 * One doctor's working hours and exceptions, the clinic holidays, and a week of free slots. The page edits a copy
 * of the hours, so the answers are handed back rather than kept here.
 */
import { defineStore } from "pinia";
import {
  api, type AvailabilityException, type DoctorAvailability, type ExceptionInput, type SlotDay, type WeeklySession,
} from "../api";
import { clinicToday } from "../lib/clinicToday";

export const PREVIEW_DAYS = 7;

export const useAvailabilityStore = defineStore("availability", () => {
  function load(doctorId: number): Promise<DoctorAvailability> {
    return api.getAvailability(doctorId);
  }

  /** The doctor's free slots from today; empty when they cannot be loaded (the preview is only a hint). */
  async function preview(doctorId: number): Promise<SlotDay[]> {
    try {
      return await api.freeSlots(doctorId, null, clinicToday(), PREVIEW_DAYS);
    } catch {
      return [];
    }
  }

  function holidays(): Promise<AvailabilityException[]> {
    return api.listHolidays();
  }

  function saveWeek(doctorId: number, slotMinutes: number, sessions: WeeklySession[]): Promise<DoctorAvailability> {
    return api.setWeeklyAvailability(doctorId, slotMinutes, sessions);
  }

  async function addException(input: ExceptionInput) {
    await api.addAvailabilityException(input);
  }

  async function removeException(id: number) {
    await api.removeAvailabilityException(id);
  }

  return { load, preview, holidays, saveWeek, addException, removeException };
});

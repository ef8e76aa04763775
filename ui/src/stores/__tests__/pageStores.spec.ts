/** The stores pages use instead of calling the api themselves: each calls the right command and hands back its answer. */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createPinia, setActivePinia } from "pinia";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "getAvailability", "freeSlots", "listHolidays", "setWeeklyAvailability", "addAvailabilityException",
    "removeAvailabilityException", "doctorCalendar", "rescheduleAppointment", "cancelAppointment", "getTreatment",
    "recordTreatment", "amendTreatment", "treatmentAmendments", "recallList",
  ]));

import { api, ApiError, type Amendment, type Recall } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { clinicToday } from "../../lib/clinicToday";
import { PREVIEW_DAYS, useAvailabilityStore } from "../availability";
import { useAppointmentsStore } from "../appointments";
import { useTreatmentsStore } from "../treatments";
import { useRecallsStore } from "../recalls";

const m = apiMocks(api);
const conflict = new ApiError("Conflict", "That slot was just taken.");

beforeEach(() => {
  setActivePinia(createPinia());
  vi.clearAllMocks();
});

describe("availability store", () => {
  it("previews a week of free slots from today", async () => {
    const days = [{ date: "2026-12-03", label: "Thu 3 Dec", slots: [] }];
    m.freeSlots.mockResolvedValue(days);
    expect(await useAvailabilityStore().preview(4)).toEqual(days);
    expect(m.freeSlots).toHaveBeenCalledWith(4, clinicToday(), PREVIEW_DAYS);
  });

  it("an unavailable preview is empty, not an error", async () => {
    m.freeSlots.mockRejectedValue(conflict);
    expect(await useAvailabilityStore().preview(4)).toEqual([]);
  });

  it("passes the weekly hours and exceptions through and lets errors reach the page", async () => {
    const s = useAvailabilityStore();
    const sessions = [{ weekday: 1, starts_at: "09:00:00", ends_at: "13:00:00" }];
    m.setWeeklyAvailability.mockResolvedValue({ slot_minutes: 20, sessions, exceptions: [] });
    expect((await s.saveWeek(4, 20, sessions)).slot_minutes).toBe(20);
    expect(m.setWeeklyAvailability).toHaveBeenCalledWith(4, 20, sessions);
    m.removeAvailabilityException.mockRejectedValue(conflict);
    await expect(s.removeException(9)).rejects.toBe(conflict);
    expect(m.removeAvailabilityException).toHaveBeenCalledWith(9);
  });
});

describe("appointments store", () => {
  it("loads a doctor's calendar and moves / cancels one appointment", async () => {
    const s = useAppointmentsStore();
    m.doctorCalendar.mockResolvedValue([]);
    await s.calendar(4, "2026-12-01", 7);
    expect(m.doctorCalendar).toHaveBeenCalledWith(4, "2026-12-01", 7);
    await s.reschedule(12, "2026-12-03T10:00:00Z");
    expect(m.rescheduleAppointment).toHaveBeenCalledWith(12, "2026-12-03T10:00:00Z");
    m.cancelAppointment.mockRejectedValue(conflict);
    await expect(s.cancel(12, "ill")).rejects.toBe(conflict);
    expect(m.cancelAppointment).toHaveBeenCalledWith(12, "ill");
  });
});

describe("treatments store", () => {
  it("lists a treatment's amendments newest version first", async () => {
    m.treatmentAmendments.mockResolvedValue([{ version: 1 }, { version: 3 }, { version: 2 }] as Amendment[]);
    const list = await useTreatmentsStore().amendments(5);
    expect(m.treatmentAmendments).toHaveBeenCalledWith(5);
    expect(list.map((a) => a.version)).toEqual([3, 2, 1]);
  });

  it("records a new treatment on the appointment and amends an existing one by its own id", async () => {
    const s = useTreatmentsStore();
    const input = { diagnosis: "x" } as never;
    await s.record(12, input);
    await s.amend(5, input);
    expect(m.recordTreatment).toHaveBeenCalledWith(12, input);
    expect(m.amendTreatment).toHaveBeenCalledWith(5, input);
  });
});

describe("recalls store", () => {
  it("keeps the recalls and marks the list loaded", async () => {
    const recalls = [{ patient_id: 1 }] as Recall[];
    m.recallList.mockResolvedValue(recalls);
    const s = useRecallsStore();
    await s.load();
    expect(s.items).toEqual(recalls);
    expect(s.loaded).toBe(true);
    expect(s.loading).toBe(false);
  });

  it("marks the list loaded even when the load fails, and lets the error reach the caller", async () => {
    m.recallList.mockRejectedValue(conflict);
    const s = useRecallsStore();
    await expect(s.load()).rejects.toBe(conflict);
    expect(s.loaded).toBe(true);
    expect(s.items).toEqual([]);
  });
});

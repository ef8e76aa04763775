import { beforeEach, describe, expect, it, vi } from "vitest";
import { createPinia, setActivePinia } from "pinia";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["freeSlots", "bookAppointment", "rescheduleAppointment", "doctorAppointmentTypes"]));

import { api, ApiError, type Slot, type SlotDay } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { useBookingStore, GRID_DAYS } from "../booking";

const m = apiMocks(api);
const slot = (time: string): Slot => ({
  doctor_id: 4, starts_at: `2026-12-03T${time}:00Z`, ends_at: `2026-12-03T${time}:15Z`, date: "2026-12-03", time, end_time: time,
});
const day = (...slots: Slot[]): SlotDay[] => [{ date: "2026-12-03", label: "Thu 3 Dec", slots }];

describe("booking store", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
    m.doctorAppointmentTypes.mockResolvedValue([]);
  });

  it("loads 7 days of free slots for the chosen doctor", async () => {
    m.freeSlots.mockResolvedValue(day(slot("10:00")));
    const b = useBookingStore();
    await b.setDoctor(4);
    expect(m.freeSlots).toHaveBeenCalledWith(4, null, b.from, GRID_DAYS);
    expect(b.slotCount).toBe(1);
  });

  it("a doctor list without the chosen doctor (undefined from the select) means no doctor, not a call", async () => {
    const b = useBookingStore();
    await b.setDoctor(undefined);
    expect(b.doctorId).toBeNull();
    expect(m.freeSlots).not.toHaveBeenCalled();
  });

  it("on a Conflict keeps the message and reloads the grid so the taken slot disappears", async () => {
    m.freeSlots.mockResolvedValueOnce(day(slot("10:00"), slot("10:15")));
    const b = useBookingStore();
    await b.setDoctor(4);
    b.pick(b.days[0].slots[0]);

    const msg = "Dr. Rao already has an appointment 10:00–10:15 on Thu 3 Dec — choose another slot.";
    m.bookAppointment.mockRejectedValue(new ApiError("Conflict", msg));
    m.freeSlots.mockResolvedValueOnce(day(slot("10:15")));

    const res = await b.confirm(9);
    expect(res).toBeNull();
    expect(m.bookAppointment).toHaveBeenCalledWith({ doctor_id: 4, patient_id: 9, starts_at: "2026-12-03T10:00:00Z", type_id: null, reason: "" }, expect.any(String));
    expect(b.error).toBe(msg);
    expect(m.freeSlots).toHaveBeenCalledTimes(2);
    expect(b.days[0].slots.map((s) => s.time)).toEqual(["10:15"]);
    expect(b.selected).toBeNull();
  });

  it("does not reload the grid for a non-Conflict error, and keeps the choice", async () => {
    m.freeSlots.mockResolvedValue(day(slot("10:00")));
    const b = useBookingStore();
    await b.setDoctor(4);
    b.pick(b.days[0].slots[0]);
    m.bookAppointment.mockRejectedValue(new ApiError("Unavailable", "The clinic server cannot be reached."));
    await b.confirm(9);
    expect(b.error).toBe("The clinic server cannot be reached.");
    expect(m.freeSlots).toHaveBeenCalledTimes(1);
    expect(b.selected).not.toBeNull();
  });

  it("reschedules instead of booking in reschedule mode", async () => {
    m.freeSlots.mockResolvedValue(day(slot("11:00")));
    m.rescheduleAppointment.mockResolvedValue({ id: 55 });
    const b = useBookingStore();
    await b.setDoctor(4);
    b.pick(b.days[0].slots[0]);
    const res = await b.confirm(null, 55);
    expect(res).toEqual({ id: 55 });
    expect(m.rescheduleAppointment).toHaveBeenCalledWith(55, "2026-12-03T11:00:00Z");
    expect(m.bookAppointment).not.toHaveBeenCalled();
  });

  it("refuses to book without a slot or a patient, without calling the backend", async () => {
    m.freeSlots.mockResolvedValue(day(slot("10:00")));
    const b = useBookingStore();
    await b.setDoctor(4);
    expect(await b.confirm(9)).toBeNull();
    expect(b.error).toMatch(/slot/i);
    b.pick(b.days[0].slots[0]);
    expect(await b.confirm(null)).toBeNull();
    expect(b.error).toMatch(/patient/i);
    expect(m.bookAppointment).not.toHaveBeenCalled();
  });
});

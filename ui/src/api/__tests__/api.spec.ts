import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...a: unknown[]) => invoke(...a) }));

import { api, ApiError } from "..";

describe("api unwrapping", () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it("returns data and passes snake_case command names with camelCase args", async () => {
    invoke.mockResolvedValue({ id: 1, username: "doc" });
    await expect(api.setStaffActive("doc", false)).resolves.toEqual({ id: 1, username: "doc" });
    expect(invoke).toHaveBeenCalledWith("set_staff_active", { username: "doc", active: false });
  });

  it("turns a CommandError into a thrown ApiError with kind, message and field", async () => {
    invoke.mockImplementation(async () => { throw { kind: "Validation", message: "Choose a longer password.", field: "password" }; });
    const err = await api.createStaff({ username: "a", full_name: "A", role: "doctor", password: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ kind: "Validation", message: "Choose a longer password.", field: "password" });
  });

  it("turns a thrown JS error (e.g. no Tauri runtime) into an Internal ApiError", async () => {
    invoke.mockImplementation(async () => { throw new TypeError("window.__TAURI_INTERNALS__ is undefined"); });
    const err = await api.appStatus().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.kind).toBe("Internal");
  });
});

describe("scheduling commands", () => {
  beforeEach(() => invoke.mockReset());

  it("send snake_case names with camelCase argument keys", async () => {
    invoke.mockResolvedValue({});
    await api.bookAppointment(4, 9, "2026-12-03T10:00:00Z");
    expect(invoke).toHaveBeenLastCalledWith("book_appointment", { doctorId: 4, patientId: 9, startsAt: "2026-12-03T10:00:00Z" });
    await api.freeSlots(4, "2026-12-01", 7);
    expect(invoke).toHaveBeenLastCalledWith("free_slots", { doctorId: 4, from: "2026-12-01", days: 7 });
    await api.walkIn(9, 4, true);
    expect(invoke).toHaveBeenLastCalledWith("walk_in", { patientId: 9, doctorId: 4, overbook: true });
    await api.todayBoard(null);
    expect(invoke).toHaveBeenLastCalledWith("today_board", { date: null });
    await api.setWeeklyAvailability(4, 15, []);
    expect(invoke).toHaveBeenLastCalledWith("set_weekly_availability", { doctorId: 4, slotMinutes: 15, sessions: [] });
    await api.myDoctor();
    expect(invoke).toHaveBeenLastCalledWith("my_doctor");
  });
});

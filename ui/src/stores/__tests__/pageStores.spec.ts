/** The stores pages use instead of calling the api themselves: what they add to the commands (dates, order, flags). */
import { DEFAULT_LOCALE } from "../../i18n/format";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createPinia, setActivePinia } from "pinia";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "freeSlots", "treatmentAmendments", "recallList",
  ]));

import { api, ApiError, type Amendment } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { isoDate, todayIn } from "../../lib/dates";
import { PREVIEW_DAYS, useAvailabilityStore } from "../availability";
import { useSettingsStore } from "../settings";
import { useTreatmentsStore } from "../treatments";
import { useRecallsStore } from "../recalls";

const m = apiMocks(api);
const conflict = new ApiError("Conflict", "That slot was just taken.");

beforeEach(() => {
  setActivePinia(createPinia());
  vi.clearAllMocks();
});

describe("availability store", () => {
  afterEach(() => vi.useRealTimers());

  it("previews a week of free slots from the clinic's today, not the PC's", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-28T23:30:00Z"));
    // UTC+14 and UTC-11 are on different dates at every instant: one of them is not on the PC's date
    const zone = ["Pacific/Kiritimati", "Pacific/Pago_Pago"].find((z) => todayIn(z) !== isoDate(new Date()))!;
    useSettingsStore().settings = { clinic_name: "Riverside", time_zone: zone, idle_lock_minutes: 10, ...DEFAULT_LOCALE };
    m.freeSlots.mockResolvedValue([]);
    await useAvailabilityStore().preview(4);
    expect(m.freeSlots).toHaveBeenCalledWith(4, null, todayIn(zone), PREVIEW_DAYS);
    expect(todayIn(zone)).not.toBe(isoDate(new Date()));
  });

  it("an unavailable preview is empty, not an error", async () => {
    m.freeSlots.mockRejectedValue(conflict);
    expect(await useAvailabilityStore().preview(4)).toEqual([]);
  });
});

describe("treatments store", () => {
  it("lists a treatment's amendments newest version first", async () => {
    m.treatmentAmendments.mockResolvedValue([{ version: 1 }, { version: 3 }, { version: 2 }] as Amendment[]);
    const list = await useTreatmentsStore().amendments(5);
    expect(m.treatmentAmendments).toHaveBeenCalledWith(5);
    expect(list.map((a) => a.version)).toEqual([3, 2, 1]);
  });

});

describe("recalls store", () => {
  it("marks the list loaded even when the load fails, and lets the error reach the caller", async () => {
    m.recallList.mockRejectedValue(conflict);
    const s = useRecallsStore();
    await expect(s.load()).rejects.toBe(conflict);
    expect(s.loaded).toBe(true);
    expect(s.items).toEqual([]);
  });
});

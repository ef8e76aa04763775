import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "listWaitlist", "addWaitlistEntry", "closeWaitlistEntry", "waitlistMatches", "bookFromWaitlist", "onSlotFreed",
    "listDoctors", "searchPatients",
  ]));

import { api, ApiError, type Doctor, type FreedSlot, type SlotMatches, type WaitlistEntry } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import { useWaitlistStore } from "../../stores/waitlist";
import WaitlistPage from "../WaitlistPage.vue";
import SlotFreedNotice from "../../components/SlotFreedNotice.vue";

const m = apiMocks(api);
const routes = [{ path: "/", name: "home" }, { path: "/waitlist", name: "waitlist" }];

const doctor: Doctor = {
  id: 3, staff_username: null, department_id: 7, department_name: "General Medicine", full_name: "Dr. Rao",
  qualification: "MBBS", experience_years: 10, phone: null, email: null, consultation_fee_cents: 5000,
  slot_minutes: 15, active: true,
};

function entry(over: Partial<WaitlistEntry> = {}): WaitlistEntry {
  return {
    id: 11, patient_id: 5, patient_name: "Wim Waiting", patient_mrn: "MRN-5", doctor_id: 3, doctor_name: "Dr. Rao",
    department_id: 7, department_name: "General Medicine", window_from: "2026-12-01", window_to: "2026-12-05",
    time_from: null, time_to: null, note: "", created_by: "desk", created_at: "2026-11-30T09:00:00Z",
    status: "open", appointment_id: null, ...over,
  };
}

const slot: FreedSlot = { doctor_id: 3, starts_at: "2026-12-02T10:00:00Z", ends_at: "2026-12-02T10:15:00Z" };
const matches = (entries: WaitlistEntry[], free = true): SlotMatches => ({
  slot, doctor_name: "Dr. Rao", date: "2026-12-02", label: "10:00–10:15 on Wed 2 Dec", free, entries,
});

describe("WaitlistPage", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    m.listDoctors.mockResolvedValue([doctor]);
    m.listWaitlist.mockResolvedValue([entry()]);
  });

  it("lists who waits, is axe clean, and takes an entry off", async () => {
    const { w } = await mountWithRouter(WaitlistPage, { routes, path: "/waitlist" });
    expect(m.listWaitlist).toHaveBeenCalledWith(false);
    const row = w.find('[data-testid="waitlist-row-11"]');
    expect(row.text()).toContain("Wim Waiting");
    expect(row.text()).toContain("Dr. Rao");
    expect(row.text()).toContain("Any time");
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    m.closeWaitlistEntry.mockResolvedValue(entry({ status: "closed" }));
    await w.find('[data-testid="waitlist-close"]').trigger("click");
    await flushPromises();
    expect(m.closeWaitlistEntry).toHaveBeenCalledWith(11);
    expect(w.find('[data-testid="waitlist-row-11"]').exists()).toBe(false);
    w.unmount();
  });

  it("asks for the patient and the doctor before sending, and shows the server's field error in its field", async () => {
    const { w } = await mountWithRouter(WaitlistPage, { routes, path: "/waitlist" });
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.addWaitlistEntry).not.toHaveBeenCalled();
    expect(w.text()).toContain("Find and pick the patient.");
    expect(w.text()).toContain("Choose a doctor or a department.");

    // with a patient and a doctor, a window the server refuses: the sentence lands under "To", the cursor there
    const store = useWaitlistStore();
    m.addWaitlistEntry.mockRejectedValue(
      new ApiError("Validation", "A waitlist window can reach at most a year ahead (until Tue 1 Dec).", "window_to"),
    );
    const vm = w.findComponent(WaitlistPage).vm as unknown as { patient: unknown; draft: { target: string } };
    vm.patient = { id: 5, mrn: "MRN-5", full_name: "Wim Waiting" };
    vm.draft.target = "d:3";
    await flushPromises();
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.addWaitlistEntry).toHaveBeenCalledWith(expect.objectContaining({ patient_id: 5, doctor_id: 3, department_id: null }));
    expect(w.find("#waitlist-window_to-error").text()).toContain("at most a year ahead");
    expect(document.activeElement?.id).toBe("waitlist-window_to");
    expect(store.items).toHaveLength(1);
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });

  it("sends a morning preference as times and a department as the target", async () => {
    const { w } = await mountWithRouter(WaitlistPage, { routes, path: "/waitlist" });
    const vm = w.findComponent(WaitlistPage).vm as unknown as {
      patient: unknown; draft: { target: string; part: string; note: string };
    };
    vm.patient = { id: 5, mrn: "MRN-5", full_name: "Wim Waiting" };
    vm.draft.target = "dep:7";
    vm.draft.part = "morning";
    vm.draft.note = "mornings only";
    m.addWaitlistEntry.mockResolvedValue(entry({ id: 12, doctor_id: null, doctor_name: null }));
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.addWaitlistEntry).toHaveBeenCalledWith(expect.objectContaining({
      doctor_id: null, department_id: 7, time_from: "08:00:00", time_to: "12:00:00", note: "mornings only",
    }));
    expect(w.find('[data-testid="waitlist-row-12"]').text()).toContain("Any doctor — General Medicine");
    w.unmount();
  });
});

describe("SlotFreedNotice", () => {
  let emit: (s: FreedSlot) => void = () => undefined;
  beforeEach(() => {
    vi.clearAllMocks();
    m.onSlotFreed.mockImplementation(async (cb: (s: FreedSlot) => void) => {
      emit = cb;
      return () => undefined;
    });
  });

  async function mounted() {
    const r = await mountWithRouter(SlotFreedNotice, { routes });
    const store = useWaitlistStore();
    await store.listen();
    return { ...r, store };
  }

  it("shows 'slot freed — N waiting' only when someone waits, without taking the focus, and books from it", async () => {
    const { w, store } = await mounted();
    const before = document.activeElement;
    m.waitlistMatches.mockResolvedValueOnce(matches([]));
    emit(slot);
    await flushPromises();
    expect(w.find('[data-testid="slot-notice"]').exists()).toBe(false);

    m.waitlistMatches.mockResolvedValueOnce(matches([entry(), entry({ id: 12, patient_name: "Wanda Dept", doctor_id: null, doctor_name: null })]));
    emit(slot);
    await flushPromises();
    const notice = w.find('[data-testid="slot-notice"]');
    expect(notice.text()).toContain("Slot freed — 2 waiting");
    expect(notice.text()).toContain("Dr. Rao, 10:00–10:15 on Wed 2 Dec");
    expect(notice.text()).toContain("any doctor in General Medicine");
    expect(document.activeElement).toBe(before);
    expect(await seriousAxeFindings(w.element)).toEqual([]);

    m.bookFromWaitlist.mockResolvedValue({ id: 99, patient_name: "Wim Waiting" });
    await w.findAll('[data-testid="slot-notice-book"]')[0].trigger("click");
    await flushPromises();
    expect(m.bookFromWaitlist).toHaveBeenCalledWith(11, 3, slot.starts_at);
    expect(store.notices).toHaveLength(0);
    w.unmount();
  });

  it("keeps the notice with the server's sentence when another desk took the slot first", async () => {
    const { w } = await mounted();
    m.waitlistMatches.mockResolvedValue(matches([entry()]));
    emit(slot);
    await flushPromises();
    m.bookFromWaitlist.mockRejectedValue(
      new ApiError("Conflict", "Dr. Rao already has an appointment Wed 2 Dec 10:00–10:15 — choose another slot."),
    );
    await w.find('[data-testid="slot-notice-book"]').trigger("click");
    await flushPromises();
    expect(w.find('[data-testid="slot-notice-error"]').text()).toContain("already has an appointment");
    // the same slot announced again (booked since): the notice goes
    m.waitlistMatches.mockResolvedValue(matches([], false));
    emit(slot);
    await flushPromises();
    expect(w.find('[data-testid="slot-notice"]').exists()).toBe(false);
    w.unmount();
  });
});

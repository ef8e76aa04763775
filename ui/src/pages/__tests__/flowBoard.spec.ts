import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "todayBoard", "callNext", "myDoctor", "noShowReport", "listDoctors",
  ], { recallList: vi.fn().mockResolvedValue([]) }));

import { api, ApiError, type Appointment, type Doctor, type FlowCard, type StaffRole, type TodayBoard } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import { useSessionStore } from "../../stores/session";
import TodayPage from "../TodayPage.vue";
import NoShowsPage from "../NoShowsPage.vue";

const m = apiMocks(api);
const doctor = (id: number, name: string): Doctor => ({
  id, staff_username: null, department_id: 1, department_name: "General", full_name: name, qualification: "MBBS",
  experience_years: 5, phone: null, email: null, consultation_fee_cents: 2500, slot_minutes: 15, active: true,
});
const appt = (id: number, doctor_id: number, time: string, extra: Partial<Appointment> = {}): Appointment => ({
  id, doctor_id, doctor_name: "Dr", department_name: "General", patient_id: id * 10, patient_name: `Patient ${id}`,
  patient_mrn: `M${id}`, patient_blacklisted: false, starts_at: "2026-12-03T09:00:00Z", ends_at: "2026-12-03T09:15:00Z",
  date: "2026-12-03", time, end_time: time, status: "checked_in", cancel_reason: null, overbooked: false, late: false, type_id: null, type_name: null, type_colour: null, reason: "", series_id: null, ...extra,
});
const card = (appointment_id: number, extra: Partial<FlowCard>): FlowCard => ({
  appointment_id, state: "arrived", checked_in_at: null, called_at: null, wait_minutes: null, over_threshold: false, ...extra,
});

// the board as loaded at 09:30 UTC: 11 arrived 09:05, 12 arrived 09:20, 13 with the doctor after 9 minutes
const board = (): TodayBoard => ({
  date: "2026-12-03", label: "Thu 3 Dec", wait_alert_minutes: 20,
  columns: [{
    doctor: doctor(1, "Dr Rao"),
    appointments: [appt(11, 1, "09:00"), appt(12, 1, "09:15"), appt(13, 1, "09:30")],
    flow: {
      waiting: 2, average_wait_minutes: 15,
      cards: [
        card(11, { checked_in_at: "2026-12-03T09:05:00Z", wait_minutes: 25, over_threshold: true }),
        card(12, { checked_in_at: "2026-12-03T09:20:00Z", wait_minutes: 10 }),
        card(13, { state: "with_doctor", checked_in_at: "2026-12-03T08:50:00Z", called_at: "2026-12-03T08:59:00Z", wait_minutes: 9 }),
      ],
    },
  }],
});

const mountAs = (role: StaffRole, component: object = TodayPage) =>
  mountWithRouter(component, {
    routes: [{ path: "/", name: "home" }, { path: "/patients/:id", name: "patient" }, { path: "/print/day/:doctorId/:date", name: "print-day" }],
    beforeMount: () => {
      useSessionStore().session = { username: "u", full_name: "U", role, clinic_name: "C", idle_lock_minutes: 0 };
    },
  });

describe("flow board", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval"] });
    vi.setSystemTime(new Date("2026-12-03T09:30:00Z"));
    m.todayBoard.mockResolvedValue(board());
  });
  afterEach(() => vi.useRealTimers());

  it("shows live waiting minutes, marks long waits in words too, and the doctor's average", async () => {
    const { w } = await mountAs("reception");
    expect(w.find('[data-testid="appt-wait-11"]').text()).toBe("Arrived · waiting 25 min (over 20 min)");
    expect(w.find('[data-testid="appt-wait-11"]').classes()).toContain("over");
    expect(w.find('[data-testid="appt-wait-12"]').text()).toBe("Arrived · waiting 10 min");
    expect(w.find('[data-testid="appt-wait-13"]').text()).toBe("With doctor · waited 9 min");
    expect(w.find('[data-testid="flow-summary-1"]').text()).toBe("2 waiting · Average wait 15 min");
    expect(w.find('[data-testid="appt-11"]').attributes("aria-label")).toContain("waiting too long");
    // the minutes run on between refreshes: 11 minutes later patient 12 has waited 21 and is over the threshold
    vi.setSystemTime(new Date("2026-12-03T09:41:00Z"));
    vi.advanceTimersByTime(15_000);
    await flushPromises();
    expect(w.find('[data-testid="appt-wait-12"]').text()).toBe("Arrived · waiting 21 min (over 20 min)");
    expect(w.find('[data-testid="appt-wait-13"]').text()).toBe("With doctor · waited 9 min");
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });

  it("call next calls the first arrival in; nobody arrived is one sentence", async () => {
    m.callNext.mockResolvedValueOnce(appt(11, 1, "09:00"));
    const { w } = await mountAs("reception");
    const button = w.find('[data-testid="call-next-1"]');
    expect(button.attributes("aria-label")).toBe("Call next for Dr Rao");
    await button.trigger("click");
    await flushPromises();
    expect(m.callNext).toHaveBeenCalledWith(1);
    expect(m.todayBoard).toHaveBeenCalledTimes(2); // reloaded
    expect(w.find('[data-testid="call-note-1"]').text()).toBe("Called in: Patient 11 (09:00).");
    m.callNext.mockRejectedValueOnce(new ApiError("Validation", "Nobody has arrived for this doctor yet: there is no one to call.", "doctor_id"));
    await w.find('[data-testid="call-next-1"]').trigger("click");
    await flushPromises();
    expect(w.find('[data-testid="call-note-1"]').text()).toBe("Nobody has arrived for this doctor yet: there is no one to call.");
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });

  it("a doctor gets the button on their own column only", async () => {
    m.myDoctor.mockResolvedValue(doctor(2, "Dr Lee"));
    const { w } = await mountAs("doctor");
    await flushPromises();
    expect(w.find('[data-testid="call-next-1"]').exists()).toBe(false);
    w.unmount();
  });
});

describe("no-show report page", () => {
  beforeEach(() => vi.clearAllMocks());

  it("lists patients per doctor and shows a bad period as a field error", async () => {
    m.listDoctors.mockResolvedValue([doctor(1, "Dr Rao")]);
    m.noShowReport.mockResolvedValueOnce({
      from: "2026-01-01", to: "2026-01-31", total: 3,
      doctors: [{ doctor_id: 1, doctor_name: "Dr Rao", no_shows: 3, patients: [
        { patient_id: 5, patient_name: "Pia One", patient_mrn: "M5", phone: null, no_shows: 2, last_no_show: "2026-01-20" },
        { patient_id: 6, patient_name: "Paul Two", patient_mrn: "M6", phone: "+447700900123", no_shows: 1, last_no_show: "2026-01-01" },
      ] }],
    });
    const { w } = await mountAs("reception", NoShowsPage);
    expect(w.find('[data-testid="noshows-total"]').text()).toContain("3 no-shows");
    const rows = w.findAll('[data-testid="noshows-table-1"] tbody tr').map((r) => r.text());
    expect(rows[0]).toContain("Pia One");
    expect(rows[0]).toContain("20/01/2026"); // the clinic's date format
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    m.noShowReport.mockRejectedValueOnce(new ApiError("Validation", "The end date is before the start date.", "to"));
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(w.find('[data-testid="noshows-to"]').attributes("aria-invalid")).toBe("true");
    expect(w.text()).toContain("The end date is before the start date.");
    w.unmount();
  });
});

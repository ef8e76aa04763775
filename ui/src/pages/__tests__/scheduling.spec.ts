import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "todayBoard", "checkIn", "markNoShow", "cancelAppointment", "listDoctors", "getPatient", "freeSlots",
    "bookAppointment", "searchPatients",
  ], { recallList: vi.fn().mockResolvedValue([]), doctorAppointmentTypes: vi.fn().mockResolvedValue([]) }));

import { api, ApiError, type Appointment, type Doctor } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { typeKeys } from "../../test/keyboard";
import TodayPage from "../TodayPage.vue";
import BookPage from "../BookPage.vue";

const m = apiMocks(api);
const doctor = (id: number, name: string): Doctor => ({
  id, staff_username: null, department_id: 1, department_name: "General", full_name: name, qualification: "MBBS",
  experience_years: 5, phone: null, email: null, consultation_fee_cents: 2500, slot_minutes: 15, active: true,
});
const appt = (id: number, doctor_id: number, time: string, extra: Partial<Appointment> = {}): Appointment => ({
  id, doctor_id, doctor_name: "Dr", department_name: "General", patient_id: id * 10, patient_name: `Patient ${id}`,
  patient_mrn: `M${id}`, patient_blacklisted: false, starts_at: "2026-12-03T09:00:00Z", ends_at: "2026-12-03T09:15:00Z",
  date: "2026-12-03", time, end_time: time, status: "booked", cancel_reason: null, overbooked: false, late: false, type_id: null, type_name: null, type_colour: null, reason: "", series_id: null, ...extra,
});

const mountPage = (component: object, path = "/") =>
  mountWithRouter(component, {
    path,
    routes: [
      { path: "/", name: "home" },
      { path: "/book", name: "book" },
      { path: "/patients/:id", name: "patient" },
      { path: "/print/day/:doctorId/:date", name: "print-day" },
    ],
  });

describe("TodayPage", () => {
  beforeEach(() => vi.clearAllMocks());

  it("renders columns and cards with status text and handles arrow keys and 'c'", async () => {
    m.todayBoard.mockResolvedValue({
      date: "2026-12-03", label: "Thu 3 Dec",
      columns: [
        { doctor: doctor(1, "Dr Rao"), appointments: [appt(11, 1, "09:00", { late: true }), appt(12, 1, "09:15", { patient_blacklisted: true })] },
        { doctor: doctor(2, "Dr Lee"), appointments: [appt(21, 2, "10:00", { status: "no_show" })] },
      ],
    });
    m.checkIn.mockResolvedValue(appt(12, 1, "09:15", { status: "checked_in" }));
    const { w } = await mountPage(TodayPage);
    expect(w.find('[data-testid="board-column-1"]').exists()).toBe(true);
    expect(w.find('[data-testid="appt-status-11"]').text()).toContain("Late");
    expect(w.find('[data-testid="appt-status-21"]').text()).toBe("No-show");
    expect(w.find('[data-testid="appt-12"]').text()).toContain("Blacklisted");
    expect(w.find('[data-testid="appt-checkin-11"]').exists()).toBe(true);
    expect(w.find('[data-testid="appt-checkin-21"]').exists()).toBe(false);

    const first = w.find('[data-testid="appt-11"]');
    (first.element as HTMLElement).focus();
    await first.trigger("focus");
    await first.trigger("keydown", { key: "ArrowDown" });
    expect(document.activeElement).toBe(w.find('[data-testid="appt-12"]').element);
    await w.find('[data-testid="appt-12"]').trigger("focus");
    await w.find('[data-testid="appt-12"]').trigger("keydown", { key: "c" });
    await flushPromises();
    expect(m.checkIn).toHaveBeenCalledWith(12);
    expect(m.todayBoard).toHaveBeenCalledTimes(2);
    w.unmount();
  });
});

describe("TodayPage focus", () => {
  beforeEach(() => vi.clearAllMocks());
  const board = (status: Appointment["status"]) => ({
    date: "2026-12-03", label: "Thu 3 Dec",
    columns: [{ doctor: doctor(1, "Dr Rao"), appointments: [appt(11, 1, "09:00"), appt(12, 1, "09:15", { status })] }],
  });

  it("after an action the reloaded board does not take the cursor from where the person went meanwhile", async () => {
    m.todayBoard.mockResolvedValue(board("booked"));
    m.checkIn.mockResolvedValue(appt(12, 1, "09:15", { status: "checked_in" }));
    const { w } = await mountPage(TodayPage);
    let answer!: (b: ReturnType<typeof board>) => void;
    m.todayBoard.mockReturnValueOnce(new Promise((r) => (answer = r)));
    const card = w.find('[data-testid="appt-12"]');
    (card.element as HTMLElement).focus();
    await card.trigger("focus");
    await card.trigger("keydown", { key: "c" });
    await flushPromises();
    // the board is still reloading: the person goes on to the Walk-in button
    const walkIn = w.find('[data-testid="walk-in"]').element as HTMLElement;
    walkIn.focus();
    answer(board("checked_in"));
    await flushPromises();
    expect(document.activeElement).toBe(walkIn);
    w.unmount();
  });

  it("walk-in: Change puts the cursor back in the patient search", async () => {
    m.todayBoard.mockResolvedValue(board("booked"));
    m.searchPatients.mockResolvedValue([{ id: 7, mrn: "M7", full_name: "Pat Doe", date_of_birth: "1990-02-03", phone: null, blacklisted: false, merged_into_id: null }]);
    const { w } = await mountPage(TodayPage);
    await w.find('[data-testid="walk-in"]').trigger("click");
    await flushPromises();
    const search = () => document.getElementById("walkin-search") as HTMLInputElement;
    expect(document.activeElement).toBe(search());
    typeKeys("pat");
    await new Promise((r) => setTimeout(r, 200)); // the search's debounce
    await flushPromises();
    (document.querySelector('[data-testid="patient-hit-7"]') as HTMLButtonElement).click();
    await flushPromises();
    expect(search()).toBeNull();
    (document.querySelector('[data-testid="walkin-change"]') as HTMLButtonElement).click();
    await flushPromises();
    expect(document.activeElement).toBe(search());
    w.unmount();
  });
});

describe("BookPage", () => {
  beforeEach(() => vi.clearAllMocks());

  it("books a picked slot for the preselected patient; a Conflict shows the message and reloads the grid", async () => {
    m.listDoctors.mockResolvedValue([doctor(4, "Dr Rao")]);
    m.getPatient.mockResolvedValue({ id: 9, mrn: "M9", full_name: "Pat Doe", date_of_birth: "1990-01-01", blacklisted: false, blacklist_reason: null });
    const slots = [{ doctor_id: 4, starts_at: "2026-12-03T10:00:00Z", ends_at: "2026-12-03T10:15:00Z", date: "2026-12-03", time: "10:00", end_time: "10:15" }];
    m.freeSlots.mockResolvedValue([{ date: "2026-12-03", label: "Thu 3 Dec", slots }]);
    m.bookAppointment.mockRejectedValue(new ApiError("Conflict", "Dr. Rao already has an appointment 10:00–10:15 on Thu 3 Dec — choose another slot."));

    const { w } = await mountPage(BookPage, "/book?patient=9&doctor=4");
    expect(w.text()).toContain("Pat Doe");
    expect((w.find('[data-testid="book-doctor"]').element as HTMLSelectElement).value).toBeTruthy();
    await w.find('[data-testid="slot-2026-12-03-10:00"]').trigger("click");
    await w.find('[data-testid="book-confirm"]').trigger("click");
    await flushPromises();
    expect(m.bookAppointment).toHaveBeenCalledWith({ doctor_id: 4, patient_id: 9, starts_at: "2026-12-03T10:00:00Z", type_id: null, reason: "" }, expect.any(String));
    const err = w.find('[data-testid="book-error"]');
    expect(err.text()).toContain("already has an appointment");
    expect(err.element.closest('[role="alert"]')).not.toBeNull();
    expect(m.freeSlots).toHaveBeenCalledTimes(2);
    w.unmount();
  });
});

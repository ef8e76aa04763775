/**
 * Issue 18: the desk's daily tasks by keyboard. Focus follows the work (patient picked → department; Enter on a
 * doctor → the grid; slot picked → Book; walk-in registered → doctor; dialog closed → the new card), the booking grid
 * and the board are one Tab stop each, doctor lists jump by surname, and only today's appointments can be checked in.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "todayBoard", "checkIn", "listDoctors", "getPatient", "freeSlots", "bookAppointment", "searchPatients", "registerPatient",
    "walkIn", "firstAvailable", "quickSearch",
  ], { recallList: vi.fn().mockResolvedValue([]), doctorAppointmentTypes: vi.fn().mockResolvedValue([]) }));

import { api, type Appointment, type Doctor, type Slot } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import { todayIn, addDays } from "../../lib/dates";
import { formatDate } from "../../i18n/format";
import TodayPage from "../TodayPage.vue";
import BookPage from "../BookPage.vue";
import SlotGrid from "../../components/SlotGrid.vue";
import ApptActions from "../../components/ApptActions.vue";

const m = apiMocks(api);
const doctor = (id: number, name: string, department_id = 1, department_name = "General"): Doctor => ({
  id, staff_username: null, department_id, department_name, full_name: name, qualification: "MBBS",
  experience_years: 5, phone: null, email: null, consultation_fee_cents: 2500, slot_minutes: 15, active: true,
});
const TODAY = todayIn(null); // no clinic zone loaded in these specs: the PC's date
const appt = (id: number, doctor_id: number, time: string, extra: Partial<Appointment> = {}): Appointment => ({
  id, doctor_id, doctor_name: "Dr. Meera Shah", department_name: "Cardiology", patient_id: id * 10, patient_name: `Patient ${id}`,
  patient_mrn: `M${id}`, patient_blacklisted: false, starts_at: `${TODAY}T09:00:00Z`, ends_at: `${TODAY}T09:15:00Z`,
  date: TODAY, time, end_time: time, status: "booked", cancel_reason: null, overbooked: false, late: false, type_id: null, type_name: null, type_colour: null, reason: "", series_id: null, ...extra,
});
const slot = (date: string, time: string, doctor_id = 2): Slot => ({
  doctor_id, starts_at: `${date}T${time}:00Z`, ends_at: `${date}T${time}:15Z`, date, time, end_time: time,
});
const hit = { id: 9, mrn: "M9", full_name: "Hazel Brennan", date_of_birth: "1980-03-14", phone: null, blacklisted: false };

const mountPage = (component: object, path = "/") =>
  mountWithRouter(component, {
    path,
    routes: [
      { path: "/", name: "home" },
      { path: "/today", name: "today" },
      { path: "/book", name: "book" },
      { path: "/patients/:id", name: "patient" },
      { path: "/print/day/:doctorId/:date", name: "print-day" },
    ],
  });

// a dialog's teleported content can outlive its page by a leave transition: each test starts on an empty page
afterEach(() => {
  document.body.innerHTML = "";
});

const byTestId = <T extends HTMLElement = HTMLElement>(id: string) => document.querySelector<T>(`[data-testid="${id}"]`);
const key = (el: Element | null, k: string, init: KeyboardEventInit = {}) =>
  el!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init }));
/** Types into the focused input as a person would (value + input event), after its keydown. */
function typeInto(text: string) {
  const el = document.activeElement as HTMLInputElement;
  for (const ch of text) {
    key(el, ch);
    el.value += ch;
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

describe("SlotGrid", () => {
  const days = [
    { date: "2026-12-03", label: "Thu 3 Dec", slots: [slot("2026-12-03", "09:00"), slot("2026-12-03", "09:15")] },
    { date: "2026-12-04", label: "Fri 4 Dec", slots: [slot("2026-12-04", "10:00")] },
  ];

  it("is one Tab stop (the first free slot, else the picked one); arrows move it; Enter/click picks", async () => {
    const w = mount(SlotGrid, { props: { days, label: "Free slots", selected: null }, attachTo: document.body });
    const tabStops = () => w.findAll("button").filter((b) => b.attributes("tabindex") === "0").map((b) => b.attributes("data-testid"));
    expect(tabStops()).toEqual(["slot-2026-12-03-09:00"]);
    const first = w.find('[data-testid="slot-2026-12-03-09:00"]');
    (first.element as HTMLElement).focus();
    await first.trigger("keydown", { key: "ArrowRight" });
    expect(document.activeElement).toBe(w.find('[data-testid="slot-2026-12-04-10:00"]').element);
    await w.find('[data-testid="slot-2026-12-04-10:00"]').trigger("focus");
    expect(tabStops()).toEqual(["slot-2026-12-04-10:00"]);
    await w.find('[data-testid="slot-2026-12-04-10:00"]').trigger("click");
    expect(w.emitted("pick")?.[0]).toEqual([days[1].slots[0]]);
    await w.setProps({ selected: days[0].slots[1] });
    expect(tabStops()).toEqual(["slot-2026-12-03-09:15"]);
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });
});

describe("BookPage by keyboard", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    m.listDoctors.mockResolvedValue([doctor(1, "Dr. Anil Rao"), doctor(2, "Dr. Meera Shah", 2, "Cardiology")]);
    m.searchPatients.mockResolvedValue([hit]);
    m.getPatient.mockResolvedValue({ ...hit, blacklist_reason: null });
    m.freeSlots.mockResolvedValue([{ date: TODAY, label: "Today", slots: [slot(TODAY, "09:00"), slot(TODAY, "09:15")] }]);
  });

  it("search → Enter picks (even before the answer is in) → Department; Tab, 's' → Dr. Shah; Enter → grid; Enter → Book", async () => {
    const { w } = await mountPage(BookPage, "/book");
    const search = byTestId<HTMLInputElement>("patient-search")!;
    expect(document.activeElement).toBe(search); // the page's first task
    typeInto("hazel");
    key(search, "Enter"); // at once: the debounced search has not run yet
    await flushPromises();
    expect(m.searchPatients).toHaveBeenCalledWith("hazel");
    expect(w.text()).toContain("Hazel Brennan");
    expect(document.activeElement).toBe(byTestId("book-department"));

    const doctorList = byTestId<HTMLSelectElement>("book-doctor")!;
    doctorList.focus();
    key(doctorList, "s"); // by surname, not "Dr."
    await flushPromises();
    expect(doctorList.value).not.toBe("");
    expect(m.freeSlots).toHaveBeenCalledWith(2, null, expect.any(String), 7);
    key(doctorList, "Enter");
    await flushPromises();
    expect(document.activeElement).toBe(byTestId(`slot-${TODAY}-09:00`));
    (document.activeElement as HTMLButtonElement).click(); // Enter on a button
    await flushPromises();
    expect(document.activeElement).toBe(byTestId("book-confirm"));
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });

  it("Enter on a department finds its first free slot and puts the cursor on it", async () => {
    m.firstAvailable.mockResolvedValue(slot(TODAY, "09:15"));
    const { w } = await mountPage(BookPage, "/book?patient=9");
    const dep = byTestId<HTMLSelectElement>("book-department")!;
    expect(document.activeElement).toBe(dep); // the patient is known: the department is the first task
    key(dep, "c"); // Cardiology, by type-ahead
    await flushPromises();
    key(dep, "Enter");
    await flushPromises();
    expect(m.firstAvailable).toHaveBeenCalledWith(2, null);
    expect(document.activeElement).toBe(byTestId(`slot-${TODAY}-09:15`));
    w.unmount();
  });

  it("rescheduling puts the cursor on the next free slot as the grid appears", async () => {
    const { w } = await mountPage(BookPage, "/book?reschedule=5&doctor=2&patient=9");
    await flushPromises();
    expect(document.activeElement).toBe(byTestId(`slot-${TODAY}-09:00`));
    w.unmount();
  });
});

describe("TodayPage by keyboard", () => {
  const board = (extra: Appointment[] = []) => ({
    date: TODAY, label: "Today",
    columns: [
      { doctor: doctor(1, "Dr. Anil Rao"), appointments: [] },
      { doctor: doctor(2, "Dr. Meera Shah", 2, "Cardiology"), appointments: [appt(11, 2, "09:00"), appt(12, 2, "09:15"), ...extra] },
    ],
  });
  beforeEach(() => {
    vi.clearAllMocks();
    m.todayBoard.mockResolvedValue(board());
  });

  it("takes the cursor to the first card on arrival; card buttons are out of the Tab order; b and w", async () => {
    const { w } = await mountPage(TodayPage, "/today");
    expect(document.activeElement).toBe(byTestId("appt-11"));
    const tabbable = Array.from(document.querySelectorAll<HTMLElement>(".cards button")).filter((b) => b.tabIndex >= 0);
    expect(tabbable).toEqual([]);
    expect(byTestId("appt-checkin-11")!.getAttribute("aria-keyshortcuts")).toBe("c");
    byTestId("walk-in")!.focus();
    key(byTestId("walk-in"), "b");
    expect(document.activeElement).toBe(byTestId("appt-11"));
    key(document.activeElement, "w");
    await flushPromises();
    expect(document.getElementById("walkin-search")).not.toBeNull();
    w.unmount();
  });

  it("keeps Complete (no key covers it) a Tab stop on a checked-in card", async () => {
    m.todayBoard.mockResolvedValue(board([appt(13, 2, "09:30", { status: "checked_in" })]));
    const { w } = await mountPage(TodayPage, "/today");
    expect(byTestId("appt-complete-13")!.tabIndex).toBe(0);
    expect(byTestId("appt-noshow-13")!.tabIndex).toBe(-1);
    w.unmount();
  });

  it("a chart's Walk in now (?walkin=<patient>) opens the walk-in for that patient, the cursor on the doctor", async () => {
    m.getPatient.mockResolvedValue({ ...hit, blacklist_reason: null });
    const { w } = await mountPage(TodayPage, "/today?walkin=9");
    await flushPromises();
    expect(document.body.textContent).toContain("Hazel Brennan");
    expect(document.activeElement).toBe(byTestId("walkin-doctor"));
    w.unmount();
  });

  it("quick search's ?appt=<id> opens the board on that card", async () => {
    const { w } = await mountPage(TodayPage, "/today?appt=12");
    expect(document.activeElement).toBe(byTestId("appt-12"));
    w.unmount();
  });

  it("a busy day is drawn a few columns at a time; a card in a column not drawn yet still takes the cursor", async () => {
    const many = {
      date: TODAY, label: "Today",
      columns: Array.from({ length: 14 }, (_, i) => ({
        doctor: doctor(100 + i, `Dr. Number ${i}`), appointments: [appt(1000 + i, 100 + i, "09:00")],
      })),
    };
    // the first doctor has a long day: ten cards
    many.columns[0].appointments.push(...Array.from({ length: 9 }, (_, k) => appt(2000 + k, 100, `1${k}:00`)));
    m.todayBoard.mockResolvedValue(many);
    const { w } = await mountPage(TodayPage, "/today?appt=1013");
    // the requested card (the 14th column) was drawn at once and has the cursor
    await flushPromises();
    expect(document.activeElement).toBe(byTestId("appt-1013"));
    expect(document.querySelectorAll("[data-card]")).toHaveLength(23);
    w.unmount();

    const again = await mountPage(TodayPage, "/today");
    // the top of the first columns comes first, the cursor on the first card; the rest follow frame by frame
    const first = byTestId("board-column-100")!;
    expect(first.querySelectorAll("[data-card]")).toHaveLength(6);
    expect(first.textContent).toContain("10 appointments");
    expect(document.querySelectorAll("[data-card]").length).toBeLessThan(14);
    expect(document.activeElement).toBe(byTestId("appt-1000"));
    await vi.waitFor(() => expect(document.querySelectorAll("[data-card]")).toHaveLength(23));
    again.w.unmount();
  });

  it("walk-in: nobody found → register in the dialog (name kept, cursor in Date of birth) → doctor by surname → Enter adds; the cursor goes to the new card", async () => {
    m.searchPatients.mockResolvedValue([]);
    m.registerPatient.mockResolvedValue({
      id: 30, mrn: "M30", full_name: "Tomas Lindqvist", date_of_birth: "1990-04-12", sex: "unknown", phone: null, email: null,
      address: "", emergency_contact: "", preferred_channel: "sms", reminder_consent: false, blacklisted: false, blacklist_reason: null,
    });
    const added = appt(30, 2, "09:30", { patient_id: 30, patient_name: "Tomas Lindqvist" });
    m.walkIn.mockResolvedValue(added);
    const { w } = await mountPage(TodayPage, "/today");
    key(document.activeElement, "w");
    await flushPromises();
    const search = document.getElementById("walkin-search") as HTMLInputElement;
    expect(document.activeElement).toBe(search);
    typeInto("Tomas Lindqvist");
    key(search, "Enter");
    await flushPromises();
    expect(byTestId<HTMLInputElement>("patient-full-name")!.value).toBe("Tomas Lindqvist");
    expect(document.activeElement).toBe(byTestId("patient-dob"));
    const dob = byTestId<HTMLInputElement>("patient-dob")!;
    dob.value = "1990-04-12";
    dob.dispatchEvent(new Event("input", { bubbles: true }));
    expect(await seriousAxeFindings(document.body)).toEqual([]);
    dob.form!.requestSubmit();
    await flushPromises();
    expect(m.registerPatient).toHaveBeenCalledWith(expect.objectContaining({ full_name: "Tomas Lindqvist", date_of_birth: "1990-04-12" }));
    const doctorList = byTestId<HTMLSelectElement>("walkin-doctor")!;
    expect(document.activeElement).toBe(doctorList);
    key(doctorList, "s");
    expect(doctorList.value).toBe("2");
    m.todayBoard.mockResolvedValue(board([added]));
    key(doctorList, "Enter");
    await flushPromises();
    expect(m.walkIn).toHaveBeenCalledWith(30, 2, null, false);
    expect(document.activeElement).toBe(byTestId("appt-30"));
    w.unmount();
  });

  it("walk-in: Enter on the doctor list without a doctor says so and keeps the cursor there", async () => {
    m.searchPatients.mockResolvedValue([hit]);
    const { w } = await mountPage(TodayPage, "/today");
    key(document.activeElement, "w");
    await flushPromises();
    typeInto("hazel");
    key(document.activeElement, "Enter");
    await flushPromises();
    const doctorList = byTestId<HTMLSelectElement>("walkin-doctor")!;
    expect(document.activeElement).toBe(doctorList);
    key(doctorList, "Enter");
    await flushPromises();
    expect(byTestId("walkin-error")!.textContent).toContain("Choose the doctor");
    expect(document.activeElement).toBe(doctorList);
    expect(m.walkIn).not.toHaveBeenCalled();
    w.unmount();
  });

  it("walk-in of a merged record: walks in the surviving record (its name shown, its id sent), like every other way of opening a merged record", async () => {
    m.searchPatients.mockResolvedValue([{ ...hit, id: 5, mrn: "M5", full_name: "Hazel Brenan", merged_into_id: 9 }]);
    m.getPatient.mockResolvedValue({ ...hit, merged_into_id: null, blacklist_reason: null });
    const added = appt(31, 2, "09:45", { patient_id: 9, patient_name: "Hazel Brennan" });
    m.walkIn.mockResolvedValue(added);
    const { w } = await mountPage(TodayPage, "/today");
    key(document.activeElement, "w");
    await flushPromises();
    typeInto("hazel");
    key(document.activeElement, "Enter");
    await flushPromises();
    expect(m.getPatient).toHaveBeenCalledWith(9);
    const doctorList = byTestId<HTMLSelectElement>("walkin-doctor")!;
    expect(document.activeElement).toBe(doctorList);
    expect(document.body.textContent).toContain("Hazel Brennan");
    doctorList.value = "2";
    doctorList.dispatchEvent(new Event("change", { bubbles: true }));
    m.todayBoard.mockResolvedValue(board([added]));
    key(doctorList, "Enter");
    await flushPromises();
    expect(m.walkIn).toHaveBeenCalledWith(9, 2, null, false);
    w.unmount();
  });
});

describe("ApptActions", () => {
  it("offers Check in and No-show only on the appointment's day, and names the day on every button", () => {
    const future = appt(40, 2, "09:30", { date: addDays(TODAY, 4) });
    const later = mount(ApptActions, { props: { appt: future } });
    expect(later.find('[data-testid="appt-checkin-40"]').exists()).toBe(false);
    expect(later.find('[data-testid="appt-noshow-40"]').exists()).toBe(false);
    expect(later.find('[data-testid="appt-cancel-40"]').attributes("aria-label")).toBe(`Cancel: Patient 40, ${formatDate(addDays(TODAY, 4))} at 09:30`);
    const now = mount(ApptActions, { props: { appt: appt(41, 2, "09:30") } });
    expect(now.find('[data-testid="appt-checkin-41"]').attributes("aria-label")).toBe("Check in: Patient 41, today at 09:30");
  });
});

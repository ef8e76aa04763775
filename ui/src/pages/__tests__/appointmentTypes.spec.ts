/**
 * Issue 14, parts 1–2 in the UI: the admin's appointment types (list, create/edit with field errors, which types each
 * doctor offers and the default), the booking page's type picker and visit reason, the walk-in's type, and the
 * board's type chip, reason and filter.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "listAppointmentTypes", "createAppointmentType", "updateAppointmentType", "doctorAppointmentTypes", "setDoctorAppointmentTypes",
    "listDoctors", "getPatient", "freeSlots", "bookAppointment", "todayBoard", "walkIn", "searchPatients", "firstAvailable",
  ], { recallList: vi.fn().mockResolvedValue([]) }));

import { api, ApiError, type Appointment, type AppointmentType, type Doctor, type OfferedType, type Slot } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import { todayIn } from "../../lib/dates";
import { matchesBoardFilter, calendarTitle } from "../../lib/appointments";
import { typeInputErrors } from "../../lib/appointmentTypes";
import AppointmentTypesPage from "../AppointmentTypesPage.vue";
import BookPage from "../BookPage.vue";
import TodayPage from "../TodayPage.vue";

const m = apiMocks(api);
const TODAY = todayIn(null);
const doctor = (id: number, name: string, department_id = 1, department_name = "General"): Doctor => ({
  id, staff_username: null, department_id, department_name, full_name: name, qualification: "MBBS",
  experience_years: 5, phone: null, email: null, consultation_fee_cents: 2500, slot_minutes: 15, active: true,
});
const type = (id: number, name: string, minutes: number, colour = "#2563eb", active = true): AppointmentType => ({ id, name, minutes, colour, active, buffer_minutes: 0 });
const CONSULT = type(7, "Consultation", 15, "#2563eb");
const LONG = type(8, "Long visit", 45, "#b91c1c");
const OLD = type(9, "Old type", 30, "#6b7280", false);
const offer = (t: AppointmentType, is_default = false): OfferedType => ({ appointment_type: t, is_default });
const slot = (date: string, time: string, doctor_id = 2): Slot => ({
  doctor_id, starts_at: `${date}T${time}:00Z`, ends_at: `${date}T${time}:15Z`, date, time, end_time: time,
});
const appt = (id: number, doctor_id: number, time: string, extra: Partial<Appointment> = {}): Appointment => ({
  id, doctor_id, doctor_name: "Dr. Meera Shah", department_name: "Cardiology", patient_id: id * 10, patient_name: `Patient ${id}`,
  patient_mrn: `M${id}`, patient_blacklisted: false, starts_at: `${TODAY}T09:00:00Z`, ends_at: `${TODAY}T09:15:00Z`,
  date: TODAY, time, end_time: time, status: "booked", cancel_reason: null, overbooked: false, late: false,
  type_id: null, type_name: null, type_colour: null, reason: "", series_id: null, ...extra,
});
const hit = { id: 9, mrn: "M9", full_name: "Hazel Brennan", date_of_birth: "1980-03-14", phone: null, blacklisted: false };

const mountPage = (component: object, path = "/") =>
  mountWithRouter(component, {
    path,
    routes: [
      { path: "/", name: "home" },
      { path: "/today", name: "today" },
      { path: "/book", name: "book" },
      { path: "/appointment-types", name: "appointment-types" },
      { path: "/patients/:id", name: "patient" },
      { path: "/print/day/:doctorId/:date", name: "print-day" },
    ],
  });

afterEach(() => {
  document.body.innerHTML = "";
});

const byTestId = <T extends HTMLElement = HTMLElement>(id: string) => document.querySelector<T>(`[data-testid="${id}"]`);
function setValue(el: HTMLInputElement | HTMLSelectElement | null, value: string) {
  el!.value = value;
  el!.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
}
function check(el: HTMLInputElement | null, on = true) {
  if (el!.checked !== on) el!.click();
}

describe("typeInputErrors and the board filter", () => {
  it("names each wrong field of a type and why", () => {
    expect(typeInputErrors({ name: "Consultation", minutes: "30", colour: "#2563EB" })).toEqual({});
    const e = typeInputErrors({ name: " ", minutes: "32", colour: "blue" });
    expect(Object.keys(e).sort()).toEqual(["colour", "minutes", "name"]);
    expect(e.minutes).toContain("steps of 5");
    expect(typeInputErrors({ name: "x", minutes: "245", colour: "#000000" }).minutes).toContain("between 5 and 240");
    expect(typeInputErrors({ name: "x", minutes: "0", colour: "#000000" }).minutes).toContain("between 5 and 240");
    expect(typeInputErrors({ name: "x", minutes: "", colour: "#000000" }).minutes).toContain("whole minutes");
  });

  it("matches every word in the name, MRN, type or reason, ignoring case", () => {
    const a = appt(1, 2, "09:00", { patient_name: "Hazel Brennan", type_name: "Long visit", reason: "Knee pain, 2 weeks" });
    expect(matchesBoardFilter(a, "knee")).toBe(true);
    expect(matchesBoardFilter(a, "KNEE hazel")).toBe(true);
    expect(matchesBoardFilter(a, "long")).toBe(true);
    expect(matchesBoardFilter(a, "M1")).toBe(true);
    expect(matchesBoardFilter(a, "knee back")).toBe(false);
    expect(matchesBoardFilter(a, "   ")).toBe(true);
    expect(calendarTitle(a)).toBe("Hazel Brennan · Long visit · Booked · Reason: Knee pain, 2 weeks");
  });
});

describe("AppointmentTypesPage", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    m.listAppointmentTypes.mockResolvedValue([CONSULT, LONG, OLD]);
    m.listDoctors.mockResolvedValue([doctor(1, "Dr. Anil Rao"), doctor(2, "Dr. Meera Shah", 2, "Cardiology")]);
    m.doctorAppointmentTypes.mockResolvedValue([offer(CONSULT, true)]);
    m.setDoctorAppointmentTypes.mockResolvedValue(null);
  });

  it("lists types with length, colour and whether in use; has no serious axe findings", async () => {
    const { w } = await mountPage(AppointmentTypesPage, "/appointment-types");
    const row = byTestId("type-row-8")!;
    expect(row.textContent).toContain("Long visit");
    expect(row.textContent).toContain("45 min");
    expect(row.textContent).toContain("#b91c1c");
    expect(row.querySelector<HTMLElement>(".swatch")!.style.background).toBe("rgb(185, 28, 28)");
    expect(byTestId("type-row-9")!.textContent).toContain("Not in use");
    expect(byTestId("type-row-7")!.textContent).toContain("In use");
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });

  it("creating: client-side field errors first (cursor to the first), a server field error on its field, then saves", async () => {
    const { w } = await mountPage(AppointmentTypesPage, "/appointment-types");
    byTestId("type-new")!.click();
    await flushPromises();
    expect(document.activeElement).toBe(byTestId("type-name"));
    setValue(byTestId<HTMLInputElement>("type-name"), "Follow-up");
    setValue(byTestId<HTMLInputElement>("type-minutes"), "22");
    setValue(byTestId<HTMLInputElement>("type-colour"), "#12345");
    byTestId<HTMLInputElement>("type-name")!.form!.requestSubmit();
    await flushPromises();
    expect(m.createAppointmentType).not.toHaveBeenCalled();
    expect(document.getElementById("type-minutes-error")!.textContent).toContain("steps of 5");
    expect(document.getElementById("type-colour-error")).not.toBeNull();
    expect(document.activeElement).toBe(byTestId("type-minutes"));
    expect(byTestId("type-minutes")!.getAttribute("aria-describedby")).toContain("type-minutes-error");
    expect(await seriousAxeFindings(document.body)).toEqual([]);

    setValue(byTestId<HTMLInputElement>("type-minutes"), "20");
    setValue(byTestId<HTMLInputElement>("type-colour"), "#ABCDEF");
    m.createAppointmentType.mockRejectedValueOnce(new ApiError("Validation", "There is already a type named Follow-up.", "name"));
    byTestId<HTMLInputElement>("type-name")!.form!.requestSubmit();
    await flushPromises();
    expect(document.getElementById("type-name-error")!.textContent).toBe("There is already a type named Follow-up.");
    expect(document.activeElement).toBe(byTestId("type-name"));

    setValue(byTestId<HTMLInputElement>("type-name"), "Follow-up visit");
    setValue(byTestId<HTMLInputElement>("type-buffer"), "10");
    m.createAppointmentType.mockResolvedValueOnce(type(10, "Follow-up visit", 20, "#abcdef"));
    byTestId<HTMLInputElement>("type-name")!.form!.requestSubmit();
    await flushPromises();
    expect(m.createAppointmentType).toHaveBeenLastCalledWith({ name: "Follow-up visit", minutes: 20, buffer_minutes: 10, colour: "#abcdef", active: true });
    expect(byTestId("type-row-10")!.textContent).toContain("Follow-up visit");
    w.unmount();
  });

  it("editing sends the type's id and the changed fields (taking it out of use)", async () => {
    const { w } = await mountPage(AppointmentTypesPage, "/appointment-types");
    byTestId("type-edit-8")!.click();
    await flushPromises();
    expect(byTestId<HTMLInputElement>("type-minutes")!.value).toBe("45");
    check(byTestId<HTMLInputElement>("type-active"), false);
    m.updateAppointmentType.mockResolvedValueOnce({ ...LONG, active: false });
    byTestId<HTMLInputElement>("type-name")!.form!.requestSubmit();
    await flushPromises();
    expect(m.updateAppointmentType).toHaveBeenCalledWith(8, { name: "Long visit", minutes: 45, buffer_minutes: 0, colour: "#b91c1c", active: false });
    expect(byTestId("type-row-8")!.textContent).toContain("Not in use");
    w.unmount();
  });

  it("per doctor: shows what they offer and the default; ticks, one default, saves; the server's sentence is shown", async () => {
    const { w } = await mountPage(AppointmentTypesPage, "/appointment-types");
    setValue(byTestId<HTMLSelectElement>("offers-doctor"), "1"); // option values are stringified numbers in jsdom
    await flushPromises();
    expect(m.doctorAppointmentTypes).toHaveBeenCalled();
    expect(byTestId<HTMLInputElement>("offer-7")!.checked).toBe(true);
    expect(byTestId<HTMLInputElement>("offer-default-7")!.checked).toBe(true);
    expect(byTestId<HTMLInputElement>("offer-8")!.checked).toBe(false);
    expect(byTestId<HTMLInputElement>("offer-default-8")!.disabled).toBe(true); // not offered: cannot be the default
    expect(await seriousAxeFindings(w.element)).toEqual([]);

    check(byTestId<HTMLInputElement>("offer-8"));
    await flushPromises();
    byTestId<HTMLInputElement>("offer-default-8")!.click();
    await flushPromises();
    expect(byTestId<HTMLInputElement>("offer-default-7")!.checked).toBe(false);
    byTestId("offers-save")!.click();
    await flushPromises();
    const [doctorId, offers] = m.setDoctorAppointmentTypes.mock.calls[0];
    expect(String(doctorId)).toBe("1");
    expect(offers).toEqual([{ type_id: 7, is_default: false }, { type_id: 8, is_default: true }]);

    // unticking the default type leaves no default
    check(byTestId<HTMLInputElement>("offer-8"), false);
    await flushPromises();
    expect(byTestId<HTMLInputElement>("offer-default-none")!.checked).toBe(true);
    m.setDoctorAppointmentTypes.mockRejectedValueOnce(
      new ApiError("Validation", "Long visit lasts 45 minutes, longer than any of Dr. Anil Rao's weekly sessions (30 minutes at most).", "offers"),
    );
    check(byTestId<HTMLInputElement>("offer-8"));
    byTestId("offers-save")!.click();
    await flushPromises();
    expect(m.setDoctorAppointmentTypes).toHaveBeenLastCalledWith(expect.anything(), [{ type_id: 7, is_default: false }, { type_id: 8, is_default: false }]);
    expect(byTestId("offers-error")!.textContent).toContain("longer than any of Dr. Anil Rao's weekly sessions");
    w.unmount();
  });
});

describe("BookPage: appointment type and visit reason", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    m.listDoctors.mockResolvedValue([doctor(1, "Dr. Anil Rao"), doctor(2, "Dr. Meera Shah", 2, "Cardiology")]);
    m.getPatient.mockResolvedValue({ ...hit, blacklist_reason: null });
    m.freeSlots.mockResolvedValue([{ date: TODAY, label: "Today", slots: [slot(TODAY, "09:00"), slot(TODAY, "09:15")] }]);
    m.doctorAppointmentTypes.mockImplementation(async (id: number) => (id === 2 ? [offer(CONSULT, true), offer(LONG), offer(OLD)] : []));
  });

  it("preselects the doctor's default (no extra key), a pick reloads the grid for that type, books with type and reason", async () => {
    const { w } = await mountPage(BookPage, "/book?patient=9&doctor=2");
    const picker = byTestId<HTMLSelectElement>("book-type")!;
    expect(picker.value).toBe("7"); // the default, before anything was picked
    expect(Array.from(picker.options).map((o) => o.textContent!.trim())).toEqual(["Consultation (15 min) · default", "Long visit (45 min)"]);
    expect(m.freeSlots).toHaveBeenLastCalledWith(2, null, expect.any(String), 7);
    expect(await seriousAxeFindings(w.element)).toEqual([]);

    picker.focus();
    setValue(picker, "8");
    await flushPromises();
    expect(m.freeSlots).toHaveBeenLastCalledWith(2, 8, expect.any(String), 7);
    expect(document.activeElement).toBe(picker); // the grid reloaded; the cursor stayed where the person is
    // Enter on the type list goes into the grid, as Enter on the doctor does
    picker.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    await flushPromises();
    expect(document.activeElement?.getAttribute("data-testid")).toBe(`slot-${TODAY}-09:00`);

    byTestId(`slot-${TODAY}-09:00`)!.click();
    await flushPromises();
    expect(document.activeElement).toBe(byTestId("book-confirm"));
    const reason = byTestId<HTMLInputElement>("book-reason")!;
    reason.focus();
    setValue(reason, "  knee pain, 2 weeks ");
    await flushPromises();
    expect(byTestId("book-reason-count")!.textContent).toContain("18/200");
    expect(document.activeElement).toBe(reason);
    m.bookAppointment.mockResolvedValueOnce(appt(50, 2, "09:00", { patient_id: 9, type_id: 8, type_name: "Long visit", reason: "knee pain, 2 weeks" }));
    reason.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true })); // Enter in the reason books
    await flushPromises();
    expect(m.bookAppointment).toHaveBeenCalledWith(
      { doctor_id: 2, patient_id: 9, starts_at: `${TODAY}T09:00:00Z`, type_id: 8, reason: "knee pain, 2 weeks" }, expect.any(String));
    w.unmount();
  });

  it("a reason over 200 characters is refused on its field (nothing sent); the server's reason error shows there too", async () => {
    const { w } = await mountPage(BookPage, "/book?patient=9&doctor=2");
    byTestId(`slot-${TODAY}-09:00`)!.click();
    await flushPromises();
    const reason = byTestId<HTMLInputElement>("book-reason")!;
    setValue(reason, "x".repeat(201));
    await flushPromises();
    expect(byTestId("book-reason-count")!.textContent).toContain("201/200");
    expect(reason.getAttribute("aria-invalid")).toBe("true");
    byTestId("book-confirm")!.click();
    await flushPromises();
    expect(m.bookAppointment).not.toHaveBeenCalled();
    expect(byTestId("book-reason-error")!.textContent).toContain("at most 200");
    expect(document.activeElement).toBe(reason);
    expect(reason.getAttribute("aria-describedby")).toContain("book-reason-error");
    expect(await seriousAxeFindings(w.element)).toEqual([]);

    setValue(reason, "chest pain");
    m.bookAppointment.mockRejectedValueOnce(new ApiError("Validation", "The visit reason is one line.", "reason"));
    byTestId("book-confirm")!.click();
    await flushPromises();
    expect(byTestId("book-reason-error")!.textContent).toBe("The visit reason is one line.");
    expect(byTestId("book-error")).toBeNull(); // on the field, not above the grid
    w.unmount();
  });

  it("rescheduling shows starts for the visit's type (?type= from the card), without the type list or the reason", async () => {
    const { w } = await mountPage(BookPage, "/book?reschedule=5&doctor=2&patient=9&type=8");
    expect(m.freeSlots).toHaveBeenLastCalledWith(2, 8, expect.any(String), 7);
    expect(byTestId("book-type")).toBeNull();
    expect(byTestId("book-reason")).toBeNull();
    w.unmount();
  });

  it("rescheduling a visit whose type is no longer offered shows the doctor's own starts instead of an error", async () => {
    m.freeSlots.mockImplementation(async (_d: number, typeId: number | null) => {
      if (typeId !== null) throw new ApiError("Validation", "That appointment type is no longer in use. Choose another.", "type_id");
      return [{ date: TODAY, label: "Today", slots: [slot(TODAY, "09:00")] }];
    });
    const { w } = await mountPage(BookPage, "/book?reschedule=5&doctor=2&patient=9&type=9");
    expect(m.freeSlots).toHaveBeenLastCalledWith(2, null, expect.any(String), 7);
    expect(byTestId(`slot-${TODAY}-09:00`)).not.toBeNull();
    expect(byTestId("book-error")).toBeNull();
    w.unmount();
  });

  it("a doctor who offers no types books their standard slot: no picker", async () => {
    const { w } = await mountPage(BookPage, "/book?patient=9&doctor=1");
    expect(byTestId("book-type")).toBeNull();
    expect(byTestId("book-type-standard")!.textContent).toContain("Standard slot (15 min)");
    w.unmount();
  });

  it("another doctor goes back to their default", async () => {
    const { w } = await mountPage(BookPage, "/book?patient=9&doctor=2");
    setValue(byTestId<HTMLSelectElement>("book-type"), "8");
    await flushPromises();
    const doctorList = byTestId<HTMLSelectElement>("book-doctor")!;
    const dep = byTestId<HTMLSelectElement>("book-department")!;
    dep.selectedIndex = 0; // "All departments"
    dep.dispatchEvent(new Event("change"));
    await flushPromises();
    doctorList.selectedIndex = Array.from(doctorList.options).findIndex((o) => o.textContent!.includes("Anil Rao"));
    doctorList.dispatchEvent(new Event("change"));
    await flushPromises();
    expect(m.freeSlots).toHaveBeenLastCalledWith(1, null, expect.any(String), 7);
    expect(byTestId("book-type")).toBeNull();
    w.unmount();
  });
});

describe("TodayPage: types, reasons, filter and the walk-in's type", () => {
  const board = (extra: Appointment[] = []) => ({
    date: TODAY, label: "Today",
    columns: [
      { doctor: doctor(1, "Dr. Anil Rao"), appointments: [appt(21, 1, "10:00", { patient_name: "Ola Berg" })] },
      {
        doctor: doctor(2, "Dr. Meera Shah", 2, "Cardiology"),
        appointments: [
          appt(11, 2, "09:00", { type_id: 8, type_name: "Long visit", type_colour: "#b91c1c", reason: "Knee pain, 2 weeks" }),
          appt(12, 2, "09:45"),
          ...extra,
        ],
      },
    ],
  });
  beforeEach(() => {
    vi.clearAllMocks();
    m.todayBoard.mockResolvedValue(board());
    m.doctorAppointmentTypes.mockImplementation(async (id: number) => (id === 2 ? [offer(CONSULT, true), offer(LONG)] : []));
  });

  it("shows the type (colour chip and name) and the reason on the card; the filter matches the reason", async () => {
    const { w } = await mountPage(TodayPage, "/today");
    expect(byTestId("appt-type-11")!.textContent).toContain("Long visit");
    expect(byTestId("appt-type-11")!.querySelector<HTMLElement>(".swatch")!.style.background).toBe("rgb(185, 28, 28)");
    expect(byTestId("appt-reason-11")!.textContent).toContain("Knee pain, 2 weeks");
    expect(byTestId("appt-11")!.getAttribute("aria-label")).toContain("Long visit");
    expect(byTestId("appt-type-12")).toBeNull();

    const filter = byTestId<HTMLInputElement>("board-filter")!;
    filter.focus();
    setValue(filter, "knee");
    await flushPromises();
    expect(byTestId("appt-11")).not.toBeNull();
    expect(byTestId("appt-12")).toBeNull();
    expect(byTestId("appt-21")).toBeNull();
    expect(byTestId("board-filter-count")!.textContent).toContain("1 matching appointment");
    expect(document.activeElement).toBe(filter); // typing never moves the cursor
    expect(byTestId("appt-11")!.tabIndex).toBe(0); // the board stays one Tab stop, on a shown card
    expect(await seriousAxeFindings(w.element)).toEqual([]);

    setValue(filter, "ola");
    await flushPromises();
    expect(byTestId("appt-21")!.tabIndex).toBe(0);
    expect(byTestId("appt-11")).toBeNull();
    setValue(filter, "");
    await flushPromises();
    expect(byTestId("appt-12")).not.toBeNull();
    w.unmount();
  });

  it("walk-in: the type list appears for the doctor with their default chosen; another type is sent", async () => {
    m.searchPatients.mockResolvedValue([hit]);
    m.walkIn.mockResolvedValue(appt(40, 2, "09:30", { patient_id: 9 }));
    m.getPatient.mockResolvedValue({ ...hit, blacklist_reason: null });
    const { w: w2 } = await mountPage(TodayPage, "/today?walkin=9");
    await flushPromises();
    const doctorList = byTestId<HTMLSelectElement>("walkin-doctor")!;
    expect(byTestId("walkin-type")).toBeNull(); // no doctor yet
    setValue(doctorList, "2");
    await flushPromises();
    const picker = byTestId<HTMLSelectElement>("walkin-type")!;
    expect(picker.value).toBe("7");
    expect(await seriousAxeFindings(document.body)).toEqual([]);
    setValue(picker, "8");
    await flushPromises();
    picker.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    await flushPromises();
    expect(m.walkIn).toHaveBeenCalledWith(9, 2, 8, false);
    w2.unmount();
  });

  it("walk-in with the default untouched sends null (the doctor's default)", async () => {
    m.getPatient.mockResolvedValue({ ...hit, blacklist_reason: null });
    m.walkIn.mockResolvedValue(appt(40, 2, "09:30", { patient_id: 9 }));
    const { w } = await mountPage(TodayPage, "/today?walkin=9");
    await flushPromises();
    setValue(byTestId<HTMLSelectElement>("walkin-doctor"), "2");
    await flushPromises();
    byTestId("walkin-save")!.click();
    await flushPromises();
    expect(m.walkIn).toHaveBeenCalledWith(9, 2, null, false);
    w.unmount();
  });
});

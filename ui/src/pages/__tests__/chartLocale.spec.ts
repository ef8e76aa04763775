import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";
import { h } from "vue";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "getPatient", "patientAppointments", "patientHistory", "listDoctors", "getAvailability", "freeSlots", "listHolidays",
    "setWeeklyAvailability", "doctorDashboard",
  ]));

import { api, ApiError, type Appointment, type Doctor, type Patient, type PatientInput } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import { useSessionStore } from "../../stores/session";
import { applyLocale, DEFAULT_LOCALE } from "../../i18n/format";
import { formatCents } from "../../lib/money";
import { percent, perDayOption, shortDate, statusOption } from "../../lib/dashboardCharts";
import { fieldLabel, visitTypes } from "../../lib/clinical";
import PatientForm from "../../components/PatientForm.vue";
import PatientChartPage from "../PatientChartPage.vue";
import AvailabilityPage from "../AvailabilityPage.vue";
import DoctorDashboardPage from "../DoctorDashboardPage.vue";

const m = apiMocks(api);
const q = <T extends Element = HTMLElement>(testid: string) => document.querySelector<T>(`[data-testid="${testid}"]`);
const routes = [
  { path: "/patients", name: "patients" }, { path: "/patients/:id", name: "patient" }, { path: "/book", name: "book" },
  { path: "/today", name: "today" }, { path: "/availability", name: "availability" }, { path: "/", name: "home" },
];
const asRole = (role: "reception" | "admin" | "doctor") => () => {
  useSessionStore().session = { username: role, full_name: role, role, clinic_name: "C", idle_lock_minutes: 10 };
};

const ana: Patient = {
  id: 7, mrn: "MRN0000007", full_name: "Ana Ruiz", date_of_birth: "1990-02-03", sex: "female", phone: "+34600000001",
  email: null, address: "", emergency_contact: "", preferred_channel: "sms", preferred_language: "es", reminder_consent: true,
  opted_out: false, consent_method: "desk", consent_recorded_at: "2026-11-20T10:00:00Z", consent_recorded_by: "desk_rita",
  blacklisted: false, blacklist_reason: null, merged_into_id: null,
};
const visit: Appointment = {
  id: 5, doctor_id: 2, doctor_name: "Dr. Meera Shah", department_name: "Cardiology", patient_id: 7, patient_name: "Ana Ruiz",
  patient_mrn: "MRN0000007", patient_blacklisted: false, starts_at: "2026-12-03T14:30:00Z", ends_at: "2026-12-03T14:45:00Z",
  date: "2026-12-03", time: "14:30", end_time: "14:45", status: "booked", cancel_reason: null, overbooked: false, late: false,
  type_id: null, type_name: null, type_colour: null, reason: "", series_id: null,
};

function type(testid: string, text: string) {
  const el = q<HTMLInputElement>(testid)!;
  el.value = text;
  el.dispatchEvent(new Event("input"));
}

async function mountForm(save: (i: PatientInput) => Promise<unknown>, patient: Patient | null = null) {
  const { w } = await mountWithRouter({ render: () => h(PatientForm, { save, patient }) }, { path: "/patients", routes });
  return w;
}

afterEach(() => {
  applyLocale(DEFAULT_LOCALE);
  document.body.innerHTML = "";
});

describe("the patient's language for messages", () => {
  beforeEach(() => vi.clearAllMocks());

  it("is a labelled select (English by default) whose choice is saved, and the date of birth is typed in the clinic's format", async () => {
    const save = vi.fn().mockResolvedValue(undefined);
    const w = await mountForm(save);
    const select = q<HTMLSelectElement>("patient-language")!;
    expect(document.querySelector(`label[for="${select.id}"]`)!.textContent).toBe("Messages in");
    expect([...select.options].map((o) => [o.value, o.text])).toEqual([["en", "English"], ["es", "Español"]]);
    expect(select.value).toBe("en");
    type("patient-full-name", "Ana Ruiz");
    type("patient-dob", "04/12/1990"); // dd/MM/yyyy: 4 December
    select.value = "es";
    select.dispatchEvent(new Event("change"));
    await flushPromises();
    q<HTMLButtonElement>("patient-save")!.click();
    await flushPromises();
    expect(save).toHaveBeenCalledTimes(1);
    expect(save.mock.calls[0][0]).toMatchObject({ full_name: "Ana Ruiz", date_of_birth: "1990-12-04", preferred_language: "es" });
    expect(await seriousAxeFindings(w.element as HTMLElement)).toEqual([]);
    w.unmount();
  });

  it("shows the backend's refusal by the field, and keeps an edited patient's language", async () => {
    const save = vi.fn().mockRejectedValue(new ApiError("Validation", "Messages can be in English or Spanish.", "preferred_language"));
    const w = await mountForm(save, ana);
    const select = q<HTMLSelectElement>("patient-language")!;
    expect(select.value).toBe("es");
    q<HTMLButtonElement>("patient-save")!.click();
    await flushPromises();
    const err = document.getElementById("patient-preferred_language-error")!;
    expect(err.textContent).toBe("Messages can be in English or Spanish.");
    expect(select.getAttribute("aria-invalid")).toBe("true");
    expect(select.getAttribute("aria-describedby")).toContain("patient-preferred_language-error");
    w.unmount();
  });

  it("refuses a date of birth that is not a date in the clinic's format, naming the format", async () => {
    applyLocale({ date_format: "MM/dd/yyyy" });
    const save = vi.fn().mockResolvedValue(undefined);
    const w = await mountForm(save);
    type("patient-full-name", "Ana Ruiz");
    type("patient-dob", "31/12/1990"); // day first: not a US date
    q<HTMLButtonElement>("patient-save")!.click();
    await flushPromises();
    expect(save).not.toHaveBeenCalled();
    expect(document.getElementById("patient-date_of_birth-error")!.textContent).toBe("Enter the date of birth as MM/DD/YYYY.");
    type("patient-dob", "12/31/1990");
    q<HTMLButtonElement>("patient-save")!.click();
    await flushPromises();
    expect(save.mock.calls[0][0].date_of_birth).toBe("1990-12-31");
    w.unmount();
  });
});

describe("the chart in Spanish, US dates and a 12-hour clock", () => {
  beforeEach(() => vi.clearAllMocks());

  it("labels, the date of birth, the patient's language and the appointment's time follow the clinic's locale", async () => {
    applyLocale({ language: "es", date_format: "MM/dd/yyyy", clock: "12h" });
    m.getPatient.mockResolvedValue(ana);
    m.patientAppointments.mockResolvedValue([visit]);
    m.patientHistory.mockResolvedValue([]);
    const { w } = await mountWithRouter(PatientChartPage, { path: "/patients/7", routes, beforeMount: asRole("reception") });
    await flushPromises();
    const text = w.text();
    expect(text).toContain("Fecha de nacimiento");
    expect(q("patient-dob-shown")!.textContent).toBe("02/03/1990");
    expect(text).toContain("Mensajes en");
    expect(q("patient-language-shown")!.textContent).toBe("Español");
    expect(q("appt-5")!.textContent).toContain("12/03/2026 2:30 p. m.–2:45 p. m.");
    expect(q("patient-book")!.textContent).toContain("Reservar cita");
    expect(text).toContain("Historia clínica");
    expect(text).toContain("Aún no tiene visitas.");
    expect(text).not.toContain("Date of birth");
    // the history filters are the clinic's date inputs, not the web view's
    const from = q<HTMLInputElement>("history-filter-from")!;
    expect(from.type).toBe("text");
    expect(from.placeholder).toBe("MM/DD/AAAA");
    expect(await seriousAxeFindings(w.element as HTMLElement)).toEqual([]);
    w.unmount();
  });
});

describe("availability in Spanish", () => {
  beforeEach(() => vi.clearAllMocks());

  it("names the weekdays in Spanish, shows and takes session times on the clinic's 12-hour clock", async () => {
    applyLocale({ language: "es", clock: "12h" });
    const doc: Doctor = {
      id: 2, staff_username: null, department_id: 1, department_name: "General", full_name: "Dr. Meera Shah", qualification: "MBBS",
      experience_years: 5, phone: null, email: null, consultation_fee_cents: 2500, slot_minutes: 15, active: true,
    };
    m.listDoctors.mockResolvedValue([doc]);
    m.getAvailability.mockResolvedValue({
      doctor_id: 2, slot_minutes: 15, sessions: [{ weekday: 1, starts_at: "14:00:00", ends_at: "18:00:00" }],
      exceptions: [{ id: 9, doctor_id: 2, on_date: "2026-12-24", kind: "leave", starts_at: null, ends_at: null, reason: "" }],
    });
    m.freeSlots.mockResolvedValue([]);
    m.listHolidays.mockResolvedValue([]);
    m.setWeeklyAvailability.mockImplementation(async (_id: number, minutes: number, sessions: unknown) => ({
      doctor_id: 2, slot_minutes: minutes, sessions, exceptions: [],
    }));
    const { w } = await mountWithRouter(AvailabilityPage, { path: "/availability", routes, beforeMount: asRole("admin") });
    await flushPromises();
    expect(q("weekday-1")!.querySelector("th")!.textContent).toBe("lunes");
    expect(q("weekday-7")!.querySelector("th")!.textContent).toBe("domingo");
    const start = document.getElementById("s-1-0-start") as HTMLInputElement;
    expect(start.value).toBe("2:00 p. m.");
    expect(document.querySelector('label[for="s-1-0-start"]')!.textContent).toBe("lunes, turno 1: inicio");
    expect(w.text()).toContain("24/12/2026 · Ausencia · Todo el día");
    // typed on the 12-hour clock, saved as 24-hour wire values
    start.value = "9:30 am";
    start.dispatchEvent(new Event("input"));
    await flushPromises();
    q<HTMLButtonElement>("availability-save")!.click();
    await flushPromises();
    expect(m.setWeeklyAvailability).toHaveBeenCalledWith(2, 15, [{ weekday: 1, starts_at: "09:30:00", ends_at: "18:00:00" }]);
    expect(await seriousAxeFindings(w.element as HTMLElement)).toEqual([]);
    w.unmount();
  });
});

describe("dashboards in Spanish", () => {
  beforeEach(() => vi.clearAllMocks());

  it("the doctor's dashboard: labels, dates and times in the clinic's language and clock", async () => {
    applyLocale({ language: "es", clock: "12h" });
    const appt = { ...visit, patient_name: "Ana Ruiz", date: "2026-11-27", time: "09:00" };
    m.doctorDashboard.mockResolvedValue({
      doctor_id: 2, doctor_name: "Dr. Meera Shah", today: "2026-11-27", week_start: "2026-11-23",
      today_appointments: [appt], week_appointments: [appt], today_count: 1, week_count: 1, patients_seen_month: 4,
      follow_ups: [{ patient_id: 7, patient_name: "Ana Ruiz", patient_mrn: "MRN0000007", phone: null, next_visit_on: "2026-11-29",
        doctor_id: 2, doctor_name: "Dr. Meera Shah", overdue: true }],
    });
    const { w } = await mountWithRouter(DoctorDashboardPage, { routes, beforeMount: asRole("doctor") });
    await flushPromises();
    const text = w.text();
    expect(text).toContain("Mi panel");
    expect(text).toContain("Pacientes atendidos este mes");
    expect(text).toContain("9:00 a. m.");
    expect(text).toContain("27/11/2026");
    expect(text).toContain("29/11/2026");
    expect(text).toContain("Vencida");
    expect(await seriousAxeFindings(w.element as HTMLElement)).toEqual([]);
    w.unmount();
  });

  it("chart labels, month names, percentages and money follow the language", () => {
    applyLocale({ language: "es" });
    const d = {
      today: "2026-01-05", per_day: [{ date: "2026-01-05", appointments: 3, cancelled: 1 }],
      status_breakdown: { booked: 2, checked_in: 0, completed: 5, cancelled: 1, no_show: 1 },
    } as unknown as Parameters<typeof perDayOption>[0];
    const perDay = perDayOption(d);
    expect(perDay.legend.data).toEqual(["Citas", "Anuladas"]);
    expect(perDay.series[0].markLine?.label.formatter).toBe("Hoy");
    expect(statusOption(d).series[0].data.map((x) => x.name)).toEqual(["Reservada", "Atendida", "Anulada", "No se presentó"]);
    expect(shortDate("2026-01-05")).toBe("5 ene");
    expect(percent(2 / 30)).toBe("6,7\u00a0%");
    expect(formatCents(123456789)).toBe("1.234.567,89");
    expect(visitTypes().map((v) => v.label)).toEqual(["Consulta", "Revisión", "Urgencia", "Procedimiento"]);
    expect(fieldLabel("next_visit_in_days")).toBe("Próxima visita");
    applyLocale(DEFAULT_LOCALE);
    expect(perDayOption(d).legend.data).toEqual(["Appointments", "Cancelled"]);
    expect(percent(2 / 30)).toBe("6.7%");
    expect(formatCents(123456789)).toBe("1,234,567.89");
  });
});

import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["searchPatients", "getPatient", "patientAppointments", "registerPatient", "checkIn"], { patientHistory: vi.fn().mockResolvedValue([]) }));

import { api, type Appointment, type Patient, type StaffRole } from "../../api";
import { addDays, todayIn } from "../../lib/dates";
import { formatDate } from "../../i18n/format";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { useSessionStore } from "../../stores/session";
import PatientsPage from "../PatientsPage.vue";
import PatientChartPage from "../PatientChartPage.vue";

const m = apiMocks(api);
const pat: Patient = {
  id: 7, mrn: "MRN-000007", full_name: "Pat Doe", date_of_birth: "1990-02-03", sex: "female", phone: "555-1234", email: null,
  address: "1 Main St", emergency_contact: "Sam Doe 555-9", preferred_channel: "sms", preferred_language: "en", reminder_consent: true,
  opted_out: false, consent_method: "desk", consent_recorded_at: "2026-11-20T10:00:00Z", consent_recorded_by: "rita",
  blacklisted: true, blacklist_reason: "Abusive to staff", merged_into_id: null,
};

const mountAs = (role: StaffRole, component: object, path: string) =>
  mountWithRouter(component, {
    path,
    routes: [{ path: "/patients", name: "patients" }, { path: "/patients/:id", name: "patient" }, { path: "/book", name: "book" }, { path: "/today", name: "today" }],
    beforeMount: () => {
      useSessionStore().session = { username: role, full_name: role, role, clinic_name: "C", idle_lock_minutes: 10 };
    },
  });

describe("PatientsPage", () => {
  beforeEach(() => vi.clearAllMocks());

  it("autofocuses the search, shows hits with a live count and opens a chart", async () => {
    m.searchPatients.mockResolvedValue([{ id: 7, mrn: "MRN-000007", full_name: "Pat Doe", date_of_birth: "1990-02-03", phone: null, blacklisted: true, merged_into_id: null }]);
    const { w, router } = await mountAs("reception", PatientsPage, "/patients");
    const input = w.find('[data-testid="patient-search"]');
    expect(document.activeElement).toBe(input.element);
    await input.setValue("pat");
    await new Promise((r) => setTimeout(r, 200)); // debounce (real timers: Vue drops events older than its listeners)
    await flushPromises();
    const hit = w.find('[data-testid="patient-hit-7"]');
    expect(hit.text()).toContain("Blacklisted");
    expect(w.find('[aria-live="polite"]').text()).toBe("1 patient found.");
    expect(w.find('[data-testid="patient-new"]').exists()).toBe(true);
    const pushed = vi.spyOn(router, "push");
    await w.find('[data-testid="patient-hit-7"]').trigger("click");
    await flushPromises();
    expect(pushed).toHaveBeenCalledWith({ name: "patient", params: { id: "7" } });
    expect(router.currentRoute.value.fullPath).toBe("/patients/7");
    w.unmount();
  });

  it("hides registration from doctors", async () => {
    const { w } = await mountAs("doctor", PatientsPage, "/patients");
    expect(w.find('[data-testid="patient-new"]').exists()).toBe(false);
    w.unmount();
  });
});

describe("PatientChartPage", () => {
  beforeEach(() => vi.clearAllMocks());

  it("shows MRN, the blacklist banner and a book button that preselects the patient", async () => {
    m.getPatient.mockResolvedValue(pat);
    m.patientAppointments.mockResolvedValue([]);
    const { w, router } = await mountAs("reception", PatientChartPage, "/patients/7");
    expect(w.find('[data-testid="patient-mrn"]').text()).toBe("MRN-000007");
    expect(w.find('[data-testid="patient-blacklisted"]').text()).toContain("Abusive to staff");
    await w.find('[data-testid="patient-book"]').trigger("click");
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe("/book?patient=7");
    w.unmount();
  });

  it("arrives on the appointment just booked; Check in only on today's; after it the cursor is on the row; Walk in now", async () => {
    const today = todayIn(null); // the clinic's zone is not loaded here: the PC's date
    const visit = (id: number, date: string, status: Appointment["status"] = "booked"): Appointment => ({
      id, doctor_id: 2, doctor_name: "Dr. Meera Shah", department_name: "Cardiology", patient_id: 7, patient_name: "Pat Doe",
      patient_mrn: "MRN-000007", patient_blacklisted: true, starts_at: `${date}T09:30:00Z`, ends_at: `${date}T09:45:00Z`, date,
      time: "09:30", end_time: "09:45", status, cancel_reason: null, overbooked: false, late: false, type_id: null, type_name: null, type_colour: null, reason: "", series_id: null,
    });
    const later = addDays(today, 4);
    m.getPatient.mockResolvedValue(pat);
    m.patientAppointments.mockResolvedValue([visit(6, later), visit(5, today)]);
    const { w, router } = await mountAs("reception", PatientChartPage, "/patients/7?appt=6");
    await flushPromises();
    expect(document.activeElement).toBe(w.find('[data-testid="appt-6"]').element);
    expect(w.find('[data-testid="appt-checkin-6"]').exists()).toBe(false);
    expect(w.find('[data-testid="appt-cancel-6"]').attributes("aria-label")).toBe(`Cancel: Pat Doe, ${formatDate(later)} at 09:30`);

    m.checkIn.mockResolvedValue(visit(5, today, "checked_in"));
    m.patientAppointments.mockResolvedValue([visit(6, later), visit(5, today, "checked_in")]);
    const checkin = w.find('[data-testid="appt-checkin-5"]').element as HTMLButtonElement;
    checkin.focus();
    checkin.click();
    await flushPromises();
    expect(m.checkIn).toHaveBeenCalledWith(5);
    expect(w.find('[data-testid="appt-checkin-5"]').exists()).toBe(false);
    expect(document.activeElement).toBe(w.find('[data-testid="appt-5"]').element);

    await w.find('[data-testid="patient-walk-in"]').trigger("click");
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe("/today?walkin=7");
    w.unmount();
  });

  it("is read-only for doctors", async () => {
    m.getPatient.mockResolvedValue(pat);
    m.patientAppointments.mockResolvedValue([]);
    const { w } = await mountAs("doctor", PatientChartPage, "/patients/7");
    expect(w.find('[data-testid="patient-mrn"]').exists()).toBe(true);
    for (const id of ["patient-book", "patient-edit", "patient-blacklist", "patient-lift"])
      expect(w.find(`[data-testid="${id}"]`).exists()).toBe(false);
    w.unmount();
  });
});

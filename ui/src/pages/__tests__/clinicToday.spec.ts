/**
 * The desk's "today" is the clinic's date (its time zone), not the PC's: Check in / No-show are offered for the visit
 * on the clinic's date, and a refusal from the backend is said in its own sentence.
 */
import { DEFAULT_LOCALE, formatDate } from "../../i18n/format";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";
import { defineComponent, h } from "vue";
import Toast from "primevue/toast";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["getPatient", "patientAppointments", "patientHistory", "checkIn"]));

import { api, ApiError, type Appointment, type Patient } from "../../api";
import { isoDate, todayIn } from "../../lib/dates";
import { clinicToday } from "../../lib/clinicToday";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { useSessionStore } from "../../stores/session";
import { useSettingsStore } from "../../stores/settings";
import PatientChartPage from "../PatientChartPage.vue";

const m = apiMocks(api);
const pat: Patient = {
  id: 7, mrn: "MRN-000007", full_name: "Pat Doe", date_of_birth: "1990-02-03", sex: "female", phone: null, email: null,
  address: "", emergency_contact: "", preferred_channel: "none", preferred_language: "en", reminder_consent: false, opted_out: false,
  consent_method: null, consent_recorded_at: null, consent_recorded_by: null, blacklisted: false, blacklist_reason: null,
  merged_into_id: null,
};
const visit = (id: number, date: string): Appointment => ({
  id, doctor_id: 2, doctor_name: "Dr. Meera Shah", department_name: "Cardiology", patient_id: 7, patient_name: "Pat Doe",
  patient_mrn: "MRN-000007", patient_blacklisted: false, starts_at: `${date}T09:30:00Z`, ends_at: `${date}T09:45:00Z`, date,
  time: "09:30", end_time: "09:45", status: "booked", cancel_reason: null, overbooked: false, late: false, type_id: null, type_name: null, type_colour: null, reason: "", series_id: null,
});

/** UTC+14 and UTC-11 are on different dates at every instant: one of them is not on the PC's date. */
const zoneOffThePcsDate = () => ["Pacific/Kiritimati", "Pacific/Pago_Pago"].find((z) => todayIn(z) !== isoDate(new Date()))!;

const withToast = (page: object) => defineComponent({ render: () => [h(page), h(Toast)] });

async function mountChart(zone: string) {
  return mountWithRouter(withToast(PatientChartPage), {
    path: "/patients/7",
    routes: [{ path: "/patients", name: "patients" }, { path: "/patients/:id", name: "patient" }, { path: "/book", name: "book" }, { path: "/today", name: "today" }],
    beforeMount: () => {
      useSessionStore().session = { username: "rita", full_name: "Rita", role: "reception", clinic_name: "C", idle_lock_minutes: 10 };
      useSettingsStore().settings = { clinic_name: "C", time_zone: zone, idle_lock_minutes: 10, ...DEFAULT_LOCALE };
    },
  });
}

describe("the clinic's today", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-28T23:30:00Z"));
  });
  afterEach(() => vi.useRealTimers());

  it("is the date in the clinic's zone; the PC's date until the zone is known or when it is not a zone", () => {
    const now = new Date("2026-11-28T23:30:00Z");
    expect(todayIn("Pacific/Kiritimati", now)).toBe("2026-11-29");
    expect(todayIn("America/New_York", now)).toBe("2026-11-28");
    expect(todayIn("Asia/Tokyo", new Date("2026-12-31T15:00:00Z"))).toBe("2027-01-01");
    expect(todayIn(null, now)).toBe(isoDate(now));
    expect(todayIn("Mars/Olympus_Mons", now)).toBe(isoDate(now));
  });

  it("offers Check in for the visit on the clinic's date, not for the one on the PC's date", async () => {
    const zone = zoneOffThePcsDate();
    const clinicDate = todayIn(zone);
    const pcDate = isoDate(new Date());
    m.getPatient.mockResolvedValue(pat);
    m.patientHistory.mockResolvedValue([]);
    m.patientAppointments.mockResolvedValue([visit(5, clinicDate), visit(6, pcDate)]);
    const { w } = await mountChart(zone);
    expect(clinicToday()).toBe(clinicDate);
    expect(w.find('[data-testid="appt-checkin-5"]').exists()).toBe(true);
    expect(w.find('[data-testid="appt-checkin-5"]').attributes("aria-label")).toBe("Check in: Pat Doe, today at 09:30");
    expect(w.find('[data-testid="appt-noshow-5"]').exists()).toBe(true);
    expect(w.find('[data-testid="appt-checkin-6"]').exists()).toBe(false);
    expect(w.find('[data-testid="appt-noshow-6"]').exists()).toBe(false);
    expect(w.find('[data-testid="appt-cancel-6"]').attributes("aria-label")).toBe(`Cancel: Pat Doe, ${formatDate(pcDate)} at 09:30`);
    w.unmount();
  });

  it("says the backend's refusal of a check-in in its own sentence and keeps the chart", async () => {
    const zone = zoneOffThePcsDate();
    m.getPatient.mockResolvedValue(pat);
    m.patientHistory.mockResolvedValue([]);
    m.patientAppointments.mockResolvedValue([visit(5, todayIn(zone))]);
    const { w } = await mountChart(zone);
    const sentence = "This appointment is on 29 November; check-in is only possible on its day (clinic time).";
    m.checkIn.mockRejectedValue(new ApiError("Conflict", sentence));
    await w.find('[data-testid="appt-checkin-5"]').trigger("click");
    await flushPromises();
    expect(m.checkIn).toHaveBeenCalledWith(5);
    expect(document.body.textContent).toContain("Could not update the appointment");
    expect(document.body.textContent).toContain(sentence);
    expect(w.find('[data-testid="appt-5"]').exists()).toBe(true);
    w.unmount();
  });
});

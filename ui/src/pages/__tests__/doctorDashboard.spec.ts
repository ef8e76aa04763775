import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["doctorDashboard"]));

import { api, ApiError, type Appointment, type DoctorDashboard } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import DoctorDashboardPage from "../DoctorDashboardPage.vue";

const m = apiMocks(api);
const routes = [{ path: "/patients/:id", name: "patient" }];

const appt = (id: number, time: string, patient: string): Appointment => ({
  id, doctor_id: 3, doctor_name: "Dr. Rao", department_name: "General Medicine", patient_id: 40 + id,
  patient_name: patient, patient_mrn: `MRN000000${id}`, patient_blacklisted: false,
  starts_at: `2026-11-27T${time}:00Z`, ends_at: `2026-11-27T${time}:15Z`, date: "2026-11-27", time,
  end_time: time, status: "booked", cancel_reason: null, overbooked: false, late: false, type_id: null, type_name: null, type_colour: null, reason: "", series_id: null,
});

const fixture = (): DoctorDashboard => ({
  doctor_id: 3, doctor_name: "Dr. Rao", today: "2026-11-27", week_start: "2026-11-23",
  today_appointments: [appt(1, "09:00", "Priya Raman"), appt(2, "09:15", "Omar Haddad")],
  week_appointments: [appt(1, "09:00", "Priya Raman"), appt(2, "09:15", "Omar Haddad"), appt(3, "10:00", "Li Wei")],
  today_count: 2, week_count: 3, patients_seen_month: 11,
  follow_ups: [{ patient_id: 77, patient_name: "Ada Lovelace", patient_mrn: "MRN0000077", phone: null,
    next_visit_on: "2026-11-29", doctor_id: 3, doctor_name: "Dr. Rao", overdue: false }],
});

describe("DoctorDashboardPage", () => {
  beforeEach(() => vi.clearAllMocks());

  it("shows the doctor's own counts, today's patients linked to their charts, and follow-ups", async () => {
    m.doctorDashboard.mockResolvedValue(fixture());
    const { w } = await mountWithRouter(DoctorDashboardPage, { routes });
    await flushPromises();
    expect(w.find('[data-testid="ddash-today"]').text()).toBe("2");
    expect(w.find('[data-testid="ddash-week"]').text()).toBe("3");
    expect(w.find('[data-testid="ddash-seen"]').text()).toBe("11");
    expect(w.find('[data-testid="ddash-followups"]').text()).toBe("1");
    const link = w.findAll("a").find((a) => a.text() === "Priya Raman")!;
    expect(link.attributes("href")).toContain("/patients/41");
    expect(w.text()).toContain("Ada Lovelace");
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });

  it("says why when the numbers cannot be loaded", async () => {
    m.doctorDashboard.mockRejectedValue(new ApiError("PermissionDenied", "Only doctors have a dashboard of their own."));
    const { w } = await mountWithRouter(DoctorDashboardPage, { routes });
    await flushPromises();
    expect(w.find('[data-testid="ddash-error"]').text()).toBe("Only doctors have a dashboard of their own.");
    w.unmount();
  });
});

import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "getPatient", "patientAppointments", "myDoctor", "patientHistory", "getTreatment", "recordTreatment",
    "amendTreatment", "treatmentAmendments", "recallList", "exportDefaultPath", "saveDialog", "exportPatientHistory",
    "cancelExport", "onExportProgress", "onExportFinished", "todayBoard",
  ]));

import { api, type Appointment, type StaffRole, type Visit } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { useSessionStore } from "../../stores/session";
import PatientChartPage from "../PatientChartPage.vue";
import RecallList from "../../components/RecallList.vue";

const m = apiMocks(api);
const tid = (id: string) => `[data-testid="${id}"]`;
const appt = (id: number, doctor_id: number, status: Appointment["status"]): Appointment => ({
  id, doctor_id, doctor_name: `Dr ${doctor_id}`, department_name: "General", patient_id: 9, patient_name: "Pat Doe", patient_mrn: "M9",
  patient_blacklisted: false, starts_at: "", ends_at: "", date: "2026-12-03", time: "09:00", end_time: "09:15", status,
  cancel_reason: null, overbooked: false, late: false, type_id: null, type_name: null, type_colour: null, reason: "", series_id: null,
});
const patient = { id: 9, mrn: "M9", full_name: "Pat Doe", date_of_birth: "1990-01-01", sex: "female", phone: null, email: null, address: "",
  emergency_contact: "", preferred_channel: "none", reminder_consent: false, opted_out: false, consent_method: null, consent_recorded_at: null,
  consent_recorded_by: null, blacklisted: false, blacklist_reason: null, merged_into_id: null };

const mountAs = (role: StaffRole, component: object = PatientChartPage, path = "/patients/9") =>
  mountWithRouter(component, {
    path,
    routes: [{ path: "/" }, { path: "/patients" }, { path: "/book", name: "book" }, { path: "/patients/:id", name: "patient" }],
    beforeMount: () => {
      useSessionStore().session = { username: "u", full_name: "U", role, clinic_name: "C", idle_lock_minutes: 0 };
    },
  });

describe("patient chart (clinical)", () => {
  const treated: Visit = { appointment: appt(13, 4, "completed"), visit_type: "consultation", next_visit_on: null,
    clinical: { symptoms: "", diagnosis: "Asthma", icd10_code: null, treatment_given: "", prescription: [], notes: "", recorded_by: "Dr 4", version: 1 } };

  beforeEach(() => {
    vi.clearAllMocks();
    m.getPatient.mockResolvedValue(patient);
    m.patientAppointments.mockResolvedValue([appt(11, 4, "booked"), appt(12, 5, "checked_in"), appt(13, 4, "completed")]);
    m.myDoctor.mockResolvedValue({ id: 4, full_name: "Dr 4" });
    m.patientHistory.mockResolvedValue([treated]);
    m.onExportProgress.mockResolvedValue(() => undefined);
    m.onExportFinished.mockResolvedValue(() => undefined);
  });

  it("doctor: Record treatment only on own booked/checked-in rows, Amend/History on the treated visit; saving records and reloads", async () => {
    const { w } = await mountAs("doctor");
    expect(w.find(tid("appt-record-11")).exists()).toBe(true);
    expect(w.find(tid("appt-record-12")).exists()).toBe(false); // another doctor's patient visit
    expect(w.find(tid("appt-record-13")).exists()).toBe(false); // completed
    expect(w.find(tid("appt-13")).find(tid("treatment-amend")).exists()).toBe(true);
    expect(w.find(tid("appt-13")).find(tid("treatment-history")).exists()).toBe(true);
    expect(w.find(tid("visit-diagnosis-13")).text()).toBe("Asthma");
    expect(w.find(tid("export-history")).exists()).toBe(true);

    m.recordTreatment.mockResolvedValue({});
    await w.find(tid("appt-record-11")).trigger("click");
    await flushPromises();
    const body = document.body;
    (body.querySelector(tid("treatment-diagnosis")) as HTMLTextAreaElement).value = "Flu";
    body.querySelector(tid("treatment-diagnosis"))!.dispatchEvent(new Event("input"));
    (body.querySelector(tid("treatment-save")) as HTMLButtonElement).click();
    await flushPromises();
    expect(m.recordTreatment).toHaveBeenCalledWith(11, expect.objectContaining({ diagnosis: "Flu", visit_type: "consultation" }));
    expect(m.patientAppointments).toHaveBeenCalledTimes(2);
    expect(m.patientHistory).toHaveBeenCalledTimes(2);
    w.unmount();
  });

  it("reception: no clinical buttons, no export, one restricted note; text filter is debounced and sent to the server", async () => {
    vi.useFakeTimers();
    m.patientHistory.mockResolvedValue([{ ...treated, clinical: null }]);
    const { w } = await mountAs("reception");
    expect(w.find(tid("export-history")).exists()).toBe(false);
    expect(w.find(tid("export-bom")).exists()).toBe(false);
    expect(w.find(tid("treatment-amend")).exists()).toBe(false);
    expect(w.find('[data-testid^="appt-record-"]').exists()).toBe(false);
    expect(w.find(tid("visit-13")).exists()).toBe(true);
    expect(w.find(tid("visit-diagnosis-13")).exists()).toBe(false);
    expect(w.findAll(tid("history-restricted"))).toHaveLength(1);

    await w.find(tid("history-filter-text")).setValue("rao");
    await w.find(tid("history-filter-text")).setValue("rao k");
    expect(m.patientHistory).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(400);
    await flushPromises();
    expect(m.patientHistory).toHaveBeenCalledTimes(2);
    expect(m.patientHistory).toHaveBeenLastCalledWith(9, { doctor_id: null, from: null, to: null, text: "rao k" });
    vi.useRealTimers();
    w.unmount();
  });

  it("admin export: save dialog name, progress bar with rows and cancel; a cancelled dialog starts nothing", async () => {
    m.exportDefaultPath.mockResolvedValue(null);
    m.saveDialog.mockResolvedValueOnce(null);
    const { w } = await mountAs("admin");
    await w.find(tid("export-history")).trigger("click");
    await flushPromises();
    expect(m.saveDialog).toHaveBeenCalledWith(expect.stringMatching(/^history-M9-\d{4}-\d{2}-\d{2}\.csv$/));
    expect(m.exportPatientHistory).not.toHaveBeenCalled();

    let progress: (p: { export_id: number; rows: number }) => void = () => undefined;
    m.onExportProgress.mockImplementation(async (cb: typeof progress) => { progress = cb; return () => undefined; });
    m.saveDialog.mockResolvedValueOnce("/tmp/h.csv");
    m.exportPatientHistory.mockResolvedValue({ export_id: 5, path: "/tmp/h.csv" });
    await w.find(tid("export-bom")).setValue(false);
    await w.find(tid("export-history")).trigger("click");
    await flushPromises();
    expect(m.exportPatientHistory).toHaveBeenCalledWith(9, "/tmp/h.csv", false);
    progress({ export_id: 5, rows: 250 });
    await flushPromises();
    expect(w.find(tid("export-progress")).attributes("aria-valuenow")).toBe("250");
    expect(w.text()).toContain("250 rows written");
    m.cancelExport.mockResolvedValue(null);
    await w.find(tid("export-cancel")).trigger("click");
    await flushPromises();
    expect(m.cancelExport).toHaveBeenCalledWith(5);
    w.unmount();
  });
});

describe("recall list", () => {
  it("lists recalls with an Overdue text label and links Book to the booking page", async () => {
    m.recallList.mockResolvedValue([
      { patient_id: 9, patient_name: "Pat Doe", patient_mrn: "M9", phone: "555", next_visit_on: "2026-11-30", doctor_id: 4, doctor_name: "Dr Rao", overdue: true },
      { patient_id: 10, patient_name: "Sam Roe", patient_mrn: "M10", phone: null, next_visit_on: "2026-12-05", doctor_id: 5, doctor_name: "Dr Lee", overdue: false },
    ]);
    const { w, router } = await mountAs("reception", RecallList, "/");
    expect(w.find(tid("recall-row-9")).text()).toContain("Overdue");
    expect(w.find(tid("recall-row-10")).text()).not.toContain("Overdue");
    await w.find(tid("recall-book-10")).trigger("click");
    await flushPromises();
    expect(router.currentRoute.value.path).toBe("/book");
    expect(router.currentRoute.value.query).toEqual({ patient: "10", doctor: "5" });
    w.unmount();
  });
});

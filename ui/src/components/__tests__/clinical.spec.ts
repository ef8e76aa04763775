import { describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import { createMemoryHistory, createRouter } from "vue-router";
import PrimeVue from "primevue/config";
import { ApiError, type Appointment, type Treatment, type TreatmentInput, type Visit } from "../../api";
import TreatmentForm from "../TreatmentForm.vue";
import HistoryTimeline from "../HistoryTimeline.vue";

const plugins = [[PrimeVue, { unstyled: true }]] as never[];

function mountForm(save: (i: TreatmentInput) => Promise<unknown>, treatment: Treatment | null = null) {
  return mount(TreatmentForm, { props: { save, treatment }, attachTo: document.body, global: { plugins } });
}
const tid = (id: string) => `[data-testid="${id}"]`;

describe("TreatmentForm", () => {
  it("builds the TreatmentInput: prescription rows (added, removed, blank dropped) and next visit in days", async () => {
    const save = vi.fn().mockResolvedValue({});
    const w = mountForm(save);
    await w.find(tid("treatment-visit-type")).setValue("follow_up");
    await w.find(tid("treatment-symptoms")).setValue("Thirst");
    await w.find(tid("treatment-diagnosis")).setValue("Type 2 diabetes");
    await w.find(tid("treatment-icd10")).setValue("e11.9");
    await w.find(tid("treatment-given")).setValue("Advice");
    await w.find(tid("rx-add")).trigger("click");
    await w.find(tid("rx-add")).trigger("click");
    await w.find(tid("rx-add")).trigger("click");
    await w.find(tid("rx-medicine-0")).setValue("Aspirin");
    await w.find(tid("rx-medicine-1")).setValue("Metformin");
    await w.find(tid("rx-dose-1")).setValue("500 mg");
    await w.find(tid("rx-frequency-1")).setValue("twice daily");
    await w.find(tid("rx-duration-1")).setValue("30 days");
    await w.find(tid("rx-instructions-1")).setValue("with food");
    await w.find(tid("rx-remove-0")).trigger("click"); // Aspirin gone; row 2 stays blank
    expect((w.find(tid("rx-medicine-0")).element as HTMLInputElement).value).toBe("Metformin");
    await w.find(tid("treatment-notes")).setValue("Recheck HbA1c");
    await w.find(tid("treatment-next-visit")).setValue("2026-12-24");
    await w.find(tid("treatment-next-days")).setValue("14"); // typing here switches the alternative
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(save).toHaveBeenCalledTimes(1);
    expect(save.mock.calls[0][0]).toEqual({
      visit_type: "follow_up", symptoms: "Thirst", diagnosis: "Type 2 diabetes", icd10_code: "E11.9", treatment_given: "Advice",
      prescription: [{ medicine: "Metformin", dose: "500 mg", frequency: "twice daily", duration: "30 days", instructions: "with food" }],
      notes: "Recheck HbA1c", next_visit_on: null, next_visit_in_days: 14,
    });
    expect(w.emitted("saved")).toHaveLength(1);
    w.unmount();
  });

  it("sends the date (not the days) when the date option is chosen last; none sends neither", async () => {
    const save = vi.fn().mockResolvedValue({});
    const w = mountForm(save);
    await w.find(tid("treatment-next-days")).setValue("7");
    await w.find(tid("treatment-next-visit")).setValue("2027-01-02");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(save.mock.calls[0][0]).toMatchObject({ next_visit_on: "2027-01-02", next_visit_in_days: null, prescription: [], icd10_code: null });
    await w.find(tid("treatment-next-none")).setValue(true);
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(save.mock.calls[1][0]).toMatchObject({ next_visit_on: null, next_visit_in_days: null });
    w.unmount();
  });

  it("shows the ICD-10 hint without blocking, field errors by ApiError.field, and other errors in treatment-error", async () => {
    const save = vi.fn()
      .mockRejectedValueOnce(new ApiError("Validation", "Unknown ICD-10 code.", "icd10_code"))
      .mockRejectedValueOnce(new ApiError("PermissionDenied", "Only the appointment's doctor can record it."));
    const w = mountForm(save);
    await w.find(tid("treatment-icd10")).setValue("U07.1");
    expect(w.find("#treatment-icd10-hint").text()).toContain("does not look like");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(save).toHaveBeenCalledTimes(1);
    expect(w.find("#treatment-icd10_code-error").text()).toBe("Unknown ICD-10 code.");
    expect(w.find(tid("treatment-icd10")).attributes("aria-invalid")).toBe("true");
    expect(w.find(tid("treatment-error")).exists()).toBe(false);
    await w.find("form").trigger("submit");
    await flushPromises();
    const err = w.find(tid("treatment-error"));
    expect(err.text()).toContain("Only the appointment's doctor");
    expect(err.element.closest('[role="alert"]')).not.toBeNull();
    w.unmount();
  });

  it("prefills when amending and says which version", async () => {
    const t: Treatment = {
      id: 3, appointment_id: 11, visit_type: "procedure", symptoms: "Cut", diagnosis: "Laceration", icd10_code: "S61.4",
      treatment_given: "Sutures", prescription: [{ medicine: "Paracetamol", dose: "1 g", frequency: "qds", duration: "3 days", instructions: "" }],
      notes: "", next_visit_on: "2026-12-20", recorded_by: "Dr Rao", version: 2, created_at: "", updated_at: "",
    };
    const save = vi.fn().mockResolvedValue({});
    const w = mountForm(save, t);
    expect(w.text()).toContain("Amending version 2");
    expect((w.find(tid("rx-medicine-0")).element as HTMLInputElement).value).toBe("Paracetamol");
    expect((w.find(tid("treatment-visit-type")).element as HTMLSelectElement).value).toBe("procedure");
    await w.find(tid("treatment-diagnosis")).setValue("Deep laceration");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(save.mock.calls[0][0]).toMatchObject({ diagnosis: "Deep laceration", next_visit_on: "2026-12-20", next_visit_in_days: null, icd10_code: "S61.4" });
    w.unmount();
  });
});

const appt = (id: number, extra: Partial<Appointment> = {}): Appointment => ({
  id, doctor_id: 4, doctor_name: "Dr Rao", department_name: "General", patient_id: 9, patient_name: "Pat Doe", patient_mrn: "M9",
  patient_blacklisted: false, starts_at: "", ends_at: "", date: "2026-12-03", time: "09:00", end_time: "09:15", status: "completed",
  cancel_reason: null, overbooked: false, late: false, type_id: null, type_name: null, type_colour: null, reason: "", series_id: null, ...extra,
});

async function mountTimeline(visits: Visit[], restricted = false) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/", component: { template: "<div/>" } }] });
  await router.push("/");
  return mount(HistoryTimeline, { props: { visits, restricted }, global: { plugins: [...plugins, router] } });
}

describe("HistoryTimeline", () => {
  const clinical = {
    symptoms: "Cough", diagnosis: "Asthma", icd10_code: "J45.909", treatment_given: "Inhaler",
    prescription: [{ medicine: "Salbutamol", dose: "100 mcg", frequency: "prn", duration: "", instructions: "" }],
    notes: "", recorded_by: "Dr Rao", version: 1,
  };

  it("shows the clinical block for doctors/admins", async () => {
    const w = await mountTimeline([{ appointment: appt(11), visit_type: "consultation", next_visit_on: "2026-12-17", clinical }]);
    expect(w.find(tid("visit-11")).text()).toContain("Dr Rao");
    expect(w.find(tid("visit-diagnosis-11")).text()).toBe("Asthma");
    expect(w.text()).toContain("Salbutamol");
    expect(w.text()).toContain("J45.909");
    expect(w.find(tid("history-restricted")).exists()).toBe(false);
  });

  it("hides the clinical block when clinical is null and explains it once", async () => {
    const w = await mountTimeline([
      { appointment: appt(11), visit_type: "consultation", next_visit_on: "2026-12-17", clinical: null },
      { appointment: appt(12), visit_type: "follow_up", next_visit_on: null, clinical: null },
    ]);
    expect(w.findAll('[data-testid^="visit-"]').map((e) => e.attributes("data-testid"))).toEqual(["visit-11", "visit-12"]);
    expect(w.find(tid("visit-diagnosis-11")).exists()).toBe(false);
    expect(w.find(tid("visit-clinical-11")).exists()).toBe(false);
    expect(w.text()).not.toContain("Asthma");
    expect(w.findAll(tid("history-restricted"))).toHaveLength(1);
    expect(w.text()).toContain("Clinical details are visible to doctors and administrators");
    expect(w.find(tid("visit-11")).text()).toContain("Consultation");
    expect(w.find(tid("visit-11")).text()).toContain("17/12/2026");
  });
});

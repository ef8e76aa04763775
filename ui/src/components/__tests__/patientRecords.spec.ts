import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";
import { h } from "vue";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "searchPatients", "getPatient", "patientAppointments", "patientHistory", "mergePatients", "findDuplicatePatients",
  ]));

import { api, ApiError, type DuplicateCandidate, type Patient, type PatientInput, type StaffRole } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import { useSessionStore } from "../../stores/session";
import PatientForm from "../PatientForm.vue";
import MergeDialog from "../MergeDialog.vue";
import PatientChartPage from "../../pages/PatientChartPage.vue";

const m = apiMocks(api);
const q = <T extends Element = HTMLElement>(testid: string) => document.querySelector<T>(`[data-testid="${testid}"]`);
const routes = [{ path: "/patients", name: "patients" }, { path: "/patients/:id", name: "patient" }, { path: "/book", name: "book" }];

const jaya: Patient = {
  id: 7, mrn: "MRN0000007", full_name: "Jaya Novack", date_of_birth: "1985-06-01", sex: "female", phone: "+447700900001",
  email: null, address: "", emergency_contact: "", preferred_channel: "sms", preferred_language: "en", reminder_consent: true, opted_out: false,
  consent_method: "desk", consent_recorded_at: "2026-11-20T10:00:00Z", consent_recorded_by: "desk_rita",
  blacklisted: false, blacklist_reason: null, merged_into_id: null,
};
const existing: DuplicateCandidate = {
  id: 3, mrn: "MRN0000003", full_name: "Jaya Novak", date_of_birth: "1985-06-01", phone: "+447700900001", email: null,
  same_birth_and_similar_name: true, same_phone: true, same_email: false,
};

type FormProps = InstanceType<typeof PatientForm>["$props"] & { onOpen?: (id: number) => void };

async function mountForm(props: FormProps) {
  const { w } = await mountWithRouter({ render: () => h(PatientForm, props) }, { path: "/patients", routes });
  return w;
}

async function fillNew() {
  (q<HTMLInputElement>("patient-full-name")!).value = "Jaya Novak";
  q("patient-full-name")!.dispatchEvent(new Event("input"));
  (q<HTMLInputElement>("patient-dob")!).value = "1985-06-01";
  q("patient-dob")!.dispatchEvent(new Event("input"));
  (q<HTMLInputElement>("patient-phone")!).value = "+44 7700 900001";
  q("patient-phone")!.dispatchEvent(new Event("input"));
  await flushPromises();
}

async function clickSave() {
  const save = q<HTMLButtonElement>("patient-save")!;
  save.focus();
  save.click();
  await flushPromises();
}

describe("the duplicate warning in the patient form", () => {
  beforeEach(() => vi.clearAllMocks());

  it("warns before saving, lists the existing record to open, and saves only when asked again", async () => {
    const save = vi.fn().mockResolvedValue(undefined);
    const findDuplicates = vi.fn().mockResolvedValue([existing]);
    const onOpen = vi.fn();
    const w = await mountForm({ save, findDuplicates, onOpen });
    await fillNew();
    await clickSave();

    expect(findDuplicates).toHaveBeenCalledWith({
      full_name: "Jaya Novak", date_of_birth: "1985-06-01", phone: "+44 7700 900001", email: null, exclude_id: null,
    });
    expect(save).not.toHaveBeenCalled();
    const panel = q("patient-duplicates")!;
    expect(panel.getAttribute("role")).toBe("alert");
    expect(q("duplicate-3")!.textContent).toContain("MRN0000003");
    expect(q("duplicate-3")!.textContent).toContain("same date of birth, similar name · same phone");
    // the warning appears without taking the cursor away from where the person was
    expect(document.activeElement).toBe(q("patient-save"));
    expect(await seriousAxeFindings(w.element.parentElement!)).toEqual([]);

    q<HTMLButtonElement>("duplicate-open-3")!.click();
    await flushPromises();
    expect(onOpen).toHaveBeenCalledWith(3);
    expect(save).not.toHaveBeenCalled();

    q<HTMLButtonElement>("patient-save-anyway")!.click();
    await flushPromises();
    expect(save).toHaveBeenCalledTimes(1);
    expect(findDuplicates).toHaveBeenCalledTimes(1);
    w.unmount();
  });

  it("checks again when the details change, and saves at once when nothing matches", async () => {
    const save = vi.fn().mockResolvedValue(undefined);
    const findDuplicates = vi.fn().mockResolvedValueOnce([existing]).mockResolvedValueOnce([]);
    const w = await mountForm({ save, findDuplicates });
    await fillNew();
    await clickSave();
    expect(save).not.toHaveBeenCalled();
    (q<HTMLInputElement>("patient-dob")!).value = "1986-06-01";
    q("patient-dob")!.dispatchEvent(new Event("input"));
    await clickSave();
    expect(findDuplicates).toHaveBeenCalledTimes(2);
    expect(save).toHaveBeenCalledTimes(1);
    w.unmount();
  });

  it("never offers the record being edited as its own duplicate", async () => {
    const save = vi.fn().mockResolvedValue(undefined);
    const findDuplicates = vi.fn().mockResolvedValue([]);
    const w = await mountForm({ save, findDuplicates, patient: jaya });
    await clickSave();
    expect(findDuplicates.mock.calls[0][0].exclude_id).toBe(7);
    expect(save).toHaveBeenCalledTimes(1);
    w.unmount();
  });
});

describe("recording an opt-out", () => {
  beforeEach(() => vi.clearAllMocks());

  it("asks how the patient told us when the consent changes, and sends the opt-out", async () => {
    const save = vi.fn().mockResolvedValue(undefined);
    const w = await mountForm({ save, patient: jaya });
    expect(q("patient-consent-method")).toBeNull(); // nothing changed yet
    q<HTMLInputElement>("patient-consent")!.click();
    q<HTMLInputElement>("patient-opted-out")!.click();
    await flushPromises();
    expect(q("patient-consent-method")).not.toBeNull();
    await clickSave();
    expect(save).not.toHaveBeenCalled();
    expect(document.getElementById("patient-consent_method-error")!.textContent).toContain("Say how the patient told us");

    const select = q<HTMLSelectElement>("patient-consent-method")!;
    select.value = "paper";
    select.dispatchEvent(new Event("change"));
    await clickSave();
    const input = save.mock.calls[0][0] as PatientInput;
    expect(input).toMatchObject({ opted_out: true, reminder_consent: false, consent_method: "paper" });
    expect(await seriousAxeFindings(w.element.parentElement!)).toEqual([]);
    w.unmount();
  });

  it("refuses consent and opt-out ticked together", async () => {
    const save = vi.fn();
    const w = await mountForm({ save, patient: jaya });
    q<HTMLInputElement>("patient-opted-out")!.click();
    await clickSave();
    expect(save).not.toHaveBeenCalled();
    expect(document.getElementById("patient-reminder_consent-error")!.textContent).toContain("opted-out");
    w.unmount();
  });
});

describe("the merge dialog", () => {
  beforeEach(() => vi.clearAllMocks());

  async function openDialog() {
    const onMerged = vi.fn();
    const { w } = await mountWithRouter({ render: () => h(MergeDialog, { patient: jaya, visible: true, onMerged }) }, { path: "/patients/7", routes });
    m.searchPatients.mockResolvedValue([
      { id: 3, mrn: "MRN0000003", full_name: "Jaya Novak", date_of_birth: "1985-06-01", phone: null, blacklisted: false, merged_into_id: null },
    ]);
    const input = document.querySelector<HTMLInputElement>("#merge-search")!;
    input.value = "Jaya";
    input.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 200)); // the search's debounce
    await flushPromises();
    q<HTMLButtonElement>("patient-hit-3")!.click();
    await flushPromises();
    return { w, onMerged };
  }

  it("merges the open record into the chosen one", async () => {
    m.mergePatients.mockResolvedValue({
      merged: 7, survivor: 3, appointments: 4, treatments: 3, amendments: 3, messages: 1, exports: 1, tombstones: 0, opt_out_carried: false,
    });
    const { w, onMerged } = await openDialog();
    expect(q("merge-survivor")!.textContent).toContain("MRN0000003");
    expect(document.activeElement).toBe(q("merge-confirm")); // not lost with the list it was picked from
    expect(await seriousAxeFindings(document.body)).toEqual([]);
    q<HTMLButtonElement>("merge-confirm")!.click();
    await flushPromises();
    expect(m.mergePatients).toHaveBeenCalledWith(7, 3);
    expect(onMerged).toHaveBeenCalledWith(expect.objectContaining({ survivor: 3, appointments: 4 }));
    w.unmount();
  });

  it("shows the database's refusal in one sentence and stays open", async () => {
    const sentence = "These records cannot be merged: both have an appointment at the same time (Tue 1 Dec at 10:00 with Dr. Rao and Tue 1 Dec at 10:00 with Dr. Lee). Cancel one of them first.";
    m.mergePatients.mockRejectedValue(new ApiError("Conflict", sentence));
    const { w, onMerged } = await openDialog();
    q<HTMLButtonElement>("merge-confirm")!.click();
    await flushPromises();
    const err = q("merge-error")!;
    expect(err.getAttribute("role")).toBe("alert");
    expect(err.textContent).toBe(sentence);
    expect(onMerged).not.toHaveBeenCalled();
    expect(q("merge-dialog")).not.toBeNull();
    w.unmount();
  });
});

describe("the chart", () => {
  beforeEach(() => vi.clearAllMocks());

  const mountChart = (role: StaffRole, path: string) =>
    mountWithRouter(PatientChartPage, {
      path,
      routes,
      beforeMount: () => {
        useSessionStore().session = { username: role, full_name: role, role, clinic_name: "C", idle_lock_minutes: 10 };
      },
    });

  it("shows an opt-out with when, who and how; only an administrator sees the merge", async () => {
    m.getPatient.mockResolvedValue({ ...jaya, reminder_consent: false, opted_out: true, consent_method: "message" });
    m.patientAppointments.mockResolvedValue([]);
    m.patientHistory.mockResolvedValue([]);
    const { w } = await mountChart("reception", "/patients/7");
    expect(q("patient-consent-state")!.textContent).toBe("Opted out — no messages of any kind");
    expect(q("patient-consent-recorded")!.textContent).toMatch(/^Recorded .*2026 by desk_rita by message$/);
    expect(q("patient-merge")).toBeNull();
    w.unmount();
    const admin = await mountChart("admin", "/patients/7");
    expect(q("patient-merge")).not.toBeNull();
    admin.w.unmount();
  });

  it("opens the surviving record when a merged one is opened", async () => {
    m.getPatient.mockImplementation(async (id: number) => (id === 7 ? { ...jaya, merged_into_id: 3 } : { ...jaya, id: 3, mrn: "MRN0000003" }));
    m.patientAppointments.mockResolvedValue([]);
    m.patientHistory.mockResolvedValue([]);
    const { w, router } = await mountChart("reception", "/patients/7");
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe("/patients/3");
    w.unmount();
  });
});

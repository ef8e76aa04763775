import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["quickSearch"]));

import { api, GENERIC_ERROR, type Appointment, type QuickResults } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { flatten, useQuickSearch } from "../useQuickSearch";

const m = apiMocks(api);
const results = (name: string): QuickResults => ({
  patients: [{ id: 1, mrn: "MRN0000001", full_name: name, date_of_birth: "1985-06-01", phone: "+447700900123", blacklisted: false, merged_into_id: null }],
  doctors: [{
    id: 2, staff_username: null, department_id: 1, department_name: "General", full_name: "Dr. Quincy", qualification: "",
    experience_years: 1, phone: null, email: null, consultation_fee_cents: 0, slot_minutes: 15, active: true,
  }],
  appointments: [],
});

describe("quick search", () => {
  beforeEach(() => vi.clearAllMocks());

  it("flattens groups into keyboard-navigable items that open the right screen", () => {
    const items = flatten(results("Quentin"));
    expect(items.map((i) => [i.group, i.label])).toEqual([["Patients", "Quentin"], ["Doctors", "Dr. Quincy"]]);
    expect(items[0].to).toEqual({ name: "patient", params: { id: "1" } });
    expect(items[1].to).toEqual({ name: "calendar", query: { doctor: "2" } });
    expect(flatten(null)).toEqual([]);
  });

  it("labels today's appointments with the status names used everywhere, and opens a merged record's survivor", () => {
    const appt = (id: number, status: Appointment["status"]): Appointment => ({
      id, doctor_id: 2, doctor_name: "Dr. Quincy", department_name: "General", patient_id: 1, patient_name: "Quentin",
      patient_mrn: "MRN0000001", patient_blacklisted: false, starts_at: "2026-11-28T09:30:00Z", ends_at: "2026-11-28T09:45:00Z",
      date: "2026-11-28", time: "09:30", end_time: "09:45", status, cancel_reason: null, overbooked: false, late: false, type_id: null, type_name: null, type_colour: null, reason: "", series_id: null,
    });
    const r = results("Quentin");
    r.appointments = [appt(8, "no_show"), appt(9, "checked_in")];
    r.patients = [{ ...r.patients[0], id: 5, merged_into_id: 1 }];
    const items = flatten(r);
    expect(items.filter((i) => i.group === "Today").map((i) => i.detail)).toEqual(["Dr. Quincy · No-show", "Dr. Quincy · Checked in"]);
    const merged = items.find((i) => i.key === "p5")!;
    expect(merged.to).toEqual({ name: "patient", params: { id: "1" } });
    expect(merged.detail).toContain("merged into another record");
  });

  it("shows a backend sentence, but never a thrown plain Error's raw text", async () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    const qs = useQuickSearch();
    m.quickSearch.mockRejectedValueOnce(new TypeError("Cannot read properties of undefined (reading 'patients')"));
    await qs.run("qu");
    expect(qs.error.value).toBe(GENERIC_ERROR);
    expect(qs.error.value).not.toContain("Cannot read");
    m.quickSearch.mockRejectedValueOnce({ kind: "Unavailable", message: "The clinic server cannot be reached.", field: null });
    await qs.run("que");
    expect(qs.error.value).toBe("The clinic server cannot be reached.");
    quiet.mockRestore();
  });

  it("keeps only the answer to the latest query and wraps arrow keys", async () => {
    let resolveOld: (r: QuickResults) => void = () => {};
    m.quickSearch.mockImplementationOnce(() => new Promise((r) => (resolveOld = r)));
    m.quickSearch.mockResolvedValueOnce(results("New"));
    const qs = useQuickSearch();
    const old = qs.run("ol");
    await qs.run("new");
    resolveOld(results("Old"));
    await old;
    expect(qs.items.value[0].label).toBe("New");
    qs.move(-1);
    expect(qs.active.value).toBe(1);
    qs.move(1);
    expect(qs.active.value).toBe(0);
    await qs.run("q");
    expect(qs.items.value).toEqual([]);
    expect(m.quickSearch).toHaveBeenCalledTimes(2);
  });
});

import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["quickSearch"]));

import { api, type QuickResults } from "../../api";
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

  it("keeps only the answer to the latest query and wraps arrow keys", async () => {
    let resolveOld: (r: QuickResults) => void = () => {};
    m.quickSearch.mockImplementationOnce(() => new Promise((r) => (resolveOld = r)));
    m.quickSearch.mockResolvedValueOnce(results("New"));
    const qs = useQuickSearch(0);
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

import { describe, expect, it } from "vitest";
import type { Patient } from "../../api";
import { chartOf, survivorId, toHit } from "../patients";

describe("merged records open their survivor", () => {
  it("survivorId / chartOf: a merged record's survivor, else the record itself", () => {
    expect(survivorId({ id: 7, merged_into_id: 3 })).toBe(3);
    expect(survivorId({ id: 7, merged_into_id: null })).toBe(7);
    expect(chartOf({ id: 7, merged_into_id: 3 })).toEqual({ name: "patient", params: { id: "3" } });
    expect(chartOf({ id: 7, merged_into_id: null })).toEqual({ name: "patient", params: { id: "7" } });
  });

  it("toHit keeps what a picker shows and the merge link", () => {
    const p = {
      id: 7, mrn: "M7", full_name: "Pat Doe", date_of_birth: "1990-02-03", phone: "555", blacklisted: true, merged_into_id: 3,
      email: "p@example.org", address: "1 Main St",
    } as unknown as Patient;
    expect(toHit(p)).toEqual({ id: 7, mrn: "M7", full_name: "Pat Doe", date_of_birth: "1990-02-03", phone: "555", blacklisted: true, merged_into_id: 3 });
  });
});

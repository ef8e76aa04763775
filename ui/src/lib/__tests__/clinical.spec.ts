import { describe, expect, it } from "vitest";
import { draftFromTreatment, emptyDraft, ICD10_HINT, looksLikeIcd10, toTreatmentInput } from "../clinical";

describe("ICD-10 hint", () => {
  it.each(["I10", "E11.9", "S93.4", "J45.909", "Z00.00", "A0B"])("accepts %s", (code) => {
    expect(ICD10_HINT.test(code)).toBe(true);
  });
  it.each(["U07.1", "123", "I1", "E11.", "E11.12345", "i10x", ""])("rejects %s", (code) => {
    expect(ICD10_HINT.test(code)).toBe(false);
  });
  it("is case-insensitive and trims in the form helper", () => {
    expect(looksLikeIcd10(" e11.9 ")).toBe(true);
    expect(looksLikeIcd10("u07.1")).toBe(false);
  });
});

describe("toTreatmentInput", () => {
  it("sends only the chosen next-visit alternative", () => {
    const d = { ...emptyDraft(), next_visit_on: "2026-12-10", next_visit_in_days: "14" };
    expect(toTreatmentInput({ ...d, next_mode: "date" })).toMatchObject({ next_visit_on: "2026-12-10", next_visit_in_days: null });
    expect(toTreatmentInput({ ...d, next_mode: "days" })).toMatchObject({ next_visit_on: null, next_visit_in_days: 14 });
    expect(toTreatmentInput({ ...d, next_mode: "none" })).toMatchObject({ next_visit_on: null, next_visit_in_days: null });
  });

  it("upper-cases the code, maps empty to null and drops blank prescription rows", () => {
    const blank = { medicine: " ", dose: "", frequency: "", duration: "", instructions: "" };
    const line = { medicine: " Metformin ", dose: "500 mg", frequency: "twice daily", duration: "30 days", instructions: "" };
    const out = toTreatmentInput({ ...emptyDraft(), icd10_code: " e11.9", prescription: [blank, line] });
    expect(out.icd10_code).toBe("E11.9");
    expect(out.prescription).toEqual([{ ...line, medicine: "Metformin" }]);
    expect(toTreatmentInput(emptyDraft()).icd10_code).toBeNull();
  });

  it("prefills an amendment from a stored treatment (date mode)", () => {
    const d = draftFromTreatment({
      id: 1, appointment_id: 2, visit_type: "follow_up", symptoms: "s", diagnosis: "d", icd10_code: null, treatment_given: "t",
      prescription: [], notes: "", next_visit_on: "2027-01-05", recorded_by: "Dr Rao", version: 2, created_at: "", updated_at: "",
    });
    expect(d).toMatchObject({ visit_type: "follow_up", icd10_code: "", next_mode: "date", next_visit_on: "2027-01-05" });
  });
});

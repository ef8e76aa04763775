/** Clinical-record helpers: labels, the ICD-10 format hint, and draft ⇄ TreatmentInput conversion (pure). */
import type { PrescriptionLine, Treatment, TreatmentInput, VisitType } from "../api";

export const VISIT_TYPES: { value: VisitType; label: string }[] = [
  { value: "consultation", label: "Consultation" },
  { value: "follow_up", label: "Follow-up" },
  { value: "emergency", label: "Emergency" },
  { value: "procedure", label: "Procedure" },
];

export const VISIT_TYPE_LABELS: Record<VisitType, string> = Object.fromEntries(
  VISIT_TYPES.map((v) => [v.value, v.label]),
) as Record<VisitType, string>;

/** Human names for TreatmentInput fields (amendment "changed" lists). */
export const TREATMENT_FIELD_LABELS: Record<string, string> = {
  visit_type: "Visit type",
  symptoms: "Symptoms",
  diagnosis: "Diagnosis",
  icd10_code: "ICD-10 code",
  treatment_given: "Treatment given",
  prescription: "Prescription",
  notes: "Notes",
  next_visit_on: "Next visit",
  next_visit_in_days: "Next visit",
};

export function fieldLabel(field: string): string {
  return TREATMENT_FIELD_LABELS[field] ?? field.replace(/_/g, " ");
}

/**
 * ICD-10 shape: letter (not U), two characters, optional ".1–4". Only a hint in the form;
 * the server decides what it accepts.
 */
export const ICD10_HINT = /^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$/;

export function looksLikeIcd10(code: string): boolean {
  return ICD10_HINT.test(code.trim().toUpperCase());
}

export type NextVisitMode = "none" | "date" | "days";

/** What the form edits: strings everywhere, so inputs bind directly. */
export interface TreatmentDraft {
  visit_type: VisitType;
  symptoms: string;
  diagnosis: string;
  icd10_code: string;
  treatment_given: string;
  prescription: PrescriptionLine[];
  notes: string;
  next_mode: NextVisitMode;
  next_visit_on: string;
  /** A `type="number"` v-model yields a number once typed in; "" when empty. */
  next_visit_in_days: string | number;
}

export function emptyLine(): PrescriptionLine {
  return { medicine: "", dose: "", frequency: "", duration: "", instructions: "" };
}

export function emptyDraft(): TreatmentDraft {
  return {
    visit_type: "consultation",
    symptoms: "",
    diagnosis: "",
    icd10_code: "",
    treatment_given: "",
    prescription: [],
    notes: "",
    next_mode: "none",
    next_visit_on: "",
    next_visit_in_days: "",
  };
}

/** Prefill for an amendment. A stored treatment only has a date, so the mode is "date" or "none". */
export function draftFromTreatment(t: Treatment | TreatmentInput): TreatmentDraft {
  return {
    visit_type: t.visit_type,
    symptoms: t.symptoms,
    diagnosis: t.diagnosis,
    icd10_code: t.icd10_code ?? "",
    treatment_given: t.treatment_given,
    prescription: t.prescription.map((l) => ({ ...l })),
    notes: t.notes,
    next_mode: t.next_visit_on ? "date" : "none",
    next_visit_on: t.next_visit_on ?? "",
    next_visit_in_days: "",
  };
}

const blankLine = (l: PrescriptionLine) =>
  !l.medicine.trim() && !l.dose.trim() && !l.frequency.trim() && !l.duration.trim() && !l.instructions.trim();

/**
 * The wire value. Text is trimmed, fully blank prescription rows are dropped, the ICD-10 code is upper-cased
 * (empty → null), and at most one of next_visit_on / next_visit_in_days is set, chosen by `next_mode`
 * (the other input's value is ignored, never sent).
 */
export function toTreatmentInput(d: TreatmentDraft): TreatmentInput {
  const code = d.icd10_code.trim().toUpperCase();
  const days = String(d.next_visit_in_days ?? "").trim();
  return {
    visit_type: d.visit_type,
    symptoms: d.symptoms.trim(),
    diagnosis: d.diagnosis.trim(),
    icd10_code: code ? code : null,
    treatment_given: d.treatment_given.trim(),
    prescription: d.prescription.filter((l) => !blankLine(l)).map((l) => ({
      medicine: l.medicine.trim(),
      dose: l.dose.trim(),
      frequency: l.frequency.trim(),
      duration: l.duration.trim(),
      instructions: l.instructions.trim(),
    })),
    notes: d.notes.trim(),
    next_visit_on: d.next_mode === "date" && d.next_visit_on ? d.next_visit_on : null,
    next_visit_in_days: d.next_mode === "days" && days !== "" && Number.isFinite(Number(days)) ? Number(days) : null,
  };
}

/** Clinical-record helpers: labels, the ICD-10 format hint, and draft ⇄ TreatmentInput conversion (pure). */
import type { PrescriptionLine, Treatment, TreatmentInput, VisitType } from "../api";
import { t } from "../i18n";

export const VISIT_TYPE_VALUES: VisitType[] = ["consultation", "follow_up", "emergency", "procedure"];

/** A visit type's name in the clinic's language ("Consultation", "Consulta"). */
export function visitTypeLabel(v: VisitType): string {
  return t(`clinical.visit_type.${v}`);
}

/** The visit types with their names in the current language (call again after a language switch). */
export function visitTypes(): { value: VisitType; label: string }[] {
  return VISIT_TYPE_VALUES.map((value) => ({ value, label: visitTypeLabel(value) }));
}

/** TreatmentInput fields with a human name (amendment "changed" lists); both next-visit fields read "Next visit". */
const TREATMENT_FIELDS = ["visit_type", "symptoms", "diagnosis", "icd10_code", "treatment_given", "prescription", "notes"];

/** A TreatmentInput field's human name in the current language. */
export function fieldLabel(field: string): string {
  if (field === "next_visit_on" || field === "next_visit_in_days") return t("clinical.field.next_visit");
  return TREATMENT_FIELDS.includes(field) ? t(`clinical.field.${field}`) : field.replace(/_/g, " ");
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

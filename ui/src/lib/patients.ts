/**
 * Patient records as the desk opens them. A merged record is a tombstone: whatever opens it (a chart, booking, a
 * walk-in, quick search) goes to the record it was merged into, the survivor. `survivorId` is that one rule.
 */
import type { RouteLocationRaw } from "vue-router";
import type { Patient, PatientHit } from "../api";

/** The languages a patient's messages can be in (the backend refuses others). */
export const PATIENT_LANGUAGES = ["en", "es"] as const;

/** The record to open for `p`: the survivor when `p` was merged into another record, else `p` itself. */
export function survivorId(p: { id: number; merged_into_id: number | null }): number {
  return p.merged_into_id ?? p.id;
}

/** The chart to open for `p` (the survivor's, for a merged record). */
export function chartOf(p: { id: number; merged_into_id: number | null }): RouteLocationRaw {
  return { name: "patient", params: { id: String(survivorId(p)) } };
}

/** A full patient record as a search hit (what the pickers hold). */
export function toHit(p: Patient): PatientHit {
  return {
    id: p.id, mrn: p.mrn, full_name: p.full_name, date_of_birth: p.date_of_birth, phone: p.phone, blacklisted: p.blacklisted,
    merged_into_id: p.merged_into_id,
  };
}

/** A visit's treatment: read, record, amend, and its amendment history (newest version first). */
import { defineStore } from "pinia";
import { api, type Amendment, type Treatment, type TreatmentInput } from "../api";

export const useTreatmentsStore = defineStore("treatments", () => {
  function get(appointmentId: number): Promise<Treatment | null> {
    return api.getTreatment(appointmentId);
  }

  function record(appointmentId: number, input: TreatmentInput): Promise<Treatment> {
    return api.recordTreatment(appointmentId, input);
  }

  function amend(treatmentId: number, input: TreatmentInput): Promise<Treatment> {
    return api.amendTreatment(treatmentId, input);
  }

  async function amendments(treatmentId: number): Promise<Amendment[]> {
    const list = await api.treatmentAmendments(treatmentId);
    return [...list].sort((x, y) => y.version - x.version);
  }

  return { get, record, amend, amendments };
});

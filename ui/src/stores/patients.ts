/** Patient search (kept while you open a chart and come back) and the open chart. */
import { defineStore } from "pinia";
import { markRaw, ref } from "vue";
import { api, type Appointment, type DuplicateCandidate, type DuplicateQuery, type MergeOutcome, type Patient, type PatientInput } from "../api";
import { usePatientSearch } from "../composables/usePatientSearch";

export const usePatientsStore = defineStore("patients", () => {
  // markRaw: keep `search.query` etc. as refs (a store would otherwise unwrap them).
  const search = markRaw(usePatientSearch());
  const patient = ref<Patient | null>(null);
  const appointments = ref<Appointment[]>([]);
  const loading = ref(false);

  async function open(id: number) {
    loading.value = true;
    try {
      if (patient.value?.id !== id) {
        patient.value = null;
        appointments.value = [];
      }
      const [p, appts] = await Promise.all([api.getPatient(id), api.patientAppointments(id)]);
      patient.value = p;
      appointments.value = appts;
    } finally {
      loading.value = false;
    }
  }

  /** One patient, without opening their chart (booking). */
  function get(id: number): Promise<Patient> {
    return api.getPatient(id);
  }

  async function reloadAppointments() {
    if (patient.value) appointments.value = await api.patientAppointments(patient.value.id);
  }

  async function register(input: PatientInput): Promise<Patient> {
    const p = await api.registerPatient(input);
    patient.value = p;
    appointments.value = [];
    return p;
  }

  async function update(id: number, input: PatientInput): Promise<Patient> {
    const p = await api.updatePatient(id, input);
    patient.value = p;
    return p;
  }

  async function blacklist(id: number, reason: string): Promise<Patient> {
    patient.value = await api.blacklistPatient(id, reason);
    return patient.value;
  }

  async function lift(id: number): Promise<Patient> {
    patient.value = await api.liftBlacklist(id);
    return patient.value;
  }

  /** Likely duplicates of the form as typed (before saving). */
  function findDuplicates(query: DuplicateQuery): Promise<DuplicateCandidate[]> {
    return api.findDuplicatePatients(query);
  }

  /** Administrators: `mergedId` becomes a tombstone pointing at `survivorId`, which gets everything linked to it. */
  async function merge(mergedId: number, survivorId: number): Promise<MergeOutcome> {
    const outcome = await api.mergePatients(mergedId, survivorId);
    if (patient.value?.id === mergedId) patient.value = null;
    return outcome;
  }

  return { search, patient, appointments, loading, open, get, reloadAppointments, register, update, blacklist, lift, findDuplicates, merge };
});

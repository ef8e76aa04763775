/** The 7-day slot grid for one doctor, and booking / rescheduling from it. */
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { api, ApiError, newRequestKey, type Appointment, type Slot, type SlotDay } from "../api";
import { addDays } from "../lib/dates";
import { clinicToday } from "../lib/clinicToday";

export const GRID_DAYS = 7;

export const useBookingStore = defineStore("booking", () => {
  const doctorId = ref<number | null>(null);
  /** The appointment type to book (null: the doctor's default) and the visit reason (may be empty). */
  const typeId = ref<number | null>(null);
  const reason = ref("");
  const from = ref(clinicToday());
  const days = ref<SlotDay[]>([]);
  const selected = ref<Slot | null>(null);
  const loading = ref(false);
  const error = ref("");
  let seq = 0;

  const slotCount = computed(() => days.value.reduce((n, d) => n + d.slots.length, 0));

  async function loadSlots() {
    const mine = ++seq;
    if (doctorId.value === null) {
      days.value = [];
      return;
    }
    loading.value = true;
    try {
      const res = await api.freeSlots(doctorId.value, typeId.value, from.value, GRID_DAYS);
      if (mine !== seq) return;
      days.value = res;
      // Keep the choice only if it is still free.
      const sel = selected.value;
      if (sel && !res.some((d) => d.slots.some((s) => s.starts_at === sel.starts_at && s.doctor_id === sel.doctor_id)))
        selected.value = null;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  async function setDoctor(id: number | null | undefined) {
    // a <select> whose value matches no option reports undefined: treat it as "no doctor"
    const next = id ?? null;
    if (doctorId.value !== next) selected.value = null;
    doctorId.value = next;
    await loadSlots();
  }

  async function goTo(date: string) {
    from.value = date < clinicToday() ? clinicToday() : date;
    await loadSlots();
  }

  const nextWeek = () => goTo(addDays(from.value, GRID_DAYS));
  const previousWeek = () => goTo(addDays(from.value, -GRID_DAYS));
  const canGoBack = computed(() => from.value > clinicToday());

  /** The department's first free slot in the coming weeks, or null. */
  function firstAvailable(departmentId: number): Promise<Slot | null> {
    return api.firstAvailable(departmentId, typeId.value);
  }

  function pick(slot: Slot | null) {
    selected.value = slot;
    error.value = "";
    requestKey = null;
  }

  /**
   * One idempotency key per booking the user is trying to make (doctor, time, patient): a retry after a lost
   * connection reuses it, so the server answers with the first booking instead of making a second one.
   */
  let requestKey: string | null = null;
  let requestFor = "";
  function keyFor(what: string): string {
    if (requestKey === null || requestFor !== what) {
      requestKey = newRequestKey();
      requestFor = what;
    }
    return requestKey;
  }

  /**
   * Books (or, with `rescheduleId`, moves) the selected slot. On a Conflict the message is kept in `error`
   * and the grid is reloaded so the taken slot disappears; other errors are only reported.
   */
  async function confirm(patientId: number | null, rescheduleId: number | null = null): Promise<Appointment | null> {
    error.value = "";
    const slot = selected.value;
    if (!slot) {
      error.value = "Pick a free slot first.";
      return null;
    }
    if (rescheduleId === null && patientId === null) {
      error.value = "Choose the patient first.";
      return null;
    }
    try {
      const appt =
        rescheduleId !== null
          ? await api.rescheduleAppointment(rescheduleId, slot.starts_at)
          : await api.bookAppointment(
              { doctor_id: slot.doctor_id, patient_id: patientId as number, starts_at: slot.starts_at, type_id: typeId.value, reason: reason.value },
              keyFor(`${slot.doctor_id}|${slot.starts_at}|${patientId}|${typeId.value}`),
            );
      selected.value = null;
      requestKey = null;
      await loadSlots().catch(() => undefined);
      return appt;
    } catch (e) {
      const ae = ApiError.from(e);
      error.value = ae.message;
      if (ae.kind === "Conflict") {
        requestKey = null;
        selected.value = null;
        await loadSlots().catch(() => undefined);
      }
      return null;
    }
  }

  function reset() {
    doctorId.value = null;
    from.value = clinicToday();
    days.value = [];
    selected.value = null;
    error.value = "";
  }

  return {
    doctorId, typeId, reason, from, days, selected, loading, error, slotCount, canGoBack,
    loadSlots, setDoctor, goTo, nextWeek, previousWeek, firstAvailable, pick, confirm, reset,
  };
});

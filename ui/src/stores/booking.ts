/** The 7-day slot grid for one doctor, and booking / rescheduling from it. */
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { api, ApiError, newRequestKey, type Appointment, type OfferedType, type Slot, type SlotDay } from "../api";
import { addDays } from "../lib/dates";
import { clinicToday } from "../lib/clinicToday";
import { t } from "../i18n";

export const GRID_DAYS = 7;
/** The visit reason's longest length (the server refuses longer ones too). */
export const REASON_MAX = 200;

export const useBookingStore = defineStore("booking", () => {
  const doctorId = ref<number | null>(null);
  /** The appointment type to book (null: the doctor's default) and the visit reason (may be empty). */
  const typeId = ref<number | null>(null);
  const reason = ref("");
  /** The types the chosen doctor offers (in use ones; the default first), and errors of the type / reason fields. */
  const offered = ref<OfferedType[]>([]);
  const fieldErrors = ref<Record<string, string>>({});
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

  let offersSeq = 0;
  /** The chosen doctor's offered types (only those in use). */
  async function loadOffers() {
    const mine = ++offersSeq;
    const id = doctorId.value;
    if (id === null) {
      offered.value = [];
      return;
    }
    const res = await api.doctorAppointmentTypes(id);
    if (mine === offersSeq) offered.value = res.filter((o) => o.appointment_type.active);
  }

  /** The type the grid and the booking use: the one picked, else the doctor's default (null: the doctor's slot). */
  const effectiveTypeId = computed(() => typeId.value ?? offered.value.find((o) => o.is_default)?.appointment_type.id ?? null);

  /**
   * Another doctor: their slots and their types load together; the type goes back to "the doctor's default"
   * (unless `keepType`: first-available found a doctor who offers the type picked).
   */
  async function setDoctor(id: number | null | undefined, keepType = false) {
    // a <select> whose value matches no option reports undefined: treat it as "no doctor"
    const next = id ?? null;
    if (doctorId.value !== next) {
      selected.value = null;
      if (!keepType) typeId.value = null;
      offered.value = [];
    }
    doctorId.value = next;
    await Promise.all([loadSlots(), loadOffers()]);
  }

  /** Another appointment type: the grid reloads with starts where that visit fits. */
  async function setType(id: number | null) {
    if (id === typeId.value) return;
    typeId.value = id;
    selected.value = null; // the same start may not fit a longer visit
    delete fieldErrors.value.type_id;
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
    fieldErrors.value = {};
    const slot = selected.value;
    if (rescheduleId === null && reason.value.trim().length > REASON_MAX) {
      fieldErrors.value = { reason: t("misc.booking.reason_too_long", { n: reason.value.trim().length, max: REASON_MAX }) };
      return null;
    }
    if (!slot) {
      error.value = t("misc.booking.pick_slot");
      return null;
    }
    if (rescheduleId === null && patientId === null) {
      error.value = t("misc.booking.choose_patient");
      return null;
    }
    try {
      const appt =
        rescheduleId !== null
          ? await api.rescheduleAppointment(rescheduleId, slot.starts_at)
          : await api.bookAppointment(
              { doctor_id: slot.doctor_id, patient_id: patientId as number, starts_at: slot.starts_at, type_id: typeId.value, reason: reason.value.trim() },
              keyFor(`${slot.doctor_id}|${slot.starts_at}|${patientId}|${typeId.value}|${reason.value.trim()}`),
            );
      selected.value = null;
      requestKey = null;
      // the grid refreshes behind the "booked" toast: the person is told at once (the screen usually moves on to
      // the chart anyway)
      void loadSlots().catch(() => undefined);
      return appt;
    } catch (e) {
      const ae = ApiError.from(e);
      // a wrong type or reason is shown on its field; anything else above the grid
      if (ae.field === "reason" || ae.field === "type_id") fieldErrors.value = { [ae.field]: ae.message };
      else error.value = ae.message;
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
    typeId.value = null;
    reason.value = "";
    offered.value = [];
    fieldErrors.value = {};
    from.value = clinicToday();
    days.value = [];
    selected.value = null;
    error.value = "";
  }

  return {
    doctorId, typeId, reason, offered, effectiveTypeId, fieldErrors, from, days, selected, loading, error, slotCount, canGoBack,
    loadSlots, loadOffers, setDoctor, setType, goTo, nextWeek, previousWeek, firstAvailable, pick, confirm, reset,
  };
});

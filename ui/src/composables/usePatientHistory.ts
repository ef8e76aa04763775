/**
 * A patient's visit history with server-side filters (doctor, from/to, text). Text is debounced; every load is
 * sequence-numbered so a slow answer for an old filter never replaces a newer one.
 */
import { nextTick, onBeforeUnmount, reactive, ref, watch, type Ref } from "vue";
import { api, type HistoryFilter, type Visit, errorMessage } from "../api";

export function usePatientHistory(patientId: Ref<number>, textDelay = 300) {
  const filter = reactive({ doctor_id: null as number | null, from: "", to: "", text: "" });
  const visits = ref<Visit[]>([]);
  const loading = ref(false);
  const error = ref("");
  /** Appointment ids that have a recorded treatment, from the last unfiltered load. */
  const treated = ref<Set<number>>(new Set());
  let seq = 0;
  let resetting = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function current(): HistoryFilter {
    const text = filter.text.trim();
    return { doctor_id: filter.doctor_id, from: filter.from || null, to: filter.to || null, text: text ? text : null };
  }
  const isUnfiltered = (f: HistoryFilter) => f.doctor_id === null && !f.from && !f.to && !f.text;

  async function load() {
    if (timer) { clearTimeout(timer); timer = null; }
    const id = patientId.value;
    if (!Number.isFinite(id)) return;
    const mine = ++seq;
    const f = current();
    loading.value = true;
    try {
      const list = await api.patientHistory(id, f);
      if (mine !== seq) return;
      visits.value = list;
      error.value = "";
      if (isUnfiltered(f)) treated.value = new Set(list.filter((v) => v.visit_type !== null).map((v) => v.appointment.id));
    } catch (e) {
      if (mine === seq) error.value = errorMessage(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  /** Reload after a change (record/amend): refreshes the treated set too, even while filtered. */
  async function refresh() {
    const id = patientId.value;
    const f = current();
    if (!isUnfiltered(f) && Number.isFinite(id)) {
      try {
        const all = await api.patientHistory(id, { doctor_id: null, from: null, to: null, text: null });
        treated.value = new Set(all.filter((v) => v.visit_type !== null).map((v) => v.appointment.id));
      } catch {
        // the filtered load below reports errors
      }
    }
    await load();
  }

  watch(() => filter.text, () => {
    if (resetting) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void load(), textDelay);
  });
  watch(() => [filter.doctor_id, filter.from, filter.to], () => { if (!resetting) void load(); });
  /** Another patient's chart: clear the filters and load (the first load is the caller's). */
  watch(patientId, async () => {
    resetting = true;
    filter.doctor_id = null;
    filter.from = "";
    filter.to = "";
    filter.text = "";
    visits.value = [];
    treated.value = new Set();
    await nextTick();
    resetting = false;
    void load();
  });
  onBeforeUnmount(() => { if (timer) clearTimeout(timer); });

  return { filter, visits, loading, error, treated, load, refresh };
}

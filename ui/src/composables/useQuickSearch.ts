/**
 * Ctrl+K quick search: searches as the keys arrive (`oneAtATime`, no debounce timer), drops answers to older queries, flattens the groups for arrow keys.
 * Today's appointments come first (the desk searches most for the patient who just arrived) and open the Today
 * board on that card, where `c` checks them in; patients open their chart, doctors their calendar.
 */
import { computed, ref, watch } from "vue";
import { api, errorMessage, type QuickResults } from "../api";
import type { RouteLocationRaw } from "vue-router";
import { STATUS_LABELS } from "../lib/appointments";
import { chartOf } from "../lib/patients";
import { oneAtATime } from "../lib/latest";
import { t } from "../i18n";
import { formatTime } from "../i18n/format";

export interface QuickItem {
  key: string;
  group: "Patients" | "Doctors" | "Today";
  label: string;
  detail: string;
  to: RouteLocationRaw;
}

export function flatten(r: QuickResults | null): QuickItem[] {
  if (!r) return [];
  return [
    ...r.appointments.map((a) => ({
      key: `a${a.id}`, group: "Today" as const, label: `${formatTime(a.time)} ${a.patient_name}`,
      detail: `${a.doctor_name} · ${STATUS_LABELS[a.status]}`, to: { name: "today", query: { appt: String(a.id) } },
    })),
    ...r.patients.map((p) => ({
      key: `p${p.id}`, group: "Patients" as const, label: p.full_name,
      detail: `${p.mrn}${p.merged_into_id ? ` · ${t("misc.quick.merged")}` : ""}${p.phone ? ` · ${p.phone}` : ""}`, to: chartOf(p),
    })),
    ...r.doctors.map((d) => ({
      key: `d${d.id}`, group: "Doctors" as const, label: d.full_name, detail: d.department_name,
      to: { name: "calendar", query: { doctor: String(d.id) } },
    })),
  ];
}

export function useQuickSearch() {
  const query = ref("");
  const results = ref<QuickResults | null>(null);
  const error = ref("");
  const active = ref(0);
  /** The query the current results answer. */
  let answered = "";
  let seq = 0;

  async function run(q: string) {
    const mine = ++seq;
    try {
      const r = q.trim().length >= 2 ? await api.quickSearch(q) : null;
      if (mine === seq) {
        answered = q;
        results.value = r;
        error.value = "";
        active.value = 0;
      }
    } catch (e) {
      if (mine === seq) error.value = errorMessage(e);
    }
  }

  const typed = oneAtATime(run);
  watch(query, (q) => typed.push(q));

  const items = computed(() => flatten(results.value));

  function move(delta: number) {
    const n = items.value.length;
    if (n) active.value = (active.value + delta + n) % n;
  }

  /** The results for what is typed now: runs the search at once if the shown results answer an older query. */
  async function settle(): Promise<void> {
    if (answered === query.value) return;
    typed.drop();
    await run(query.value);
  }

  function reset() {
    answered = "";
    query.value = "";
    results.value = null;
    active.value = 0;
  }

  return { query, results, error, items, active, move, reset, run, settle };
}

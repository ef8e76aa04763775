/** Ctrl+K quick search: debounced, drops answers to older queries, flattens the groups for arrow keys. */
import { computed, ref, watch } from "vue";
import { api, type QuickResults } from "../api";
import type { RouteLocationRaw } from "vue-router";

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
    ...r.patients.map((p) => ({
      key: `p${p.id}`, group: "Patients" as const, label: p.full_name,
      detail: `${p.mrn}${p.merged_into_id ? " · merged into another record" : ""}${p.phone ? ` · ${p.phone}` : ""}`, to: { name: "patient", params: { id: String(p.merged_into_id ?? p.id) } },
    })),
    ...r.doctors.map((d) => ({
      key: `d${d.id}`, group: "Doctors" as const, label: d.full_name, detail: d.department_name,
      to: { name: "calendar", query: { doctor: String(d.id) } },
    })),
    ...r.appointments.map((a) => ({
      key: `a${a.id}`, group: "Today" as const, label: `${a.time} ${a.patient_name}`,
      detail: `${a.doctor_name} · ${a.status.replace("_", " ")}`, to: { name: "patient", params: { id: String(a.patient_id) } },
    })),
  ];
}

export function useQuickSearch(delayMs = 200) {
  const query = ref("");
  const results = ref<QuickResults | null>(null);
  const error = ref("");
  const active = ref(0);
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function run(q: string) {
    const mine = ++seq;
    try {
      const r = q.trim().length >= 2 ? await api.quickSearch(q) : null;
      if (mine === seq) {
        results.value = r;
        error.value = "";
        active.value = 0;
      }
    } catch (e) {
      if (mine === seq) error.value = e instanceof Error ? e.message : "Search failed.";
    }
  }

  watch(query, (q) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void run(q), delayMs);
  });

  const items = computed(() => flatten(results.value));

  function move(delta: number) {
    const n = items.value.length;
    if (n) active.value = (active.value + delta + n) % n;
  }

  function reset() {
    query.value = "";
    results.value = null;
    active.value = 0;
  }

  return { query, results, error, items, active, move, reset, run };
}

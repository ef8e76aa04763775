/** Monthly reports: the list for a month (clinic summary first), the open report's HTML, regenerating (admin). */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type ReportDocument, type ReportSummary, type RunNowResult } from "../api";
import { previousMonth } from "../lib/jobs";
import { clinicToday } from "../lib/clinicToday";

/** Clinic summary (doctor_id null) first, then the doctors' reports by title. */
function clinicFirst(list: ReportSummary[]): ReportSummary[] {
  return [...list].sort(
    (a, b) => Number(a.doctor_id !== null) - Number(b.doctor_id !== null) || a.title.localeCompare(b.title),
  );
}

export const useReportsStore = defineStore("reports", () => {
  const month = ref(previousMonth(clinicToday()));
  const items = ref<ReportSummary[]>([]);
  const open = ref<ReportDocument | null>(null);
  const loading = ref(false);
  let listSeq = 0;
  let openSeq = 0;

  /**
   * Lists `month`'s reports and keeps the open one if it is still listed, else opens the first (the clinic summary).
   * `reopen` fetches the open report again (after regenerating).
   */
  async function load(reopen = false) {
    const mine = ++listSeq;
    loading.value = true;
    try {
      const list = clinicFirst(await api.listReports(month.value));
      if (mine !== listSeq) return;
      items.value = list;
      const current = open.value?.id ?? null;
      const target = list.find((r) => r.id === current) ?? list[0] ?? null;
      if (!target) {
        openSeq++;
        open.value = null;
      } else if (reopen || target.id !== current) await select(target.id);
    } finally {
      if (mine === listSeq) loading.value = false;
    }
  }

  async function select(id: number) {
    const mine = ++openSeq;
    const doc = await api.getReport(id);
    if (mine === openSeq) open.value = doc;
  }

  /** Rebuilds the month's reports (they are not emailed again) and reloads the list and the open report. */
  async function regenerate(): Promise<RunNowResult> {
    const result = await api.regenerateReports(month.value);
    await load(true);
    return result;
  }

  return { month, items, open, loading, load, select, regenerate };
});

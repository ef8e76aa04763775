/**
 * Search-as-you-type for patients: the first keystroke searches at once, keystrokes typed while a search runs become
 * one search for the newest text when it ends (`oneAtATime`, no debounce timer), and a slower older response never
 * overwrites a newer one (each request gets a sequence number; only the latest may write results).
 */
import { ref, watch } from "vue";
import { api, type PatientHit, errorMessage } from "../api";
import { oneAtATime } from "../lib/latest";

export function usePatientSearch() {
  const query = ref("");
  const hits = ref<PatientHit[]>([]);
  const loading = ref(false);
  const error = ref("");
  /** The query the current `hits` answer (for "3 patients match …"). */
  const answered = ref("");
  let seq = 0;

  /** Runs a search now. Returns true if its answer was applied (false if overtaken by a newer one). */
  async function run(q: string): Promise<boolean> {
    const mine = ++seq;
    const term = q.trim();
    if (!term) {
      hits.value = [];
      answered.value = "";
      error.value = "";
      loading.value = false;
      return true;
    }
    loading.value = true;
    // a newer search was started, or the box moved on (its search waits its turn): this answer is not shown, so the
    // screen does not draw results for text no longer typed on the way to the newest answer
    const stale = () => mine !== seq || query.value.trim() !== term;
    try {
      const res = await api.searchPatients(term);
      if (stale()) return false;
      hits.value = res;
      answered.value = term;
      error.value = "";
      return true;
    } catch (e) {
      if (stale()) return false;
      hits.value = [];
      answered.value = term;
      error.value = errorMessage(e);
      return true;
    } finally {
      if (!stale()) loading.value = false;
    }
  }

  const typed = oneAtATime((q: string) => run(q));

  /** Search again for the current text right away (e.g. after registering a patient). */
  function refresh() {
    typed.drop();
    return run(query.value);
  }

  watch(query, (q) => {
    if (!q.trim()) {
      typed.drop();
      void run("");
      return;
    }
    loading.value = true;
    typed.push(q);
  });

  return { query, hits, loading, error, answered, run, refresh };
}

export type PatientSearch = ReturnType<typeof usePatientSearch>;

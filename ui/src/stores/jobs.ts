/** Scheduled jobs: their times (settings), the overview with next/last runs, recent runs and "Run now" (admin only). */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type JobKind, type JobRun, type JobSettings, type JobsOverview, type RunNowResult } from "../api";
import { latestOnly } from "../lib/latest";

export const RECENT_RUNS = 50;

export const useJobsStore = defineStore("jobs", () => {
  const overview = ref<JobsOverview | null>(null);
  const runs = ref<JobRun[]>([]);
  const settings = ref<JobSettings | null>(null);
  const loading = ref(false);
  const latest = latestOnly(loading);

  /** Overview and the last runs together; a slower, older answer never overwrites a newer one. */
  function load() {
    return latest(() => Promise.all([api.jobsOverview(), api.jobRuns(null, RECENT_RUNS)]), ([o, r]) => {
      overview.value = o;
      runs.value = r;
    });
  }

  /** Runs a job now (at most once a minute across PCs) and reloads; resolves to the backend's result. */
  async function runNow(job: JobKind): Promise<RunNowResult> {
    const result = await api.runJobNow(job);
    await load();
    return result;
  }

  async function loadSettings(): Promise<JobSettings> {
    settings.value = await api.getJobSettings();
    return settings.value;
  }

  async function saveSettings(input: JobSettings): Promise<JobSettings> {
    settings.value = await api.updateJobSettings(input);
    return settings.value;
  }

  /** The label of a job kind from the overview ("monthly_report" when it is not known yet). */
  function labelOf(job: string): string {
    return overview.value?.jobs.find((j) => j.job === job)?.label ?? job;
  }

  return { overview, runs, settings, loading, load, runNow, loadSettings, saveSettings, labelOf };
});

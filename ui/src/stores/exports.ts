/**
 * Background CSV exports, keyed by export_id, so leaving the chart does not lose them.
 * The backend reports progress with events; `listen()` subscribes once per app (AppShell calls it).
 *
 * A fast export can emit its events before the `exportPatientHistory` call has returned its id, so events for
 * unknown ids are held briefly *while a start is in flight* and replayed when the id is registered. Events for
 * ids nobody started are otherwise ignored.
 */
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { api, localSentence, type ExportFinished, type ExportProgress, type ExportStarted, type UnlistenFn } from "../api";
import { clinicToday } from "../lib/clinicToday";
import { t } from "../i18n";
import { formatDate } from "../i18n/format";

export type ExportState = "running" | "done" | "failed" | "cancelled";
export type ExportKind = "patient" | "visits" | "no_shows";

export interface ExportJob {
  id: number;
  kind: ExportKind;
  /** Patient exports: whose history (the chart shows only its own). */
  patientId: number | null;
  label: string;
  path: string;
  status: ExportState;
  rows: number;
  bytes: number;
  message: string;
  cancelling: boolean;
}

type FinishedListener = (job: ExportJob) => void;

export const useExportsStore = defineStore("exports", () => {
  const jobs = ref<Record<number, ExportJob>>({});
  const list = computed(() => Object.values(jobs.value).sort((a, b) => b.id - a.id));
  const running = computed(() => list.value.filter((j) => j.status === "running"));

  let unlisten: UnlistenFn[] = [];
  let listening: Promise<void> | null = null;
  let startsInFlight = 0;
  const early = new Map<number, (ExportProgress | ExportFinished)[]>();
  const finishedListeners = new Set<FinishedListener>();

  /** Subscribe to the backend events (idempotent). */
  function listen(): Promise<void> {
    if (!listening) {
      listening = Promise.all([api.onExportProgress(onProgress), api.onExportFinished(onFinished)])
        .then((fns) => { unlisten = fns; })
        .catch((e) => { listening = null; throw e; });
    }
    return listening;
  }

  function stopListening() {
    unlisten.forEach((u) => u());
    unlisten = [];
    listening = null;
  }

  /** Called for each finished export (toasts live in the shell, which has the ToastService). */
  function onJobFinished(cb: FinishedListener): () => void {
    finishedListeners.add(cb);
    return () => finishedListeners.delete(cb);
  }

  function hold(e: ExportProgress | ExportFinished): boolean {
    if (startsInFlight <= 0) return false;
    const q = early.get(e.export_id) ?? [];
    if (q.length < 50) q.push(e);
    early.set(e.export_id, q);
    return true;
  }

  function onProgress(e: ExportProgress) {
    const job = jobs.value[e.export_id];
    if (!job) {
      hold(e);
      return;
    }
    if (job.status !== "running") return;
    job.rows = Math.max(job.rows, e.rows);
  }

  function onFinished(e: ExportFinished) {
    const job = jobs.value[e.export_id];
    if (!job) {
      hold(e);
      return;
    }
    if (job.status !== "running") return;
    job.status = e.status;
    job.rows = e.rows;
    job.bytes = e.bytes;
    if (e.path) job.path = e.path;
    job.message = localSentence(e.code, e.params, e.message);
    job.cancelling = false;
    for (const cb of finishedListeners) cb(job);
  }

  function register(started: ExportStarted, kind: ExportKind, patientId: number | null, label: string): ExportJob {
    jobs.value[started.export_id] = {
      id: started.export_id, kind, patientId, label, path: started.path, status: "running",
      rows: 0, bytes: 0, message: "", cancelling: false,
    };
    const held = early.get(started.export_id);
    early.delete(started.export_id);
    held?.forEach((e) => ("status" in e ? onFinished(e) : onProgress(e)));
    return jobs.value[started.export_id];
  }

  async function run(start: () => Promise<ExportStarted>, kind: ExportKind, patientId: number | null, label: string) {
    await listen().catch(() => undefined); // without events the job simply stays "running"; the call still works
    startsInFlight++;
    try {
      const started = await start();
      return register(started, kind, patientId, label);
    } finally {
      startsInFlight--;
      if (startsInFlight === 0) early.clear();
    }
  }

  /**
   * Export one patient's history. The path is the configured export directory's (kiosks, tests) or the user's
   * choice in the save dialog; null when the user cancels the dialog (nothing started). Throws ApiError.
   */
  async function exportPatient(patientId: number, mrn: string, bom: boolean, patientName = mrn): Promise<ExportJob | null> {
    const path = (await api.exportDefaultPath(patientId)) ?? (await api.saveDialog(`history-${mrn}-${clinicToday()}.csv`));
    if (!path) return null;
    return run(() => api.exportPatientHistory(patientId, path, bom), "patient", patientId, t("exports.label.patient", { name: patientName }));
  }

  /** Admin bulk export of all visits between two dates (save dialog). Null when the dialog is cancelled. */
  async function exportVisits(from: string, to: string, bom: boolean): Promise<ExportJob | null> {
    const path = await api.saveDialog(`visits-${from}-to-${to}.csv`);
    if (!path) return null;
    return run(() => api.exportVisits(from, to, path, bom), "visits", null, t("exports.label.visits", { from: formatDate(from), to: formatDate(to) }));
  }

  /** The DNA (no-show) report of a period as CSV (save dialog), one doctor or all. Null when the dialog is cancelled. */
  async function exportNoShows(from: string, to: string, doctorId: number | null, bom: boolean): Promise<ExportJob | null> {
    const path = await api.saveDialog(`no-shows-${from}-to-${to}.csv`);
    if (!path) return null;
    return run(() => api.exportNoShows(from, to, doctorId, path, bom), "no_shows", null, t("exports.label.no_shows", { from: formatDate(from), to: formatDate(to) }));
  }

  /** Ask the backend to stop; the final state arrives with the "export-finished" event. */
  async function cancel(id: number) {
    const job = jobs.value[id];
    if (!job || job.status !== "running") return;
    job.cancelling = true;
    try {
      await api.cancelExport(id);
    } catch (e) {
      job.cancelling = false;
      throw e;
    }
  }

  function dismiss(id: number) {
    if (jobs.value[id]?.status !== "running") delete jobs.value[id];
  }

  function runningFor(patientId: number): ExportJob | null {
    return running.value.find((j) => j.kind === "patient" && j.patientId === patientId) ?? null;
  }

  /** Shows a finished export's file in the system file manager. */
  async function reveal(path: string) {
    await api.revealInFolder(path);
  }

  function reset() {
    stopListening();
    jobs.value = {};
    early.clear();
    startsInFlight = 0;
  }

  return {
    jobs, list, running, listen, stopListening, onJobFinished, onProgress, onFinished, register,
    exportPatient, exportVisits, exportNoShows, cancel, dismiss, runningFor, reveal, reset,
  };
});

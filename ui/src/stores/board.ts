/** Today's front-desk board: one column per doctor. */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type Appointment, type NoShowReport, type TodayBoard } from "../api";
import { latestOnly } from "../lib/latest";

export const useBoardStore = defineStore("board", () => {
  const board = ref<TodayBoard | null>(null);
  const loading = ref(false);
  const latest = latestOnly(loading);

  /** Today's board; a slower, older answer never overwrites a newer one. */
  function load() {
    return latest(() => api.todayBoard(null), (b) => { board.value = b; });
  }

  /** Another day's board (print sheet, dashboard drill-down); the shown board stays as it is. */
  function dayBoard(date: string): Promise<TodayBoard> {
    return api.todayBoard(date);
  }

  /** A walk-in of an appointment type (null: the doctor's default). */
  function walkIn(patientId: number, doctorId: number, overbook: boolean, typeId: number | null = null): Promise<Appointment> {
    return api.walkIn(patientId, doctorId, typeId, overbook);
  }

  /** The doctor's "call next": the first patient who arrived goes in; the board reloads (unless another page asks). */
  async function callNext(doctorId: number, reload = true): Promise<Appointment> {
    const a = await api.callNext(doctorId);
    if (reload) await load();
    return a;
  }

  /** The DNA (no-show) report of a period (a doctor gets their own). */
  function noShows(from: string, to: string, doctorId: number | null): Promise<NoShowReport> {
    return api.noShowReport(from, to, doctorId);
  }

  return { board, loading, load, dayBoard, walkIn, callNext, noShows };
});

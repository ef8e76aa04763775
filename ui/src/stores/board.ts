/** Today's front-desk board: one column per doctor. */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type TodayBoard } from "../api";
import { latestOnly } from "../lib/latest";

export const useBoardStore = defineStore("board", () => {
  const board = ref<TodayBoard | null>(null);
  const loading = ref(false);
  const latest = latestOnly(loading);

  /** Today's board; a slower, older answer never overwrites a newer one. */
  function load() {
    return latest(() => api.todayBoard(null), (b) => { board.value = b; });
  }

  return { board, loading, load };
});

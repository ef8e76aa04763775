/** Today's front-desk board: one column per doctor. */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type TodayBoard } from "../api";

export const useBoardStore = defineStore("board", () => {
  const board = ref<TodayBoard | null>(null);
  const loading = ref(false);
  let seq = 0;

  async function load() {
    const mine = ++seq;
    loading.value = true;
    try {
      const b = await api.todayBoard(null);
      if (mine === seq) board.value = b;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  return { board, loading, load };
});

/** Follow-ups due within 7 days or overdue (reception / admin). */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type Recall } from "../api";

export const useRecallsStore = defineStore("recalls", () => {
  const items = ref<Recall[]>([]);
  const loading = ref(false);
  /** True once the first load has finished (so "No follow-ups due" never flashes before it). */
  const loaded = ref(false);

  async function load() {
    loading.value = true;
    try {
      items.value = await api.recallList();
    } finally {
      loading.value = false;
      loaded.value = true;
    }
  }

  return { items, loading, loaded, load };
});

import { onBeforeUnmount, onMounted } from "vue";

/** Calls `load` when the component mounts and every `ms` while it stays mounted. */
export function useAutoRefresh(load: () => unknown, ms: number) {
  let timer: ReturnType<typeof setInterval> | null = null;
  onMounted(() => {
    void load();
    timer = setInterval(() => void load(), ms);
  });
  onBeforeUnmount(() => {
    if (timer) clearInterval(timer);
  });
}

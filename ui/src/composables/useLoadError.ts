import { ref } from "vue";
import { errorMessage } from "../api";

/** A page's load error: `capture(task)` runs the task, clears the error when it succeeds and shows its message when it fails. */
export function useLoadError() {
  const error = ref("");
  async function capture(task: () => Promise<unknown>): Promise<void> {
    try {
      await task();
      error.value = "";
    } catch (e) {
      error.value = errorMessage(e);
    }
  }
  return { error, capture };
}

/**
 * Connection faults: when a command finds the database unreachable, the app shows "reconnecting…" and probes
 * with backoff (0.5 s doubling to 10 s) until the database answers again; no restart needed.
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, onUnavailable } from "../api";

export function backoffMs(attempt: number): number {
  return Math.min(500 * 2 ** Math.min(attempt, 5), 10_000);
}

export const useConnectionStore = defineStore("connection", () => {
  const reconnecting = ref(false);
  const attempts = ref(0);
  /** Set each time the connection came back after an outage (the banner shows a short "connected again" note). */
  const recoveredAt = ref<Date | null>(null);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopListening: (() => void) | null = null;

  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void probe(), backoffMs(attempts.value));
  }

  async function probe() {
    timer = null;
    try {
      await api.databasePing();
      reconnecting.value = false;
      attempts.value = 0;
      recoveredAt.value = new Date();
    } catch {
      attempts.value += 1;
      schedule();
    }
  }

  let checking = false;

  /**
   * A command said the database is unreachable. Check once at once (an `Unavailable` can also be a full disk or a
   * backup tool's failure, with the database fine); only if that check fails show "reconnecting…" and probe with
   * backoff. However many commands fail, one probe loop runs.
   */
  async function lost() {
    if (reconnecting.value || checking) return;
    checking = true;
    try {
      // the built-in server was down and is running again: say so (what failed has to be repeated)
      if (await api.databasePing()) recoveredAt.value = new Date();
    } catch {
      reconnecting.value = true;
      attempts.value = 0;
      schedule();
    } finally {
      checking = false;
    }
  }

  /** Listens for failed commands; call once from the app's root. */
  function watch() {
    stopListening ??= onUnavailable(() => void lost());
  }

  function stop() {
    stopListening?.();
    stopListening = null;
    if (timer) clearTimeout(timer);
    timer = null;
  }

  return { reconnecting, attempts, recoveredAt, lost, probe, watch, stop };
});

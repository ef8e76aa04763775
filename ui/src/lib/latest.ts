import type { Ref } from "vue";

/**
 * For a store's reload: `run(fetch, apply)` sets `loading`, and only the newest call's answer is applied (a slower,
 * older answer never overwrites a newer one); `loading` ends with the newest call.
 */
export function latestOnly(loading: Ref<boolean>) {
  let seq = 0;
  return async function run<T>(fetch: () => Promise<T>, apply: (value: T) => void): Promise<void> {
    const mine = ++seq;
    loading.value = true;
    try {
      const value = await fetch();
      if (mine === seq) apply(value);
    } finally {
      if (mine === seq) loading.value = false;
    }
  };
}

/**
 * For search-as-you-type: `push(value)` runs `task(value)` at once when no call is running; a value pushed while one
 * runs waits for it, and only the newest such value runs next (the ones typed in between are skipped). No timer:
 * a keystroke's answer waits at most for the one call already on its way, instead of a fixed debounce.
 */
export function oneAtATime<T>(task: (value: T) => Promise<unknown>) {
  let running = false;
  let next: { value: T } | null = null;
  async function start(value: T): Promise<void> {
    running = true;
    try {
      await task(value);
    } finally {
      running = false;
      const queued = next;
      next = null;
      if (queued) void start(queued.value);
    }
  }
  return {
    push(value: T) {
      if (running) next = { value };
      else void start(value);
    },
    /** Forgets a value waiting its turn (the running call still ends; its caller decides whether to use it). */
    drop() {
      next = null;
    },
  };
}

/** Signs the desk out after N minutes without keyboard/mouse/touch activity. */
import { getCurrentScope, onScopeDispose, toValue, watch, type MaybeRefOrGetter } from "vue";

export interface IdleClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const ACTIVITY_EVENTS = ["keydown", "mousedown", "pointermove", "wheel", "touchstart"] as const;

const browserClock: IdleClock = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function useIdleLock(
  minutes: MaybeRefOrGetter<number>,
  onLock: () => void,
  clock: IdleClock = browserClock,
  target: EventTarget = window,
) {
  let handle: unknown = null;
  let stopped = false;

  function clear() {
    if (handle !== null) {
      clock.clearTimeout(handle);
      handle = null;
    }
  }

  function reset() {
    if (stopped) return;
    clear();
    const m = Number(toValue(minutes));
    if (!Number.isFinite(m) || m <= 0) return; // disabled
    handle = clock.setTimeout(() => {
      handle = null;
      if (!stopped) onLock();
    }, m * 60_000);
  }

  const listener = () => reset();
  for (const ev of ACTIVITY_EVENTS) target.addEventListener(ev, listener, { passive: true });

  const stopWatch = watch(() => toValue(minutes), reset);

  function stop() {
    stopped = true;
    clear();
    stopWatch();
    for (const ev of ACTIVITY_EVENTS) target.removeEventListener(ev, listener);
  }

  if (getCurrentScope()) onScopeDispose(stop);
  reset();

  return { reset, stop };
}

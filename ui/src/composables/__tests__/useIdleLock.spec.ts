import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h, nextTick, ref } from "vue";
import { mount } from "@vue/test-utils";
import { useIdleLock, type IdleClock } from "../useIdleLock";

const MIN = 60_000;

function mountWith(minutes: number | ReturnType<typeof ref<number>>, onLock: () => void, clock?: IdleClock) {
  const Comp = defineComponent({
    setup() {
      useIdleLock(minutes as never, onLock, clock);
      return () => h("div");
    },
  });
  return mount(Comp);
}

describe("useIdleLock", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("locks after N idle minutes, not before", () => {
    const onLock = vi.fn();
    const w = mountWith(5, onLock);
    vi.advanceTimersByTime(5 * MIN - 1);
    expect(onLock).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onLock).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(30 * MIN);
    expect(onLock).toHaveBeenCalledTimes(1); // one-shot until activity
    w.unmount();
  });

  it.each(["keydown", "mousedown", "pointermove", "wheel", "touchstart"])("%s resets the countdown", (type) => {
    const onLock = vi.fn();
    const w = mountWith(5, onLock);
    vi.advanceTimersByTime(4 * MIN);
    window.dispatchEvent(new Event(type));
    vi.advanceTimersByTime(4 * MIN);
    expect(onLock).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1 * MIN);
    expect(onLock).toHaveBeenCalledTimes(1);
    w.unmount();
  });

  it("stops on unmount: no lock and activity no longer re-arms", () => {
    const onLock = vi.fn();
    const w = mountWith(1, onLock);
    vi.advanceTimersByTime(30_000);
    w.unmount();
    vi.advanceTimersByTime(10 * MIN);
    window.dispatchEvent(new Event("keydown"));
    vi.advanceTimersByTime(10 * MIN);
    expect(onLock).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("follows a reactive minutes value and treats 0 as disabled", async () => {
    const onLock = vi.fn();
    const minutes = ref(0);
    const w = mountWith(minutes, onLock);
    vi.advanceTimersByTime(60 * MIN);
    expect(onLock).not.toHaveBeenCalled();
    minutes.value = 2;
    await nextTick();
    vi.advanceTimersByTime(2 * MIN);
    expect(onLock).toHaveBeenCalledTimes(1);
    w.unmount();
  });

  it("uses the injected clock", () => {
    const pending = new Map<number, { fn: () => void; ms: number }>();
    let next = 1;
    const clock: IdleClock = {
      setTimeout: (fn, ms) => {
        pending.set(next, { fn, ms });
        return next++;
      },
      clearTimeout: (h) => void pending.delete(h as number),
    };
    const onLock = vi.fn();
    const w = mountWith(3, onLock, clock);
    expect([...pending.values()].map((p) => p.ms)).toEqual([3 * MIN]);
    window.dispatchEvent(new Event("mousedown"));
    expect(pending.size).toBe(1); // old timer cleared, new one armed
    window.dispatchEvent(new Event("keydown"));
    expect(pending.size).toBe(1);
    const [id, timer] = [...pending.entries()][0];
    pending.delete(id);
    timer.fn(); // time's up
    expect(onLock).toHaveBeenCalledTimes(1);
    window.dispatchEvent(new Event("keydown")); // re-arms after a lock
    expect(pending.size).toBe(1);
    w.unmount();
    expect(pending.size).toBe(0); // unmount cleared the armed timer
  });
});

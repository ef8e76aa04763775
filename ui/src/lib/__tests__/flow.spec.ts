import { describe, expect, it } from "vitest";
import { averageLabel, flowLabel, liveWaitMinutes, overAlert } from "../flow";

const at = (hm: string) => Date.parse(`2026-03-29T${hm}:00Z`);

describe("flow board arithmetic", () => {
  it("counts whole minutes from arrival while waiting, live", () => {
    const card = { state: "arrived" as const, checked_in_at: "2026-03-29T09:00:30Z", called_at: null, wait_minutes: 0 };
    expect(liveWaitMinutes(card, at("09:13"))).toBe(12);
    expect(liveWaitMinutes(card, at("09:21") + 30_000)).toBe(21);
    // a clock a little behind the stamp never shows a negative wait
    expect(liveWaitMinutes(card, at("09:00"))).toBe(0);
  });

  it("keeps the wait until the call once called, and none before arrival", () => {
    const called = { state: "with_doctor" as const, checked_in_at: "2026-03-29T09:00:00Z", called_at: "2026-03-29T09:25:00Z", wait_minutes: 25 };
    expect(liveWaitMinutes(called, at("11:00"))).toBe(25);
    expect(liveWaitMinutes({ state: "booked", checked_in_at: null, called_at: null, wait_minutes: null }, at("11:00"))).toBeNull();
  });

  it("flags only waiting patients over the threshold", () => {
    expect(overAlert({ state: "arrived" }, 21, 20)).toBe(true);
    expect(overAlert({ state: "arrived" }, 20, 20)).toBe(false);
    expect(overAlert({ state: "with_doctor" }, 45, 20)).toBe(false);
    expect(overAlert({ state: "arrived" }, null, 20)).toBe(false);
  });

  it("words the state and the average", () => {
    expect(flowLabel("arrived", 12)).toBe("Arrived · waiting 12 min");
    expect(flowLabel("with_doctor", 9)).toBe("With doctor · waited 9 min");
    expect(flowLabel("booked", null)).toBe("Booked");
    expect(flowLabel("closed", null)).toBe("");
    expect(averageLabel(null)).toBe("No waits yet");
    expect(averageLabel(13)).toBe("Average wait 13 min");
  });
});

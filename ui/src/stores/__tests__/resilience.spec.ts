import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createPinia, setActivePinia } from "pinia";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "databasePing", "freeSlots", "bookAppointment", "backupStatus", "updateBackupSettings", "backupNow",
  ], { doctorAppointmentTypes: vi.fn().mockResolvedValue([]) }));

import { api, ApiError, type BackupStatus, type Slot } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { backoffMs, useConnectionStore } from "../connection";
import { useBookingStore } from "../booking";
import { formatBytes, useBackupsStore } from "../backups";

const m = apiMocks(api);

describe("connection store (reconnecting…)", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("backs off from half a second to at most ten", () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(backoffMs)).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it("probes with backoff until the database answers, then clears the banner", async () => {
    const c = useConnectionStore();
    m.databasePing
      .mockRejectedValueOnce(new ApiError("Unavailable", "down")) // the immediate check
      .mockRejectedValueOnce(new ApiError("Unavailable", "down"))
      .mockRejectedValueOnce(new ApiError("Unavailable", "down"))
      .mockResolvedValueOnce(false);
    await Promise.all([c.lost(), c.lost()]); // several failing commands start one probe loop
    expect(m.databasePing).toHaveBeenCalledTimes(1);
    expect(c.reconnecting).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(m.databasePing).toHaveBeenCalledTimes(2);
    expect(c.attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(m.databasePing).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.databasePing).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(2000);
    expect(m.databasePing).toHaveBeenCalledTimes(4);
    expect(c.reconnecting).toBe(false);
    expect(c.recoveredAt).not.toBeNull();
  });

  it("shows no banner when the database answers at once (an Unavailable that was not the connection)", async () => {
    const c = useConnectionStore();
    m.databasePing.mockResolvedValue(false);
    await c.lost();
    expect(c.reconnecting).toBe(false);
    expect(c.recoveredAt).toBeNull();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(m.databasePing).toHaveBeenCalledTimes(1);
  });

  it("says the connection is back when the check had to restart the built-in server", async () => {
    const c = useConnectionStore();
    m.databasePing.mockResolvedValue(true);
    await c.lost();
    expect(c.reconnecting).toBe(false);
    expect(c.recoveredAt).not.toBeNull();
  });
});

describe("booking retries reuse the idempotency key", () => {
  const slot: Slot = {
    doctor_id: 4, starts_at: "2026-12-03T10:00:00Z", ends_at: "2026-12-03T10:15:00Z", date: "2026-12-03", time: "10:00", end_time: "10:15",
  };
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
    m.freeSlots.mockResolvedValue([{ date: "2026-12-03", label: "Thu 3 Dec", slots: [slot] }]);
  });

  it("sends the same key when the same booking is retried, a new one for a different booking", async () => {
    const b = useBookingStore();
    await b.setDoctor(4);
    b.pick(slot);
    m.bookAppointment.mockRejectedValueOnce(new ApiError("Unavailable", "The database cannot be reached right now: nothing was changed."));
    expect(await b.confirm(9)).toBeNull();
    expect(b.error).toContain("nothing was changed");
    m.bookAppointment.mockResolvedValueOnce({ id: 77 });
    expect(await b.confirm(9)).toEqual({ id: 77 });
    const [first, second] = m.bookAppointment.mock.calls.map((c) => c[1]);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toBe(first);

    b.pick(slot);
    m.bookAppointment.mockResolvedValueOnce({ id: 78 });
    await b.confirm(10);
    expect(m.bookAppointment.mock.calls[2][1]).not.toBe(first);
  });
});

describe("backups store", () => {
  const status = (over: Partial<BackupStatus> = {}): BackupStatus => ({
    settings: { enabled: true, run_at: "02:00:00", folder: null, keep: 14 },
    folder: "/var/lib/clinicdesk/backups",
    last: null,
    stale: true,
    recent: [],
    ...over,
  });
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
  });

  it("reloads the status after a backup, also when it failed", async () => {
    const s = useBackupsStore();
    m.backupStatus.mockResolvedValue(status());
    m.backupNow.mockRejectedValueOnce(new ApiError("Validation", "The folder /x does not exist.", "folder"));
    await expect(s.backUpNow()).rejects.toThrow("does not exist");
    expect(m.backupStatus).toHaveBeenCalledTimes(1);
    expect(s.running).toBe(false);
    m.backupNow.mockResolvedValueOnce({ path: "/b/clinicdesk-1.dump", bytes: 2048, kept: 1, pruned: 0 });
    m.backupStatus.mockResolvedValue(status({ stale: false }));
    await s.backUpNow();
    expect(s.status?.stale).toBe(false);
  });

  it("formats sizes", () => {
    expect(formatBytes(12)).toBe("12 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MB");
  });
});

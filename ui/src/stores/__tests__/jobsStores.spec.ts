import { beforeEach, describe, expect, it, vi } from "vitest";
import { createPinia, setActivePinia } from "pinia";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "listReports", "getReport", "regenerateReports", "listOutbox", "outboxCounts", "sendTestMessage", "jobsOverview", "jobRuns",
  ]));

import { api, type ChannelSettingsInput, type ReportSummary } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { useReportsStore } from "../reports";
import { useOutboxStore } from "../outbox";
import { useChannelsStore } from "../channels";
import { useJobsStore } from "../jobs";

const m = apiMocks(api);
const report = (id: number, doctor_id: number | null, title: string): ReportSummary =>
  ({ id, month: "2026-10-01", doctor_id, title, generated_at: "2026-11-01T06:00:00Z", host: "DESK-1" });

beforeEach(() => {
  setActivePinia(createPinia());
  vi.clearAllMocks();
});

describe("reports store", () => {
  it("lists the clinic summary first, keeps the open report across reloads and drops it when the month has none", async () => {
    m.listReports.mockResolvedValue([report(3, 9, "Dr Zed"), report(2, 4, "Dr Abe"), report(1, null, "Clinic summary")]);
    m.getReport.mockImplementation(async (id: number) => ({ id, title: `R${id}`, html: `<p>${id}</p>` }));
    const s = useReportsStore();
    await s.load();
    expect(s.items.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(s.open?.id).toBe(1);
    await s.select(3);
    await s.load();
    expect(s.open?.id).toBe(3);
    expect(m.getReport).toHaveBeenCalledTimes(2);
    m.listReports.mockResolvedValue([]);
    s.month = "2026-09-01";
    await s.load();
    expect(m.listReports).toHaveBeenLastCalledWith("2026-09-01");
    expect(s.open).toBeNull();
  });

  it("regenerates the chosen month and fetches the open report again", async () => {
    m.listReports.mockResolvedValue([report(1, null, "Clinic summary")]);
    m.getReport.mockResolvedValue({ id: 1, title: "R1", html: "<p>new</p>" });
    m.regenerateReports.mockResolvedValue({ ran: true, message: "Rebuilt.", run: null });
    const s = useReportsStore();
    s.month = "2026-08-01";
    await s.load();
    await expect(s.regenerate()).resolves.toMatchObject({ message: "Rebuilt." });
    expect(m.regenerateReports).toHaveBeenCalledWith("2026-08-01");
    expect(m.getReport).toHaveBeenCalledTimes(2);
  });
});

describe("outbox store", () => {
  it("drops an older answer that arrives after a newer one", async () => {
    let resolveFirst!: (v: unknown) => void;
    m.listOutbox.mockImplementationOnce(() => new Promise((r) => { resolveFirst = r; }));
    m.listOutbox.mockResolvedValueOnce([{ id: 2 }]);
    m.outboxCounts.mockResolvedValue({ pending: 0, sending: 0, sent: 0, failed: 0, cancelled: 0 });
    const s = useOutboxStore();
    const first = s.load();
    s.filter.status = "failed";
    await s.load();
    resolveFirst([{ id: 1 }]);
    await first;
    expect(s.items.map((i) => i.id)).toEqual([2]);
    expect(m.listOutbox).toHaveBeenLastCalledWith(expect.objectContaining({ status: "failed" }));
  });
});

describe("channels and jobs stores", () => {
  it("sends no recipient for chat tests and a trimmed one otherwise", async () => {
    m.sendTestMessage.mockResolvedValue("ok");
    const s = useChannelsStore();
    const input = {} as ChannelSettingsInput;
    await s.sendTest("chat", input, "ignored");
    expect(m.sendTestMessage).toHaveBeenLastCalledWith("chat", input, "");
    await s.sendTest("sms", input, " +44 7700 900123 ");
    expect(m.sendTestMessage).toHaveBeenLastCalledWith("sms", input, "+44 7700 900123");
  });

  it("labels runs by the overview's job labels", async () => {
    m.jobsOverview.mockResolvedValue({ runner: null, runner_active: false, jobs: [{ job: "weekly_cleanup", label: "Weekly cleanup" }] });
    m.jobRuns.mockResolvedValue([]);
    const s = useJobsStore();
    await s.load();
    expect(s.labelOf("weekly_cleanup")).toBe("Weekly cleanup");
    expect(s.labelOf("something_else")).toBe("something_else");
  });
});

describe("backup sizes", () => {
  it("reads bytes in the largest unit with the clinic language's decimal mark", async () => {
    const { formatBytes } = await import("../backups");
    const { applyLocale, DEFAULT_LOCALE } = await import("../../i18n/format");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(1023.96 * 1024)).toBe("1024.0 KB");
    applyLocale({ language: "es" });
    expect(formatBytes(1536 * 1024)).toBe("1,5 MB");
    applyLocale(DEFAULT_LOCALE);
  });
});

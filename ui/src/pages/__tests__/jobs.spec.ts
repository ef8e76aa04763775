import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";
import { defineComponent, h } from "vue";
import Toast from "primevue/toast";
import Select from "primevue/select";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "jobsOverview", "jobRuns", "runJobNow", "listOutbox", "outboxCounts", "retryNotification", "cancelNotification",
    "dispatchNow", "listReports", "getReport", "regenerateReports",
  ]));

import { api, type JobRun, type JobsOverview, type OutboxItem, type StaffRole } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import { useSessionStore } from "../../stores/session";
import { previousMonth } from "../../lib/jobs";
import { todayIn } from "../../lib/dates";
import JobsPage from "../JobsPage.vue";
import OutboxPage from "../OutboxPage.vue";
import ReportsPage from "../ReportsPage.vue";

const m = apiMocks(api);
const tid = (id: string) => `[data-testid="${id}"]`;

/** The page plus a Toast outlet (as App.vue has), so toasts can be read from the document. */
const withToast = (page: object) => defineComponent({ render: () => [h(page), h(Toast)] });
const mountPage = (page: object, role: StaffRole = "admin") =>
  mountWithRouter(withToast(page), {
    routes: [{ path: "/", name: "home" }],
    beforeMount: () => {
      useSessionStore().session = { username: role, full_name: `The ${role}`, role, clinic_name: "Sunrise", idle_lock_minutes: 10 };
    },
  });

const run = (id: number, extra: Partial<JobRun> = {}): JobRun => ({
  id, job: "reminders_daily", period: "2026-11-27", host: "DESK-1", trigger: "schedule", started_at: "2026-11-27T08:00:00Z",
  finished_at: "2026-11-27T08:00:05Z", outcome: "ok", counts: { queued: 12, skipped_no_contact: 1 }, error: null, attempts: 1, ...extra,
});
const overview = (extra: Partial<JobsOverview> = {}): JobsOverview => ({
  runner: "This computer runs the jobs: it holds the clinic's database.", runner_active: true,
  jobs: [
    { job: "reminders_daily", label: "Today's reminders", schedule: "Daily at 08:00", next_run_at: "2026-11-28T08:00:00Z",
      next_run_local: "Sat 28 Nov 08:00", last_run: run(7) },
    { job: "monthly_report", label: "Monthly doctor reports", schedule: "1st of the month at 06:00, for the month before", next_run_at: null,
      next_run_local: null, last_run: run(6, { job: "monthly_report", outcome: "failed", error: "SMTP server unreachable", counts: {} }) },
  ],
  ...extra,
});

describe("JobsPage", () => {
  beforeEach(() => vi.clearAllMocks());
  afterEach(() => vi.useRealTimers());

  it("lists jobs with next and last run, warns when no computer runs them, and has no serious axe findings", async () => {
    const none = "This computer does not run the jobs. Run `clinicctl agent` on the clinic server, or keep an administrator signed in on one computer.";
    m.jobsOverview.mockResolvedValue(overview({ runner: none, runner_active: false }));
    m.jobRuns.mockResolvedValue([run(7), run(6, { job: "monthly_report", outcome: null, finished_at: null })]);
    const { w } = await mountPage(JobsPage);
    expect(m.jobRuns).toHaveBeenCalledWith(null, 50);
    const daily = w.find(tid("job-row-reminders_daily"));
    expect(daily.text()).toContain("Daily at 08:00");
    expect(daily.text()).toContain("28/11/2026 08:00"); // next run, from next_run_at in the clinic's format
    expect(daily.text()).toContain("Today's reminders");
    expect(daily.text()).toContain("queued 12 · skipped no contact 1");
    expect(daily.text()).toContain("DESK-1");
    expect(w.find(tid("job-row-monthly_report")).text()).toContain("SMTP server unreachable");
    const banner = w.find(tid("jobs-runner"));
    expect(banner.text()).toContain(none);
    expect(banner.find('[role="status"]').attributes("data-p")).toBe("warn");
    expect(w.find(tid("run-row-6")).text()).toContain("Monthly doctor reports");
    expect(w.find(tid("job-row-monthly_report")).text()).toContain("1st of the month at 06:00, for the month before");
    expect(w.find(tid("run-row-6")).text()).toContain("Running");
    expect(await seriousAxeFindings(w.element.parentElement!)).toEqual([]);
    w.unmount();
  });

  it("runs a job now, says what came of it in a toast and refreshes", async () => {
    m.jobsOverview.mockResolvedValue(overview());
    m.jobRuns.mockResolvedValue([]);
    m.runJobNow.mockResolvedValue({ ran: false, message: "Monthly doctor reports already ran this minute (here or on another computer).", run: null });
    const { w } = await mountPage(JobsPage);
    const btn = w.find(tid("job-run-monthly_report"));
    expect(btn.attributes("aria-label")).toBe("Run now: Monthly doctor reports");
    await btn.trigger("click");
    await flushPromises();
    expect(m.runJobNow).toHaveBeenCalledWith("monthly_report");
    expect(m.jobsOverview).toHaveBeenCalledTimes(2);
    expect(document.body.textContent).toContain("Monthly doctor reports already ran this minute (here or on another computer).");
    w.unmount();
  });

  it("refreshes every 30 seconds while open, and stops when closed", async () => {
    vi.useFakeTimers();
    m.jobsOverview.mockResolvedValue(overview());
    m.jobRuns.mockResolvedValue([]);
    const { w } = await mountPage(JobsPage);
    expect(m.jobsOverview).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(m.jobsOverview).toHaveBeenCalledTimes(2);
    w.unmount();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(m.jobsOverview).toHaveBeenCalledTimes(2);
  });
});

const item = (id: number, status: OutboxItem["status"], extra: Partial<OutboxItem> = {}): OutboxItem => ({
  id, kind: "reminder", channel: "email", recipient: `pat${id}@example.org`, subject: "Your appointment tomorrow", status,
  attempts: status === "failed" ? 3 : 0, next_attempt_at: "2026-11-27T09:00:00Z", last_error: status === "failed" ? "Mailbox full" : null,
  created_at: "2026-11-26T18:00:00Z", sent_at: null, ...extra,
});

describe("OutboxPage", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    m.outboxCounts.mockResolvedValue({ pending: 4, sending: 0, sent: 120, failed: 2, cancelled: 1 });
  });

  it("shows counts and rows with the actions each status allows, labelled with the recipient", async () => {
    m.listOutbox.mockResolvedValue([item(1, "pending"), item(2, "failed"), item(3, "cancelled"), item(4, "sent", { sent_at: "2026-11-27T08:00:00Z" })]);
    const { w } = await mountPage(OutboxPage);
    expect(m.listOutbox).toHaveBeenCalledWith({ status: null, channel: null, from: null, to: null, limit: 200 });
    expect(w.find(tid("outbox-count-sent")).text()).toBe("120 Sent");
    expect(w.find(tid("outbox-count-failed")).text()).toBe("2 Failed");
    expect(w.find(tid("outbox-row-2")).text()).toContain("Mailbox full");
    expect(w.find(tid("outbox-row-2")).text()).toContain("Failed");
    expect(w.find(tid("outbox-retry-1")).exists()).toBe(false);
    expect(w.find(tid("outbox-cancel-1")).exists()).toBe(true);
    expect(w.find(tid("outbox-retry-2")).attributes("aria-label")).toBe("Retry the message to pat2@example.org");
    expect(w.find(tid("outbox-cancel-2")).attributes("aria-label")).toBe("Cancel the message to pat2@example.org");
    expect(w.find(tid("outbox-retry-3")).exists()).toBe(true);
    expect(w.find(tid("outbox-cancel-3")).exists()).toBe(false);
    expect(w.find(tid("outbox-retry-4")).exists() || w.find(tid("outbox-cancel-4")).exists()).toBe(false);
    expect(await seriousAxeFindings(w.element.parentElement!)).toEqual([]);
    w.unmount();
  });

  it("retry and cancel call their command with the row's id and reload list and counts", async () => {
    m.listOutbox.mockResolvedValue([item(2, "failed")]);
    m.retryNotification.mockResolvedValue(item(2, "pending"));
    m.cancelNotification.mockResolvedValue(item(2, "cancelled"));
    const { w } = await mountPage(OutboxPage);
    await w.find(tid("outbox-retry-2")).trigger("click");
    await flushPromises();
    expect(m.retryNotification).toHaveBeenCalledWith(2);
    expect(m.cancelNotification).not.toHaveBeenCalled();
    expect(m.listOutbox).toHaveBeenCalledTimes(2);
    expect(m.outboxCounts).toHaveBeenCalledTimes(2);
    await w.find(tid("outbox-cancel-2")).trigger("click");
    await flushPromises();
    expect(m.cancelNotification).toHaveBeenCalledWith(2);
    expect(m.listOutbox).toHaveBeenCalledTimes(3);
    w.unmount();
  });

  it("after a retry, keyboard focus moves to what the row offers now (its Cancel button)", async () => {
    m.listOutbox.mockResolvedValueOnce([item(2, "failed")]).mockResolvedValue([item(2, "pending")]);
    m.retryNotification.mockResolvedValue(item(2, "pending"));
    const { w } = await mountPage(OutboxPage);
    const retry = w.find(tid("outbox-retry-2"));
    (retry.element as HTMLElement).focus();
    await retry.trigger("click");
    await flushPromises();
    expect(w.find(tid("outbox-retry-2")).exists()).toBe(false);
    expect(document.activeElement).toBe(w.find(tid("outbox-cancel-2")).element);
    w.unmount();
  });

  it("passes the filters through (empty dates as null) and refuses a reversed date range", async () => {
    m.listOutbox.mockResolvedValue([]);
    const { w } = await mountPage(OutboxPage);
    const selects = w.findAllComponents(Select);
    selects.find((s) => s.props("inputId") === "outbox-status")!.vm.$emit("update:modelValue", "failed");
    selects.find((s) => s.props("inputId") === "outbox-channel")!.vm.$emit("update:modelValue", "sms");
    await w.find(tid("outbox-from")).setValue("2026-11-01");
    await w.find(tid("outbox-apply")).trigger("submit");
    await flushPromises();
    expect(m.listOutbox).toHaveBeenLastCalledWith({ status: "failed", channel: "sms", from: "2026-11-01", to: null, limit: 200 });

    await w.find(tid("outbox-to")).setValue("2026-10-01");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.listOutbox).toHaveBeenCalledTimes(2);
    expect(w.find(tid("outbox-to")).attributes("aria-invalid")).toBe("true");

    await w.find(tid("outbox-clear")).trigger("click");
    await flushPromises();
    expect(m.listOutbox).toHaveBeenLastCalledWith({ status: null, channel: null, from: null, to: null, limit: 200 });
    w.unmount();
  });

  it("Send now drains the outbox, says how many were sent and reloads", async () => {
    m.listOutbox.mockResolvedValue([]);
    m.dispatchNow.mockResolvedValue(3);
    const { w } = await mountPage(OutboxPage);
    await w.find(tid("outbox-send-now")).trigger("click");
    await flushPromises();
    expect(m.dispatchNow).toHaveBeenCalledOnce();
    expect(m.listOutbox).toHaveBeenCalledTimes(2);
    expect(document.body.textContent).toContain("3 messages sent.");
    w.unmount();
  });
});

describe("ReportsPage", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    m.listReports.mockResolvedValue([
      { id: 12, month: "2026-10-01", doctor_id: 4, title: "Dr Rao — October 2026", generated_at: "2026-11-01T06:00:00Z", host: "DESK-1" },
      { id: 11, month: "2026-10-01", doctor_id: null, title: "Clinic summary — October 2026", generated_at: "2026-11-01T06:00:00Z", host: "DESK-1" },
    ]);
    m.getReport.mockImplementation(async (id: number) => ({ id, title: `Report ${id}`, html: `<!doctype html><html><body><h1>Report ${id}</h1></body></html>` }));
  });

  it("asks for the previous month, opens the clinic summary first in a sandboxed, titled frame", async () => {
    const { w } = await mountPage(ReportsPage);
    expect(m.listReports).toHaveBeenCalledWith(previousMonth(todayIn(null))); // no clinic zone loaded: the PC's date
    expect(previousMonth(todayIn(null))).toMatch(/^\d{4}-\d{2}-01$/);
    const buttons = w.findAll('[data-testid^="report-1"]');
    expect(buttons.map((b) => b.text())).toEqual(["Clinic summary — October 2026", "Dr Rao — October 2026"]);
    expect(m.getReport).toHaveBeenCalledWith(11);
    let frame = w.find(tid("report-frame"));
    expect(frame.attributes("sandbox")).toBe("");
    expect(frame.attributes("srcdoc")).toContain("<h1>Report 11</h1>");
    expect(frame.attributes("title")).toBe("Report 11");
    expect(w.find(tid("report-11")).attributes("aria-current")).toBe("true");

    await w.find(tid("report-12")).trigger("click");
    await flushPromises();
    frame = w.find(tid("report-frame"));
    expect(frame.attributes("srcdoc")).toContain("<h1>Report 12</h1>");
    expect(await seriousAxeFindings(w.element.parentElement!)).toEqual([]);
    w.unmount();
  });

  it("reloads for another month and lets admins regenerate it", async () => {
    m.regenerateReports.mockResolvedValue({ ran: true, message: "Rebuilt 2 reports for September 2026.", run: null });
    const { w } = await mountPage(ReportsPage);
    w.findAllComponents(Select).find((s) => s.props("inputId") === "reports-month")!.vm.$emit("update:modelValue", "2026-09-01");
    await flushPromises();
    expect(m.listReports).toHaveBeenLastCalledWith("2026-09-01");
    await w.find(tid("reports-regenerate")).trigger("click");
    await flushPromises();
    expect(m.regenerateReports).toHaveBeenCalledWith("2026-09-01");
    expect(m.listReports).toHaveBeenCalledTimes(3);
    expect(document.body.textContent).toContain("Rebuilt 2 reports for September 2026.");
    w.unmount();
  });

  it("has no Regenerate for doctors", async () => {
    const { w } = await mountPage(ReportsPage, "doctor");
    expect(w.find(tid("report-frame")).exists()).toBe(true);
    expect(w.find(tid("reports-regenerate")).exists()).toBe(false);
    w.unmount();
  });
});

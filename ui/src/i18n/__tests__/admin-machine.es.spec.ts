/**
 * The machine administration screens in Spanish (issue 17): the outbox and the reminder rules, with a 12-hour clock,
 * the US date order and a clinic zone other than the PC's, so every date and time shown went through the clinic's
 * locale (formatDateTime / formatTime) and every word through a message key.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { defineComponent, h } from "vue";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";
import Toast from "primevue/toast";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "listOutbox", "outboxCounts", "retryNotification", "cancelNotification", "dispatchNow",
    "listReminderRules", "getQuietHours", "addReminderRule", "removeReminderRule", "setQuietHours",
    "jobsOverview", "jobRuns", "runJobNow",
  ]));

import { api, type ClinicSettings, type OutboxItem, type ReminderRule } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import { useSessionStore } from "../../stores/session";
import { useSettingsStore } from "../../stores/settings";
import { applyLocale, DEFAULT_LOCALE } from "../format";
import OutboxPage from "../../pages/OutboxPage.vue";
import JobsPage from "../../pages/JobsPage.vue";
import ReminderRules from "../../components/ReminderRules.vue";

const m = apiMocks(api);
const tid = (id: string) => `[data-testid="${id}"]`;
const SPANISH_12H = { language: "es", date_format: "MM/dd/yyyy", clock: "12h", first_day: 0 } as const;

/** The page plus a Toast outlet, signed in as an administrator of a clinic in New York that speaks Spanish. */
const mountAdminPage = (page: object) =>
  mountWithRouter(defineComponent({ render: () => [h(page), h(Toast)] }), {
    routes: [{ path: "/", name: "home" }],
    beforeMount: () => {
      useSessionStore().session = { username: "admin", full_name: "Admin", role: "admin", clinic_name: "Sunrise", idle_lock_minutes: 10 };
      useSettingsStore().settings = { time_zone: "America/New_York", ...SPANISH_12H } as unknown as ClinicSettings;
    },
  });

beforeEach(() => {
  vi.clearAllMocks();
  applyLocale(SPANISH_12H);
});
afterEach(() => {
  applyLocale(DEFAULT_LOCALE);
  localStorage.clear();
  document.body.innerHTML = "";
});

const item = (id: number, status: OutboxItem["status"], extra: Partial<OutboxItem> = {}): OutboxItem => ({
  id, kind: "reminder", channel: "email", recipient: `pat${id}@example.org`, subject: "Su cita de mañana", status,
  attempts: status === "failed" ? 3 : 0, next_attempt_at: "2026-11-27T14:30:00Z", last_error: status === "failed" ? "Mailbox full" : null,
  created_at: "2026-11-26T23:15:00Z", sent_at: null, ...extra,
});

describe("OutboxPage in Spanish, US dates, 12-hour clock", () => {
  it("says headings, counts, kinds, channels, statuses and actions in Spanish, and times in the clinic's zone and clock", async () => {
    m.outboxCounts.mockResolvedValue({ pending: 4, sending: 0, sent: 120, failed: 2, cancelled: 1 });
    m.listOutbox.mockResolvedValue([item(2, "failed"), item(4, "sent", { channel: "sms", kind: "digest", sent_at: "2026-11-27T08:05:00Z" })]);
    const { w } = await mountAdminPage(OutboxPage);
    expect(w.find("h1").text()).toBe("Bandeja de salida");
    expect(w.find(tid("outbox-count-sent")).text()).toBe("120 Enviado");
    expect(w.find(tid("outbox-count-failed")).text()).toBe("2 Fallido");
    const failed = w.find(tid("outbox-row-2")).text();
    expect(failed).toContain("Recordatorio");
    expect(failed).toContain("Correo electrónico");
    // 14:30 UTC is 9:30 AM in New York; created 23:15 UTC on the 26th is 6:15 PM there, same day
    expect(failed).toContain("11/27/2026 9:30 a. m.");
    expect(failed).toContain("11/26/2026 6:15 p. m.");
    expect(w.find(tid("outbox-retry-2")).attributes("aria-label")).toBe("Reintentar el mensaje a pat2@example.org");
    expect(w.find(tid("outbox-retry-2")).text()).toBe("Reintentar");
    const sent = w.find(tid("outbox-row-4")).text();
    expect(sent).toContain("Resumen para el personal");
    expect(sent).toContain("11/27/2026 3:05 a. m.");
    expect(document.body.textContent).toContain("Aplicar filtros");
    // the date filters are typed in the clinic's order (month first here)
    expect(w.find(tid("outbox-from")).attributes("placeholder")).toBe("MM/DD/AAAA");
    expect(await seriousAxeFindings(w.element.parentElement!)).toEqual([]);
    w.unmount();
  });

  it("takes a date typed month-first and refuses a reversed range in Spanish; Send now counts in Spanish", async () => {
    m.outboxCounts.mockResolvedValue({ pending: 0, sending: 0, sent: 0, failed: 0, cancelled: 0 });
    m.listOutbox.mockResolvedValue([]);
    m.dispatchNow.mockResolvedValue(3);
    const { w } = await mountAdminPage(OutboxPage);
    await w.find(tid("outbox-from")).setValue("12/03/2026");
    await w.find(tid("outbox-to")).setValue("11/30/2026");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.listOutbox).toHaveBeenCalledTimes(1);
    expect(document.getElementById("outbox-to-error")?.textContent).toContain("El último día no puede ser anterior al primero.");
    await w.find(tid("outbox-to")).setValue("12/31/2026");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.listOutbox).toHaveBeenLastCalledWith(expect.objectContaining({ from: "2026-12-03", to: "2026-12-31" }));
    await w.find(tid("outbox-send-now")).trigger("click");
    await flushPromises();
    expect(document.body.textContent).toContain("Se enviaron 3 mensajes.");
    w.unmount();
  });
});

describe("JobsPage in Spanish, 12-hour clock", () => {
  it("names jobs, schedules, next runs and outcomes in Spanish", async () => {
    m.jobsOverview.mockResolvedValue({
      runner: "This computer runs the jobs: it holds the clinic's database.", runner_active: true,
      jobs: [{ job: "no_shows", label: "No-shows", schedule: "Daily at 15:00, 2 h after the appointment",
        next_run_at: "2026-11-28T20:00:00Z", next_run_local: "Sat 28 Nov 15:00", last_run: null }],
    });
    m.jobRuns.mockResolvedValue([]);
    const { w } = await mountAdminPage(JobsPage);
    const row = w.find(tid("job-row-no_shows")).text();
    expect(row).toContain("Ausencias");
    expect(row).toContain("Cada día a las 3:00 p. m., 2 h después de la cita");
    expect(row).toContain("11/28/2026 3:00 p. m.");
    expect(row).toContain("Nunca");
    expect(w.find(tid("jobs-runner")).text()).toBe("Este equipo ejecuta las tareas: contiene la base de datos de la clínica.");
    expect(w.find(tid("job-run-no_shows")).attributes("aria-label")).toBe("Ejecutar ahora: Ausencias");
    w.unmount();
  });
});

describe("ReminderRules in Spanish, 12-hour clock", () => {
  const rules: ReminderRule[] = [
    { id: 1, kind: "lead", lead_minutes: 120, local_time: null, channel: "both" },
    { id: 2, kind: "evening_before", lead_minutes: null, local_time: "18:00:00", channel: "sms" },
    { id: 3, kind: "lead", lead_minutes: 1440, local_time: null, channel: "email" },
  ];

  it("words the rules from keys with the time on the clinic's clock, and the form and its errors in Spanish", async () => {
    m.listReminderRules.mockResolvedValue(rules);
    m.getQuietHours.mockResolvedValue({ start: "21:00:00", end: "08:00:00" });
    setActivePinia(createPinia());
    const w = mount(ReminderRules, { attachTo: document.body, global: { plugins: [[PrimeVue, { unstyled: true }], ToastService] as never[] } });
    await flushPromises();
    const items = w.findAll(tid("rule-item")).map((i) => i.text());
    expect(items[0]).toContain("2 horas antes, por correo electrónico y SMS");
    expect(items[1]).toContain("La tarde anterior a las 6:00 p. m., por SMS");
    expect(items[2]).toContain("1 día antes, por correo electrónico");
    expect(w.find(tid("rule-remove-2")).attributes("aria-label")).toBe("Quitar recordatorio: La tarde anterior a las 6:00 p. m., por SMS");
    expect((w.find("#quiet-quiet_start").element as HTMLInputElement).value).toBe("9:00 p. m.");
    expect(w.text()).toContain("Horas de silencio para SMS");
    expect(w.findAll("#rule-unit option").map((o) => o.text())).toEqual(["minutos", "horas", "días"]);

    await w.find("#rule-amount").setValue("15");
    await w.find("#rule-unit").setValue("days");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(document.getElementById("rule-amount-error")?.textContent).toContain("como mucho 14 días antes de la cita");
    expect(m.addReminderRule).not.toHaveBeenCalled();
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });
});

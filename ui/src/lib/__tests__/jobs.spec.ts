import { afterEach, describe, expect, it } from "vitest";
import { applyLocale, DEFAULT_LOCALE } from "../../i18n/format";
import {
  instantText, isSender, badEmails, canCancel, canRetry, countsText, emptySecret, monthLabel, monthOptions, normaliseEmailList, outcomeLabel,
  previousMonth, secretInput, scheduleText, jobLabel, triggerLabel, runnerText, runNowText, testSentText, periodText,
} from "../jobs";

describe("secretInput", () => {
  it("keeps the stored secret (null) unless something was typed or it was removed", () => {
    expect(secretInput(emptySecret())).toBeNull();
    expect(secretInput({ text: "s3cret", clear: false })).toBe("s3cret");
    expect(secretInput({ text: "", clear: true })).toBe("");
    expect(secretInput({ text: "typed then removed", clear: true })).toBe("");
  });
});

describe("months", () => {
  it("defaults to the previous month, across a year boundary", () => {
    expect(previousMonth("2026-11-27")).toBe("2026-10-01");
    expect(previousMonth("2027-01-01")).toBe("2026-12-01");
    expect(previousMonth("2026-03-31")).toBe("2026-02-01");
  });

  it("offers the last complete months newest first with readable labels", () => {
    const opts = monthOptions("2026-01-15", 3);
    expect(opts.map((o) => o.value)).toEqual(["2025-12-01", "2025-11-01", "2025-10-01"]);
    expect(opts[0].label).toBe("December 2025");
    expect(monthLabel("2026-10-01")).toBe("October 2026");
  });
});

describe("emails, counts, outbox actions", () => {
  it("finds entries that are not email addresses and tidies the list", () => {
    expect(badEmails("")).toEqual([]);
    expect(badEmails("a@x.org, b@y.org")).toEqual([]);
    expect(badEmails("a@x.org; b@y.org, nope")).toEqual(["a@x.org; b@y.org", "nope"]);
    expect(normaliseEmailList(" a@x.org ,, b@y.org ,")).toBe("a@x.org, b@y.org");
    expect(isSender("desk@clinic.example")).toBe(true);
    expect(isSender("Sunrise Clinic <desk@clinic.example>")).toBe(true);
    expect(isSender("Sunrise Clinic")).toBe(false);
    expect(isSender("Clinic <not an address>")).toBe(false);
  });

  it("writes counts as words", () => {
    expect(countsText({ sent: 3, skipped_no_consent: 1 })).toBe("sent 3 · skipped no consent 1");
    expect(countsText({})).toBe("");
    expect(outcomeLabel({ outcome: null })).toBe("Running");
    expect(outcomeLabel({ outcome: "failed" })).toBe("Failed");
  });

  it("retries failed/cancelled and cancels pending/failed only", () => {
    expect(["pending", "sending", "sent", "failed", "cancelled"].filter((s) => canRetry(s as never))).toEqual(["failed", "cancelled"]);
    expect(["pending", "sending", "sent", "failed", "cancelled"].filter((s) => canCancel(s as never))).toEqual(["pending", "failed"]);
  });
});

describe("instantText", () => {
  it("is the clinic's date and time in its zone, and a dash for none", () => {
    expect(instantText("2026-11-26T18:05:00Z", "UTC")).toBe("26/11/2026 18:05");
    expect(instantText("2026-11-26T18:05:00Z", "America/New_York")).toBe("26/11/2026 13:05");
    expect(instantText(null, "UTC")).toBe("—");
  });
});

describe("job wording in the clinic's language and clock", () => {
  afterEach(() => applyLocale(DEFAULT_LOCALE));

  it("rebuilds the backend's schedule sentences from keys, keeping English word for word", () => {
    for (const schedule of [
      "Daily at 08:00",
      "Daily at 08:00: reminder rules only (catch-up planning, digest)",
      "Daily at 18:00, for tomorrow",
      "1st of the month at 06:00, for the month before",
      "Sundays at 03:00",
      "Daily at 03:00, 2 h after the appointment",
      "Daily at 02:00, where the database is",
      "Off",
    ]) expect(scheduleText(schedule)).toBe(schedule);
    expect(scheduleText("Some new wording at 03:00")).toBe("Some new wording at 03:00");
    applyLocale({ language: "es", clock: "12h" });
    expect(scheduleText("Daily at 15:00, 2 h after the appointment"))
      .toBe("Cada día a las 3:00 p. m., 2 h después de la cita");
    expect(scheduleText("Off")).toBe("Desactivada");
    expect(scheduleText("Daily at 08:00: reminder rules only (catch-up planning, digest)"))
      .toBe("Cada día a las 8:00 a. m.: solo reglas de recordatorio (planificación pendiente, resumen)");
  });

  it("says runs, outcomes, triggers and who runs the jobs in Spanish", () => {
    applyLocale({ language: "es" });
    expect(jobLabel("monthly_report", "Monthly doctor reports")).toBe("Informes mensuales de los médicos");
    expect(jobLabel("some_new_job", "Some new job")).toBe("Some new job");
    expect(outcomeLabel({ outcome: "ok" })).toBe("Correcta");
    expect(triggerLabel("catch_up")).toBe("Recuperada");
    expect(countsText({ sent: 3, weird_thing: 1 })).toBe("enviados 3 · weird thing 1");
    expect(runnerText("This computer runs the jobs: it holds the clinic's database."))
      .toBe("Este equipo ejecuta las tareas: contiene la base de datos de la clínica.");
    expect(runnerText("Something new.")).toBe("Something new.");
    expect(testSentText("Test SMS sent to +34600123456.")).toBe("SMS de prueba enviado a +34600123456.");
    expect(testSentText("Test message posted to the staff chat.")).toBe("Mensaje de prueba publicado en el chat del personal.");
    const run = { id: 1, job: "reminders_daily", period: "", host: "", trigger: "manual", started_at: "", finished_at: null,
      outcome: "ok", counts: { queued: 2, sent: 1 }, error: null, attempts: 1 } as const;
    expect(runNowText("reminders_daily", { ran: true, message: "", run })).toBe("Recordatorios del día terminó: en cola 2, enviados 1.");
    expect(runNowText("backup", { ran: false, message: "", run: null }))
      .toBe("Copia de seguridad diaria ya se ejecutó en este minuto (aquí o en otro equipo).");
    expect(monthLabel("2026-10-01")).toBe("octubre de 2026");
    applyLocale({ language: "es", date_format: "MM/dd/yyyy", clock: "12h" });
    expect(periodText("2026-11-27")).toBe("11/27/2026");
    expect(periodText("2026-10")).toBe("octubre de 2026");
    expect(periodText("manual 2026-11-27T14:05")).toBe("manual, 11/27/2026 2:05 p. m.");
    expect(periodText("something else")).toBe("something else");
  });

  it("keeps the backend's English run-now sentence in English", () => {
    const run = { id: 1, job: "monthly_report", period: "", host: "", trigger: "manual", started_at: "", finished_at: null,
      outcome: "failed", counts: {}, error: "SMTP down", attempts: 1 } as const;
    expect(runNowText("monthly_report", { ran: true, message: "", run })).toBe("Monthly doctor reports failed: SMTP down");
    expect(runNowText("reminders_daily", { ran: true, message: "", run: { ...run, outcome: "ok", counts: { queued: 2, sent: 1 } } }))
      .toBe("Today's reminders finished: queued 2, sent 1.");
  });
});

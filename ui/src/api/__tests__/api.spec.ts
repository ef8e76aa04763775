import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...a: unknown[]) => invoke(...a) }));

import { api, ApiError, errorMessage, GENERIC_ERROR } from "..";

describe("api unwrapping", () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it("returns data and passes snake_case command names with camelCase args", async () => {
    invoke.mockResolvedValue({ id: 1, username: "doc" });
    await expect(api.setStaffActive("doc", false)).resolves.toEqual({ id: 1, username: "doc" });
    expect(invoke).toHaveBeenCalledWith("set_staff_active", { username: "doc", active: false });
  });

  it("turns a CommandError into a thrown ApiError with kind, message and field", async () => {
    invoke.mockImplementation(async () => { throw { kind: "Validation", message: "Choose a longer password.", field: "password" }; });
    const err = await api.createStaff({ username: "a", full_name: "A", role: "doctor", password: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ kind: "Validation", message: "Choose a longer password.", field: "password" });
  });

  it("turns a thrown JS error (e.g. no Tauri runtime) into an Internal ApiError without its raw text", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const raw = new TypeError("window.__TAURI_INTERNALS__ is undefined");
    invoke.mockImplementation(async () => { throw raw; });
    const err = await api.appStatus().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ kind: "Internal", message: GENERIC_ERROR });
    expect(err.message).not.toContain("__TAURI_INTERNALS__");
    expect(log).toHaveBeenCalledWith(expect.any(String), raw); // the raw text goes to the log
    log.mockRestore();
  });

  it("never shows a plain Error's message to a person (errorMessage), but keeps a backend sentence", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(errorMessage(new Error("Cannot read properties of undefined (reading 'id')"))).toBe(GENERIC_ERROR);
    expect(errorMessage(new RangeError("Invalid time zone specified: Mars/Base"))).toBe(GENERIC_ERROR);
    expect(errorMessage({ weird: true })).toBe(GENERIC_ERROR);
    expect(errorMessage({ kind: "Conflict", message: "That slot was just taken.", field: null })).toBe("That slot was just taken.");
    expect(errorMessage(new ApiError("Validation", "Enter the clinic's name.", "clinic_name"))).toBe("Enter the clinic's name.");
    log.mockRestore();
  });

  it("never shows the IPC layer's own text (e.g. a malformed call) to a person", async () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    invoke.mockImplementation(async () => { throw "invalid args `doctorId` for command `free_slots`: command free_slots missing required key doctorId"; });
    const err = await api.freeSlots(1, null, "2026-11-28", 7).catch((e) => e);
    expect(err).toMatchObject({ kind: "Internal", message: GENERIC_ERROR });
    expect(err.message).not.toContain("doctorId");
    quiet.mockRestore();
  });
});

describe("scheduling commands", () => {
  beforeEach(() => invoke.mockReset());

  it("send snake_case names with camelCase argument keys", async () => {
    invoke.mockResolvedValue({});
    const visit = { doctor_id: 4, patient_id: 9, starts_at: "2026-12-03T10:00:00Z", type_id: 2, reason: "knee pain" };
    await api.bookAppointment(visit);
    expect(invoke).toHaveBeenLastCalledWith("book_appointment", { visit, requestKey: null });
    await api.freeSlots(4, 2, "2026-12-01", 7);
    expect(invoke).toHaveBeenLastCalledWith("free_slots", { doctorId: 4, typeId: 2, from: "2026-12-01", days: 7 });
    await api.walkIn(9, 4, null, true);
    expect(invoke).toHaveBeenLastCalledWith("walk_in", { patientId: 9, doctorId: 4, typeId: null, overbook: true });
    await api.todayBoard(null);
    expect(invoke).toHaveBeenLastCalledWith("today_board", { date: null });
    await api.setWeeklyAvailability(4, 15, []);
    expect(invoke).toHaveBeenLastCalledWith("set_weekly_availability", { doctorId: 4, slotMinutes: 15, sessions: [] });
    await api.myDoctor();
    expect(invoke).toHaveBeenLastCalledWith("my_doctor");
  });
});

const listen = vi.fn();
const save = vi.fn();
vi.mock("@tauri-apps/api/event", () => ({ listen: (...a: unknown[]) => listen(...a) }));
vi.mock("@tauri-apps/plugin-dialog", () => ({ save: (...a: unknown[]) => save(...a) }));

describe("clinical commands, events and dialog", () => {
  beforeEach(() => { invoke.mockReset(); listen.mockReset(); save.mockReset(); });

  it("send snake_case names with camelCase argument keys", async () => {
    invoke.mockResolvedValue({});
    const input = { visit_type: "consultation" as const, symptoms: "", diagnosis: "", icd10_code: null, treatment_given: "", prescription: [], notes: "", next_visit_on: null, next_visit_in_days: 7 };
    await api.recordTreatment(11, input);
    expect(invoke).toHaveBeenLastCalledWith("record_treatment", { appointmentId: 11, input });
    await api.amendTreatment(3, input);
    expect(invoke).toHaveBeenLastCalledWith("amend_treatment", { treatmentId: 3, input });
    await api.getTreatment(11);
    expect(invoke).toHaveBeenLastCalledWith("get_treatment", { appointmentId: 11 });
    await api.treatmentAmendments(3);
    expect(invoke).toHaveBeenLastCalledWith("treatment_amendments", { treatmentId: 3 });
    const filter = { doctor_id: null, from: "2026-01-01", to: null, text: "asthma" };
    await api.patientHistory(9, filter);
    expect(invoke).toHaveBeenLastCalledWith("patient_history", { patientId: 9, filter });
    await api.recallList();
    expect(invoke).toHaveBeenLastCalledWith("recall_list");
    await api.exportDefaultPath(9);
    expect(invoke).toHaveBeenLastCalledWith("export_default_path", { patientId: 9 });
    await api.exportPatientHistory(9, "/tmp/a.csv", true);
    expect(invoke).toHaveBeenLastCalledWith("export_patient_history", { patientId: 9, path: "/tmp/a.csv", bom: true });
    await api.exportVisits("2026-01-01", "2026-01-31", "/tmp/v.csv", false);
    expect(invoke).toHaveBeenLastCalledWith("export_visits", { from: "2026-01-01", to: "2026-01-31", path: "/tmp/v.csv", bom: false });
    await api.cancelExport(7);
    expect(invoke).toHaveBeenLastCalledWith("cancel_export", { exportId: 7 });
    await api.revealInFolder("/tmp/a.csv");
    expect(invoke).toHaveBeenLastCalledWith("reveal_in_folder", { path: "/tmp/a.csv" });
  });

  it("saveDialog asks for a CSV with the default name; null means cancelled", async () => {
    save.mockResolvedValueOnce("/home/u/history-M9.csv").mockResolvedValueOnce(null);
    await expect(api.saveDialog("history-M9-2026-12-03.csv")).resolves.toBe("/home/u/history-M9.csv");
    expect(save).toHaveBeenCalledWith({ defaultPath: "history-M9-2026-12-03.csv", filters: [{ name: "CSV", extensions: ["csv"] }] });
    await expect(api.saveDialog("x.csv")).resolves.toBeNull();
  });

  it("event helpers listen to the contract names, pass the payload and return the unlisten fn", async () => {
    const un = vi.fn();
    listen.mockResolvedValue(un);
    const got: unknown[] = [];
    const off = await api.onExportProgress((p) => got.push(p));
    await api.onExportFinished((p) => got.push(p));
    expect(listen.mock.calls.map((c) => c[0])).toEqual(["export-progress", "export-finished"]);
    listen.mock.calls[0][1]({ event: "export-progress", id: 1, payload: { export_id: 7, rows: 10 } });
    expect(got).toEqual([{ export_id: 7, rows: 10 }]);
    expect(off).toBe(un);
  });
});

describe("jobs, outbox, channels and reports commands", () => {
  beforeEach(() => invoke.mockReset());

  it("send snake_case names with camelCase argument keys", async () => {
    invoke.mockResolvedValue({});
    await api.jobRuns(null, 50);
    expect(invoke).toHaveBeenLastCalledWith("job_runs", { job: null, limit: 50 });
    await api.runJobNow("monthly_report");
    expect(invoke).toHaveBeenLastCalledWith("run_job_now", { job: "monthly_report" });
    const filter = { status: "failed" as const, channel: null, from: "2026-11-01", to: null, limit: 200 };
    await api.listOutbox(filter);
    expect(invoke).toHaveBeenLastCalledWith("list_outbox", { filter });
    await api.retryNotification(7);
    expect(invoke).toHaveBeenLastCalledWith("retry_notification", { id: 7 });
    await api.cancelNotification(7);
    expect(invoke).toHaveBeenLastCalledWith("cancel_notification", { id: 7 });
    await api.listReports("2026-10-01");
    expect(invoke).toHaveBeenLastCalledWith("list_reports", { month: "2026-10-01" });
    await api.regenerateReports("2026-10-01");
    expect(invoke).toHaveBeenLastCalledWith("regenerate_reports", { month: "2026-10-01" });
    await api.dispatchNow();
    expect(invoke).toHaveBeenLastCalledWith("dispatch_now");
  });

  it("sends a test message with the unsaved form and rejects with the backend's reason", async () => {
    const input = {
      smtp_host: "smtp.example.org", smtp_port: 587, smtp_security: "starttls" as const, smtp_username: "u", smtp_password: null,
      smtp_from: "c@example.org", sms_provider: "none" as const, sms_url: "", sms_account_sid: "", sms_token: null, sms_from: "",
      sms_json_template: "", chat_webhook_url: null,
    };
    invoke.mockResolvedValueOnce("Test email sent to a@example.org.");
    await expect(api.sendTestMessage("email", input, "a@example.org")).resolves.toBe("Test email sent to a@example.org.");
    expect(invoke).toHaveBeenLastCalledWith("send_test_message", { channel: "email", input, recipient: "a@example.org" });
    invoke.mockImplementationOnce(async () => { throw { kind: "Unavailable", message: "TLS failed: certificate expired.", field: null }; });
    await expect(api.sendTestMessage("email", input, "a@example.org")).rejects.toMatchObject({ kind: "Unavailable", message: "TLS failed: certificate expired." });
  });
});

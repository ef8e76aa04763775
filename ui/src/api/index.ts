/**
 * The only module that talks to Tauri. It unwraps the generated `Result<T, CommandError>`
 * into plain promises that reject with `ApiError`, so stores can use try/catch.
 */
import { commands } from "./bindings";
import {
  onExportFinished,
  onExportProgress,
  openCertificateDialog,
  saveCsvDialog,
  type ExportFinished,
  type ExportProgress,
  type ExportStatus,
  type UnlistenFn,
} from "./events";
import type {
  ChannelSettingsInput,
  BackupSettings,
  AuditFilter,
  ClinicSettings,
  CommandError,
  DatabaseConfig,
  DepartmentInput,
  DoctorInput,
  ErrorKind,
  ExceptionInput,
  HistoryFilter,
  JobKind,
  JobSettings,
  MessageChannel,
  NewStaff,
  OutboxFilter,
  PatientInput,
  SetupInput,
  TreatmentInput,
  Visit,
  WeeklySession,
} from "./bindings";

// Every generated type is importable from "../api". Names declared here or re-exported from ./events
// (ExportProgress, ExportStatus, TlsMode, Channel) take precedence over the star export.
export type * from "./bindings";
export type { ExportFinished, ExportProgress, ExportStatus, UnlistenFn };

type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

export type ServerDatabaseConfig = Extract<DatabaseConfig, { kind: "server" }>;
export type TlsMode = ServerDatabaseConfig["tls_mode"];
/** A notification channel. The contract calls it `Channel`; the generated bindings name it `MessageChannel`. */
export type Channel = MessageChannel;
/** The clinical part of a visit (null for reception). */
export type VisitClinical = NonNullable<Visit["clinical"]>;

export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly field: string | null;

  constructor(kind: ErrorKind, message: string, field: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.field = field;
  }

  static from(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    if (isCommandError(e)) return new ApiError(e.kind, e.message, e.field ?? null);
    // A bare string comes from the IPC layer itself (e.g. a malformed call), never a sentence meant for people.
    if (typeof e === "string") {
      console.error("ClinicDesk command failed:", e);
      return new ApiError("Internal", "Something went wrong; the details are in the log.");
    }
    if (e instanceof Error) return new ApiError("Internal", e.message || "Something went wrong.");
    return new ApiError("Internal", "Something went wrong.");
  }
}

function isCommandError(e: unknown): e is CommandError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as CommandError).kind === "string" &&
    typeof (e as CommandError).message === "string"
  );
}

/** The sentence to show a person for anything caught from the api layer: the one way the UI says what went wrong. */
export function errorMessage(e: unknown): string {
  return ApiError.from(e).message;
}

async function unwrap<T>(call: () => Promise<Result<T, CommandError>>): Promise<T> {
  let res: Result<T, CommandError>;
  try {
    res = await call();
  } catch (e) {
    throw ApiError.from(e);
  }
  if (res.status === "ok") return res.data;
  const err = ApiError.from(res.error);
  if (err.kind === "Unavailable") for (const cb of unavailableListeners) cb(err);
  throw err;
}

const unavailableListeners = new Set<(e: ApiError) => void>();

/** Called whenever a command fails because the database cannot be reached (the "reconnecting…" banner). */
export function onUnavailable(cb: (e: ApiError) => void): () => void {
  unavailableListeners.add(cb);
  return () => unavailableListeners.delete(cb);
}

/** A fresh idempotency key for a write the user may retry (the server returns the first result on a retry). */
export function newRequestKey(): string {
  return crypto.randomUUID();
}

export const api = {
  appStatus: () => unwrap(() => commands.appStatus()),
  listTimeZones: () => unwrap(() => commands.listTimeZones()),
  passwordStrength: (password: string) => unwrap(() => commands.passwordStrength(password)),
  completeSetup: (input: SetupInput) => unwrap(() => commands.completeSetup(input)),
  signIn: (username: string, password: string) => unwrap(() => commands.signIn(username, password)),
  signOut: () => unwrap(() => commands.signOut()),
  currentSession: () => unwrap(() => commands.currentSession()),
  listStaff: () => unwrap(() => commands.listStaff()),
  createStaff: (input: NewStaff) => unwrap(() => commands.createStaff(input)),
  resetStaffPassword: (username: string, password: string) =>
    unwrap(() => commands.resetStaffPassword(username, password)),
  setStaffActive: (username: string, active: boolean) =>
    unwrap(() => commands.setStaffActive(username, active)),
  listDepartments: () => unwrap(() => commands.listDepartments()),
  createDepartment: (input: DepartmentInput) => unwrap(() => commands.createDepartment(input)),
  updateDepartment: (id: number, input: DepartmentInput) =>
    unwrap(() => commands.updateDepartment(id, input)),
  deleteDepartment: (id: number) => unwrap(() => commands.deleteDepartment(id)),
  getSettings: () => unwrap(() => commands.getSettings()),
  updateSettings: (input: ClinicSettings) => unwrap(() => commands.updateSettings(input)),
  getDatabaseConfig: () => unwrap(() => commands.getDatabaseConfig()),
  setDatabaseConfig: (config: DatabaseConfig) => unwrap(() => commands.setDatabaseConfig(config)),

  // ---- Scheduling (docs/ui-contract-scheduling.md) ----
  listDoctors: (includeInactive: boolean) => unwrap(() => commands.listDoctors(includeInactive)),
  myDoctor: () => unwrap(() => commands.myDoctor()),
  createDoctor: (input: DoctorInput) => unwrap(() => commands.createDoctor(input)),
  updateDoctor: (id: number, input: DoctorInput) => unwrap(() => commands.updateDoctor(id, input)),
  setDoctorActive: (id: number, active: boolean) => unwrap(() => commands.setDoctorActive(id, active)),
  getAvailability: (doctorId: number) => unwrap(() => commands.getAvailability(doctorId)),
  setWeeklyAvailability: (doctorId: number, slotMinutes: number, sessions: WeeklySession[]) =>
    unwrap(() => commands.setWeeklyAvailability(doctorId, slotMinutes, sessions)),
  addAvailabilityException: (input: ExceptionInput) => unwrap(() => commands.addAvailabilityException(input)),
  removeAvailabilityException: (id: number) => unwrap(() => commands.removeAvailabilityException(id)),
  listHolidays: () => unwrap(() => commands.listHolidays()),
  freeSlots: (doctorId: number, from: string, days: number) => unwrap(() => commands.freeSlots(doctorId, from, days)),
  firstAvailable: (departmentId: number) => unwrap(() => commands.firstAvailable(departmentId)),
  registerPatient: (input: PatientInput) => unwrap(() => commands.registerPatient(input)),
  updatePatient: (id: number, input: PatientInput) => unwrap(() => commands.updatePatient(id, input)),
  getPatient: (id: number) => unwrap(() => commands.getPatient(id)),
  searchPatients: (query: string) => unwrap(() => commands.searchPatients(query)),
  blacklistPatient: (id: number, reason: string) => unwrap(() => commands.blacklistPatient(id, reason)),
  liftBlacklist: (id: number) => unwrap(() => commands.liftBlacklist(id)),
  bookAppointment: (doctorId: number, patientId: number, startsAt: string, requestKey: string | null = null) =>
    unwrap(() => commands.bookAppointment(doctorId, patientId, startsAt, requestKey)),
  rescheduleAppointment: (id: number, startsAt: string) => unwrap(() => commands.rescheduleAppointment(id, startsAt)),
  cancelAppointment: (id: number, reason: string) => unwrap(() => commands.cancelAppointment(id, reason)),
  checkIn: (id: number) => unwrap(() => commands.checkIn(id)),
  markNoShow: (id: number) => unwrap(() => commands.markNoShow(id)),
  completeAppointment: (id: number) => unwrap(() => commands.completeAppointment(id)),
  walkIn: (patientId: number, doctorId: number, overbook: boolean) =>
    unwrap(() => commands.walkIn(patientId, doctorId, overbook)),
  todayBoard: (date: string | null) => unwrap(() => commands.todayBoard(date)),
  doctorCalendar: (doctorId: number, from: string, days: number) =>
    unwrap(() => commands.doctorCalendar(doctorId, from, days)),
  patientAppointments: (patientId: number) => unwrap(() => commands.patientAppointments(patientId)),

  // ---- Clinical record, history, export (docs/ui-contract-clinical.md) ----
  recordTreatment: (appointmentId: number, input: TreatmentInput) =>
    unwrap(() => commands.recordTreatment(appointmentId, input)),
  amendTreatment: (treatmentId: number, input: TreatmentInput) => unwrap(() => commands.amendTreatment(treatmentId, input)),
  getTreatment: (appointmentId: number) => unwrap(() => commands.getTreatment(appointmentId)),
  treatmentAmendments: (treatmentId: number) => unwrap(() => commands.treatmentAmendments(treatmentId)),
  patientHistory: (patientId: number, filter: HistoryFilter) => unwrap(() => commands.patientHistory(patientId, filter)),
  recallList: () => unwrap(() => commands.recallList()),
  exportDefaultPath: (patientId: number) => unwrap(() => commands.exportDefaultPath(patientId)),
  exportPatientHistory: (patientId: number, path: string, bom: boolean) =>
    unwrap(() => commands.exportPatientHistory(patientId, path, bom)),
  exportVisits: (from: string, to: string, path: string, bom: boolean) =>
    unwrap(() => commands.exportVisits(from, to, path, bom)),
  cancelExport: (exportId: number) => unwrap(() => commands.cancelExport(exportId)),
  revealInFolder: (path: string) => unwrap(() => commands.revealInFolder(path)),
  /** Native save dialog (CSV filter); null when the user cancels. */
  saveDialog: async (defaultName: string): Promise<string | null> => {
    try {
      return await saveCsvDialog(defaultName);
    } catch (e) {
      throw ApiError.from(e);
    }
  },
  /** Native open dialog for the clinic CA certificate (PEM); null when the user cancels. */
  chooseCaFile: async (): Promise<string | null> => {
    try {
      return await openCertificateDialog();
    } catch (e) {
      throw ApiError.from(e);
    }
  },
  /** "export-progress" events; resolves to the unlisten function. */
  onExportProgress: (cb: (p: ExportProgress) => void): Promise<UnlistenFn> => onExportProgress(cb),
  /** "export-finished" events; resolves to the unlisten function. */
  onExportFinished: (cb: (p: ExportFinished) => void): Promise<UnlistenFn> => onExportFinished(cb),

  // ---- Jobs, outbox, channels, reports (docs/ui-contract-jobs.md) ----
  getJobSettings: () => unwrap(() => commands.getJobSettings()),
  updateJobSettings: (input: JobSettings) => unwrap(() => commands.updateJobSettings(input)),
  getChannelSettings: () => unwrap(() => commands.getChannelSettings()),
  updateChannelSettings: (input: ChannelSettingsInput) => unwrap(() => commands.updateChannelSettings(input)),
  /** One message with the settings in the form (unsaved secrets fall back to the stored ones); resolves to a success sentence. */
  sendTestMessage: (channel: Channel, input: ChannelSettingsInput, recipient: string) =>
    unwrap(() => commands.sendTestMessage(channel, input, recipient)),
  jobsOverview: () => unwrap(() => commands.jobsOverview()),
  jobRuns: (job: JobKind | null, limit: number) => unwrap(() => commands.jobRuns(job, limit)),
  runJobNow: (job: JobKind) => unwrap(() => commands.runJobNow(job)),
  listOutbox: (filter: OutboxFilter) => unwrap(() => commands.listOutbox(filter)),
  outboxCounts: () => unwrap(() => commands.outboxCounts()),
  retryNotification: (id: number) => unwrap(() => commands.retryNotification(id)),
  cancelNotification: (id: number) => unwrap(() => commands.cancelNotification(id)),
  /** Drains the outbox once now; resolves to the number of messages sent. */
  dispatchNow: () => unwrap(() => commands.dispatchNow()),
  listReports: (month: string) => unwrap(() => commands.listReports(month)),
  getReport: (id: number) => unwrap(() => commands.getReport(id)),
  regenerateReports: (month: string) => unwrap(() => commands.regenerateReports(month)),
  // ---- Backups and connection faults (docs/operations.md) ----
  backupStatus: () => unwrap(() => commands.backupStatus()),
  updateBackupSettings: (input: BackupSettings) => unwrap(() => commands.updateBackupSettings(input)),
  backupNow: () => unwrap(() => commands.backupNow()),
  databasePing: () => unwrap(() => commands.databasePing()),
  // ---- Dashboards, diagnostics, audit log, quick search (docs/caching-and-diagnostics.md) ----
  adminDashboard: () => unwrap(() => commands.adminDashboard()),
  doctorDashboard: () => unwrap(() => commands.doctorDashboard()),
  getDiagnostics: () => unwrap(() => commands.getDiagnostics()),
  auditLog: (filter: AuditFilter, page: number) => unwrap(() => commands.auditLog(filter, page)),
  auditLogKinds: () => unwrap(() => commands.auditLogKinds()),
  exportAuditLog: (filter: AuditFilter, path: string) => unwrap(() => commands.exportAuditLog(filter, path)),
  quickSearch: (query: string) => unwrap(() => commands.quickSearch(query)),
  findDuplicatePatients: (query: Parameters<typeof commands.findDuplicatePatients>[0]) =>
    unwrap(() => commands.findDuplicatePatients(query)),
  mergePatients: (mergedId: number, survivorId: number) => unwrap(() => commands.mergePatients(mergedId, survivorId)),
};

export type Api = typeof api;

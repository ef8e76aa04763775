/**
 * The only module that talks to Tauri. It unwraps the generated `Result<T, CommandError>`
 * into plain promises that reject with `ApiError`, so stores can use try/catch.
 */
import { commands } from "./bindings";
import type {
  AppStatus,
  ClinicSettings,
  CommandError,
  DatabaseCheck,
  DatabaseConfig,
  Department,
  DepartmentInput,
  ErrorKind,
  NewStaff,
  PasswordStrength,
  Session,
  SetupInput,
  Staff,
  StaffRole,
} from "./bindings";

export type {
  AppStatus,
  ClinicSettings,
  CommandError,
  DatabaseCheck,
  DatabaseConfig,
  Department,
  DepartmentInput,
  ErrorKind,
  NewStaff,
  PasswordStrength,
  Session,
  SetupInput,
  Staff,
  StaffRole,
};

type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

export type ServerDatabaseConfig = Extract<DatabaseConfig, { kind: "server" }>;
export type TlsMode = ServerDatabaseConfig["tls_mode"];

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
    if (typeof e === "string") return new ApiError("Internal", e);
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

/** Human message for anything caught from the api layer. */
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
  throw ApiError.from(res.error);
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
};

export type Api = typeof api;

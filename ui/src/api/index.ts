/**
 * The only module that talks to Tauri. It unwraps the generated `Result<T, CommandError>`
 * into plain promises that reject with `ApiError`, so stores can use try/catch.
 */
import { commands } from "./bindings";
import { t, te } from "../i18n";
import {
  onExportFinished,
  onExportProgress,
  onSlotFreed,
  openCertificateDialog,
  saveCsvDialog,
  type ExportFinished,
  type ExportProgress,
  type ExportStatus,
  type UnlistenFn,
} from "./events";
import type { BookingRequest, CommandError, DatabaseConfig, ErrorKind, FreedSlot, MessageChannel, Visit } from "./bindings";

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

/** What a person reads when something failed that no sentence was written for (the raw text goes to the log). */
export const GENERIC_ERROR = "Something went wrong; try again. Details are in the log.";

/**
 * The sentence of a backend error in the clinic's language: the catalog's translation of its code (errors area,
 * generated from the Rust catalog), else the English sentence the backend wrote.
 */
export function localSentence(code: string | null | undefined, params: Record<string, string | undefined> | undefined, english: string): string {
  if (!code) return english;
  const key = `errors.${code}`;
  return te(key) ? t(key, (params ?? {}) as Record<string, string>) : english;
}

export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly field: string | null;
  readonly code: string | null;
  /** The backend's English sentence (the log's text). */
  readonly english: string;

  constructor(kind: ErrorKind, message: string, field: string | null = null, code: string | null = null, english = message) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.field = field;
    this.code = code;
    this.english = english;
  }

  /**
   * A backend CommandError keeps its sentence (written for people), in the clinic's language when its code is in the
   * catalog. Anything else (a bare string from the IPC layer, a JS Error such as a TypeError, a rejected plugin call)
   * is raw text: it goes to the log, the person reads the generic sentence.
   */
  static from(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    if (isCommandError(e)) {
      const text = localSentence(e.code, e.params, e.message);
      return new ApiError(e.kind, text, e.field ?? null, e.code ?? null, e.message);
    }
    console.error("ClinicDesk: unexpected failure:", e);
    return new ApiError("Internal", localSentence("internal", {}, GENERIC_ERROR), null, "internal", GENERIC_ERROR);
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

type Commands = typeof commands;
/** Each generated command as a plain promise: resolves to its data, rejects with `ApiError`. */
type Unwrapped = {
  [K in keyof Commands]: Commands[K] extends (...args: infer A) => Promise<Result<infer T, CommandError>>
    ? (...args: A) => Promise<T>
    : never;
};

/** Every generated command, unwrapped (derived from the bindings, so a new command needs no line here). */
const unwrapped = Object.fromEntries(
  Object.entries(commands).map(([name, call]) => [
    name,
    (...args: unknown[]) => unwrap(() => (call as (...a: unknown[]) => Promise<Result<unknown, CommandError>>)(...args)),
  ]),
) as Unwrapped;

/** The generated commands plus what adds behaviour: native dialogs, events and an optional idempotency key. */
export const api = {
  ...unwrapped,
  bookAppointment: (visit: BookingRequest, requestKey: string | null = null) => unwrapped.bookAppointment(visit, requestKey),
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
  /** "slot-freed" events (any desk cancelled or moved an appointment); resolves to the unlisten function. */
  onSlotFreed: (cb: (s: FreedSlot) => void): Promise<UnlistenFn> => onSlotFreed(cb),
};

export type Api = typeof api;

/**
 * Backend events and native dialogs. Lives in src/api because only this folder may import `@tauri-apps/*`.
 * Event payload types are generated from Rust (bindings.ts); the event names are the contract.
 */
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { open, save } from "@tauri-apps/plugin-dialog";

export type { UnlistenFn };

import type { ExportOutcome, ExportProgress, ExportStatus, FreedSlot } from "./bindings";

export type { ExportProgress, ExportStatus };
/** "export-finished": the final state of one export. */
export type ExportFinished = ExportOutcome;

export const EXPORT_PROGRESS = "export-progress";
export const EXPORT_FINISHED = "export-finished";

/** Subscribe to export progress; resolves to the unlisten function. */
export function onExportProgress(cb: (p: ExportProgress) => void): Promise<UnlistenFn> {
  return listen<ExportProgress>(EXPORT_PROGRESS, (e) => cb(e.payload));
}

/** Subscribe to finished exports (done / failed / cancelled); resolves to the unlisten function. */
export function onExportFinished(cb: (p: ExportFinished) => void): Promise<UnlistenFn> {
  return listen<ExportFinished>(EXPORT_FINISHED, (e) => cb(e.payload));
}

export const SLOT_FREED = "slot-freed";

/** Subscribe to freed slots (an appointment cancelled or moved on any desk); resolves to the unlisten function. */
export function onSlotFreed(cb: (s: FreedSlot) => void): Promise<UnlistenFn> {
  return listen<FreedSlot>(SLOT_FREED, (e) => cb(e.payload));
}

/** Native "Save as" for a CSV file. Resolves to the chosen path, or null when the user cancels. */
export function saveCsvDialog(defaultName: string): Promise<string | null> {
  return save({ defaultPath: defaultName, filters: [{ name: "CSV", extensions: ["csv"] }] });
}

/** Native "Open" for a PEM certificate (the clinic CA file). Resolves to the chosen path, or null when cancelled. */
export function openCertificateDialog(): Promise<string | null> {
  return open({
    multiple: false,
    directory: false,
    filters: [{ name: "PEM certificate", extensions: ["crt", "pem", "cer"] }],
  });
}

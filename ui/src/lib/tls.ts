/**
 * The sentence beside a clinic-server connection that does not verify the server (Settings → Database).
 * Rust twin: `TLS_WARNING` in src-tauri/core/src/config.rs (the backend logs it, clinicctl prints it). No command
 * carries it to the UI (the warning shows while the person is still choosing), so its English is the message
 * `diagnostics.tls_warning`; lib/__tests__/tls.spec.ts fails when that English and the Rust sentence differ.
 */
import { t } from "../i18n";
import en from "../i18n/locales/en/diagnostics.json";

/** The English sentence (the Rust twin's, word for word). */
export const TLS_WARNING: string = en.tls_warning;

/** The sentence in the clinic's language (for the screen). */
export function tlsWarning(): string {
  return t("diagnostics.tls_warning");
}

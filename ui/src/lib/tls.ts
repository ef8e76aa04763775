/**
 * The sentence beside a clinic-server connection that does not verify the server (Settings → Database).
 * Rust twin: `TLS_WARNING` in src-tauri/core/src/config.rs (the backend logs it, clinicctl prints it). No command
 * carries it to the UI (the warning shows while the person is still choosing), so it is written here once;
 * lib/__tests__/tls.spec.ts fails when the two differ.
 */
export const TLS_WARNING =
  "Not verified: any computer on the network can pretend to be the server and collect staff passwords and " +
  'patient data. Use "Verify the server" with the clinic\'s CA file.';

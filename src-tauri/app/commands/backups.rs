//! Commands for backups (Settings → Backups) and for the connection banner ("reconnecting…").

use clinicdesk_core::db::backups::BackupSettings;
use clinicdesk_core::services::backups::{self, BackupRun, BackupStatus};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn backup_status(state: State<'_, AppState>) -> CmdResult<BackupStatus> {
    Ok(backups::status(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_backup_settings(
    state: State<'_, AppState>,
    input: BackupSettings,
) -> CmdResult<BackupSettings> {
    Ok(backups::update_settings(&state.pool().await?, &input).await?)
}

/// "Back up now": an administrator's request, run with this computer's owner connection to the built-in
/// database (a clinic server is backed up on the server).
#[tauri::command]
#[specta::specta]
pub async fn backup_now(state: State<'_, AppState>) -> CmdResult<BackupRun> {
    Ok(state.backup_now().await?)
}

/// Is the database answering? Brings the built-in server back first if it stopped; `true` when it had to (the UI
/// then says the connection is back). The UI polls this with backoff while it shows "reconnecting…".
#[tauri::command]
#[specta::specta]
pub async fn database_ping(state: State<'_, AppState>) -> CmdResult<bool> {
    Ok(state.ping().await?)
}

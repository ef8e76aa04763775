//! Clinical record and export commands. Exports run in the background: progress and the outcome reach the UI as
//! events (`export-progress`, `export-finished`), and a desktop notification says when the file is ready.

use std::sync::Arc;

use chrono::NaiveDate;
use clinicdesk_core::db::treatments::{Amendment, Recall, Treatment};
use clinicdesk_core::export::{self, ExportControl, ExportOutcome, ExportRequest};
use clinicdesk_core::services::clinical::{self, HistoryFilter, TreatmentInput, Visit};
use clinicdesk_core::Error;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_notification::NotificationExt;

use crate::error::CmdResult;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ExportStarted {
    pub export_id: i64,
    pub path: String,
}

/// Payload of the `export-progress` event.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ExportProgress {
    pub export_id: i64,
    pub rows: i64,
}

#[tauri::command]
#[specta::specta]
pub async fn record_treatment(
    state: State<'_, AppState>,
    appointment_id: i64,
    input: TreatmentInput,
) -> CmdResult<Treatment> {
    Ok(clinical::record(&state.pool().await?, appointment_id, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn amend_treatment(
    state: State<'_, AppState>,
    treatment_id: i64,
    input: TreatmentInput,
) -> CmdResult<Treatment> {
    Ok(clinical::amend(&state.pool().await?, treatment_id, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_treatment(
    state: State<'_, AppState>,
    appointment_id: i64,
) -> CmdResult<Option<Treatment>> {
    Ok(clinical::for_appointment(&state.pool().await?, appointment_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn treatment_amendments(
    state: State<'_, AppState>,
    treatment_id: i64,
) -> CmdResult<Vec<Amendment>> {
    Ok(clinical::amendments(&state.pool().await?, treatment_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn patient_history(
    state: State<'_, AppState>,
    patient_id: i64,
    filter: HistoryFilter,
) -> CmdResult<Vec<Visit>> {
    Ok(clinical::history(&state.pool().await?, patient_id, &filter).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn recall_list(state: State<'_, AppState>) -> CmdResult<Vec<Recall>> {
    Ok(clinical::recalls(&state.pool().await?).await?)
}

/// A save path without a dialog, when `CLINICDESK_EXPORT_DIR` is configured (unattended desks and tests).
#[tauri::command]
#[specta::specta]
pub async fn export_default_path(
    state: State<'_, AppState>,
    patient_id: i64,
) -> CmdResult<Option<String>> {
    Ok(export::default_path(&state.pool().await?, patient_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn export_patient_history(
    app: AppHandle,
    state: State<'_, AppState>,
    patient_id: i64,
    path: String,
    bom: bool,
) -> CmdResult<ExportStarted> {
    let request = ExportRequest::patient_history(patient_id, path, bom);
    start_export(app, &state, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn export_visits(
    app: AppHandle,
    state: State<'_, AppState>,
    from: NaiveDate,
    to: NaiveDate,
    path: String,
    bom: bool,
) -> CmdResult<ExportStarted> {
    start_export(app, &state, ExportRequest::visits(from, to, path, bom)).await
}

/// The DNA (no-show) report as CSV, through the same writer as the history export.
#[tauri::command]
#[specta::specta]
pub async fn export_no_shows(
    app: AppHandle,
    state: State<'_, AppState>,
    from: NaiveDate,
    to: NaiveDate,
    doctor_id: Option<i64>,
    path: String,
    bom: bool,
) -> CmdResult<ExportStarted> {
    let request = ExportRequest::no_shows(from, to, doctor_id, path, bom);
    start_export(app, &state, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_export(state: State<'_, AppState>, export_id: i64) -> CmdResult<()> {
    state.cancel_export(export_id);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn reveal_in_folder(path: String) -> CmdResult<()> {
    tauri_plugin_opener::reveal_item_in_dir(&path).map_err(|e| {
        tracing::warn!(error = %e, "reveal in folder failed");
        Error::Unavailable(clinicdesk_core::msg!(folder_not_opened)).into()
    })
}

/// Records the export, then writes it in the background; the command returns as soon as it has started.
async fn start_export(
    app: AppHandle,
    state: &AppState,
    request: ExportRequest,
) -> CmdResult<ExportStarted> {
    let pool = state.pool().await?;
    let started = export::start(&pool, request).await?;
    let export_id = started.export_id;
    let control = ExportControl {
        cancel: state.register_export(export_id),
        progress: Some(Arc::new({
            let app = app.clone();
            move |rows| {
                let _ = app.emit(
                    "export-progress",
                    ExportProgress {
                        export_id,
                        rows: rows as i64,
                    },
                );
            }
        })),
        fail_after_rows: None,
    };
    let path = started.request.path.display().to_string();
    tauri::async_runtime::spawn(async move {
        let outcome = export::run(&pool, &started, &control)
            .await
            .unwrap_or_else(|e| ExportOutcome::failed(&started, &e));
        app.state::<AppState>().finish_export(export_id);
        if let Err(e) = app
            .notification()
            .builder()
            .title("ClinicDesk export")
            .body(&outcome.message)
            .show()
        {
            tracing::debug!(error = %e, "desktop notification not shown");
        }
        let _ = app.emit("export-finished", outcome);
    });
    Ok(ExportStarted { export_id, path })
}

//! Dashboards, diagnostics, the audit log viewer and the global quick search: each parses, calls one core
//! service (the services use the session's caches), maps the result.

use std::path::PathBuf;

use clinicdesk_core::services::{
    audit::{self, AuditExport, AuditFilter, AuditKinds, AuditPage},
    dashboard::{self, AdminDashboard, DoctorDashboard},
    diagnostics::{self, Diagnostics},
    quick_search::{self, QuickResults},
};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn admin_dashboard(state: State<'_, AppState>) -> CmdResult<AdminDashboard> {
    Ok(dashboard::admin_today(&state.desk().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn doctor_dashboard(state: State<'_, AppState>) -> CmdResult<DoctorDashboard> {
    Ok(dashboard::doctor_today(&state.desk().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_diagnostics(state: State<'_, AppState>) -> CmdResult<Diagnostics> {
    Ok(diagnostics::collect(&state.desk().await?, env!("CARGO_PKG_VERSION")).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn audit_log(
    state: State<'_, AppState>,
    filter: AuditFilter,
    page: i64,
) -> CmdResult<AuditPage> {
    Ok(audit::list(&state.pool().await?, &filter, page).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn audit_log_kinds(state: State<'_, AppState>) -> CmdResult<AuditKinds> {
    Ok(audit::kinds(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn export_audit_log(
    state: State<'_, AppState>,
    filter: AuditFilter,
    path: String,
) -> CmdResult<AuditExport> {
    Ok(audit::export_csv(&state.pool().await?, &filter, &PathBuf::from(path)).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn quick_search(state: State<'_, AppState>, query: String) -> CmdResult<QuickResults> {
    Ok(quick_search::search(&state.desk().await?, &query).await?)
}

//! Dashboards, diagnostics, the audit log viewer and the global quick search: each parses, calls one core
//! service (through the session's caches where the data is cached), maps the result.

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
    let pool = state.pool().await?;
    let today = dashboard::today(&pool).await?;
    let d = state
        .caches
        .admin_dashboard(today, || dashboard::admin(&pool, Some(today)))
        .await?;
    Ok(d.as_ref().clone())
}

#[tauri::command]
#[specta::specta]
pub async fn doctor_dashboard(state: State<'_, AppState>) -> CmdResult<DoctorDashboard> {
    let pool = state.pool().await?;
    let doctor_id = dashboard::my_doctor_id(&pool).await?;
    let today = dashboard::today(&pool).await?;
    let d = state
        .caches
        .doctor_dashboard(doctor_id, today, || {
            dashboard::doctor(&pool, doctor_id, Some(today))
        })
        .await?;
    Ok(d.as_ref().clone())
}

#[tauri::command]
#[specta::specta]
pub async fn get_diagnostics(state: State<'_, AppState>) -> CmdResult<Diagnostics> {
    Ok(diagnostics::collect(
        &state.pool().await?,
        &state.caches,
        env!("CARGO_PKG_VERSION"),
    )
    .await?)
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
    Ok(quick_search::search(&state.pool().await?, &state.caches, &query).await?)
}

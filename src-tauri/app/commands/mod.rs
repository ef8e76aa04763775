//! The Tauri commands: each parses its arguments, calls one core service and maps the result. No logic here.

pub mod appointment_types;
pub mod backups;
pub mod clinical;
pub mod insights;
pub mod jobs;
pub mod patients;
pub mod scheduling;
pub mod waitlist;

use clinicdesk_core::config::DatabaseConfig;
use clinicdesk_core::db::{
    departments::{Department, DepartmentInput},
    reminder_rules::{QuietHours, ReminderRule, ReminderRuleInput},
    settings::ClinicSettings,
    staff::Staff,
};
use clinicdesk_core::security::password::{self, PasswordStrength};
use clinicdesk_core::services::{
    self,
    auth::Session,
    database::DatabaseCheck,
    setup::AppStatus,
    setup::{SetupInput, SetupOutcome},
    staff::NewStaff,
};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    let status = state.status(env!("CARGO_PKG_VERSION")).await?;
    state.log_first_screen(status.setup_required);
    Ok(status)
}

#[tauri::command]
#[specta::specta]
pub async fn list_time_zones() -> CmdResult<Vec<String>> {
    Ok(services::settings::time_zones())
}

#[tauri::command]
#[specta::specta]
pub async fn password_strength(password: String) -> CmdResult<PasswordStrength> {
    Ok(password::strength(&password, &[]))
}

#[tauri::command]
#[specta::specta]
pub async fn complete_setup(
    state: State<'_, AppState>,
    input: SetupInput,
) -> CmdResult<SetupOutcome> {
    Ok(state.complete_setup(&input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> CmdResult<Session> {
    Ok(state.sign_in(&username, &password).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, AppState>) -> CmdResult<()> {
    state.sign_out().await;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn current_session(state: State<'_, AppState>) -> CmdResult<Option<Session>> {
    Ok(state.session().await.map(|s| s.session))
}

#[tauri::command]
#[specta::specta]
pub async fn list_staff(state: State<'_, AppState>) -> CmdResult<Vec<Staff>> {
    Ok(services::staff::list(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_staff(state: State<'_, AppState>, input: NewStaff) -> CmdResult<Staff> {
    Ok(services::staff::create(&state.pool().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn reset_staff_password(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> CmdResult<()> {
    Ok(services::staff::reset_password(&state.pool().await?, &username, &password).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_staff_active(
    state: State<'_, AppState>,
    username: String,
    active: bool,
) -> CmdResult<Staff> {
    Ok(services::staff::set_active(&state.pool().await?, &username, active).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_departments(state: State<'_, AppState>) -> CmdResult<Vec<Department>> {
    Ok(services::departments::list(&state.desk().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_department(
    state: State<'_, AppState>,
    input: DepartmentInput,
) -> CmdResult<Department> {
    Ok(services::departments::create(&state.desk().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_department(
    state: State<'_, AppState>,
    id: i64,
    input: DepartmentInput,
) -> CmdResult<Department> {
    Ok(services::departments::update(&state.desk().await?, id, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_department(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    Ok(services::departments::delete(&state.desk().await?, id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> CmdResult<ClinicSettings> {
    Ok(services::settings::get(&state.pool().await?).await?)
}

/// Minutes of waiting after which the flow board marks a patient.
#[tauri::command]
#[specta::specta]
pub async fn get_wait_alert_minutes(state: State<'_, AppState>) -> CmdResult<i32> {
    Ok(services::settings::wait_alert_minutes(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_wait_alert_minutes(state: State<'_, AppState>, minutes: i32) -> CmdResult<i32> {
    Ok(services::settings::set_wait_alert_minutes(&state.pool().await?, minutes).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_reminder_rules(state: State<'_, AppState>) -> CmdResult<Vec<ReminderRule>> {
    Ok(services::reminder_rules::list(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_reminder_rule(
    state: State<'_, AppState>,
    input: ReminderRuleInput,
) -> CmdResult<ReminderRule> {
    Ok(services::reminder_rules::add(&state.pool().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_reminder_rule(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    Ok(services::reminder_rules::remove(&state.pool().await?, id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_quiet_hours(state: State<'_, AppState>) -> CmdResult<QuietHours> {
    Ok(services::reminder_rules::quiet_hours(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_quiet_hours(
    state: State<'_, AppState>,
    input: QuietHours,
) -> CmdResult<QuietHours> {
    Ok(services::reminder_rules::set_quiet_hours(&state.pool().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_settings(
    state: State<'_, AppState>,
    input: ClinicSettings,
) -> CmdResult<ClinicSettings> {
    Ok(services::settings::update(&state.pool().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_database_config(state: State<'_, AppState>) -> CmdResult<DatabaseConfig> {
    Ok(state.config()?.database)
}

/// Checks the chosen database and, when it answers, saves the choice and signs out so the next sign-in uses it.
/// This computer's configuration file is local, so only an administrator's session may change it here.
#[tauri::command]
#[specta::specta]
pub async fn set_database_config(
    state: State<'_, AppState>,
    config: DatabaseConfig,
) -> CmdResult<DatabaseCheck> {
    Ok(state.choose_database(config).await?)
}

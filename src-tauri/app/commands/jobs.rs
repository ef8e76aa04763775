//! Jobs, outbox, channel settings and reports commands (administrators; reports also for doctors).

use chrono::NaiveDate;
use clinicdesk_core::db::channel_settings::{ChannelSettings, ChannelSettingsInput};
use clinicdesk_core::db::job_runs::JobRun;
use clinicdesk_core::db::job_settings::JobSettings;
use clinicdesk_core::db::notifications::{MessageChannel, OutboxCounts, OutboxFilter, OutboxItem};
use clinicdesk_core::db::reports::{ReportDocument, ReportSummary};
use clinicdesk_core::jobs::JobKind;
use clinicdesk_core::services::jobs::{self, JobsOverview, RunNowResult};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn get_job_settings(state: State<'_, AppState>) -> CmdResult<JobSettings> {
    Ok(jobs::get_job_settings(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_job_settings(
    state: State<'_, AppState>,
    input: JobSettings,
) -> CmdResult<JobSettings> {
    Ok(jobs::update_job_settings(&state.pool().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_channel_settings(state: State<'_, AppState>) -> CmdResult<ChannelSettings> {
    Ok(jobs::get_channel_settings(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_channel_settings(
    state: State<'_, AppState>,
    input: ChannelSettingsInput,
) -> CmdResult<ChannelSettings> {
    Ok(jobs::update_channel_settings(&state.pool().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn send_test_message(
    state: State<'_, AppState>,
    channel: MessageChannel,
    input: ChannelSettingsInput,
    recipient: String,
) -> CmdResult<String> {
    Ok(jobs::send_test(&state.pool().await?, channel, &input, &recipient).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn jobs_overview(state: State<'_, AppState>) -> CmdResult<JobsOverview> {
    Ok(state.jobs_overview().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn job_runs(
    state: State<'_, AppState>,
    job: Option<JobKind>,
    limit: i64,
) -> CmdResult<Vec<JobRun>> {
    Ok(jobs::runs(&state.pool().await?, job, limit).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn run_job_now(state: State<'_, AppState>, job: JobKind) -> CmdResult<RunNowResult> {
    Ok(jobs::run_now(&state.pool().await?, job, state.owner().await).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_outbox(
    state: State<'_, AppState>,
    filter: OutboxFilter,
) -> CmdResult<Vec<OutboxItem>> {
    Ok(jobs::list_outbox(&state.pool().await?, &filter).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn outbox_counts(state: State<'_, AppState>) -> CmdResult<OutboxCounts> {
    Ok(jobs::outbox_counts(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn retry_notification(state: State<'_, AppState>, id: i64) -> CmdResult<OutboxItem> {
    Ok(jobs::retry(&state.pool().await?, id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_notification(state: State<'_, AppState>, id: i64) -> CmdResult<OutboxItem> {
    Ok(jobs::cancel(&state.pool().await?, id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn dispatch_now(state: State<'_, AppState>) -> CmdResult<i64> {
    Ok(jobs::dispatch_now(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_reports(
    state: State<'_, AppState>,
    month: NaiveDate,
) -> CmdResult<Vec<ReportSummary>> {
    Ok(jobs::list_reports(&state.pool().await?, month).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_report(state: State<'_, AppState>, id: i64) -> CmdResult<ReportDocument> {
    Ok(jobs::get_report(&state.pool().await?, id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn regenerate_reports(
    state: State<'_, AppState>,
    month: NaiveDate,
) -> CmdResult<RunNowResult> {
    Ok(jobs::regenerate_reports(&state.pool().await?, month).await?)
}

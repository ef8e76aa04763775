//! Waitlist commands: add, list and close entries, match a freed slot, book a waiting patient into it.

use chrono::{DateTime, Utc};
use clinicdesk_core::services::{
    scheduling::Appointment,
    waitlist::{self, FreedSlot, SlotMatches, WaitlistEntry, WaitlistInput},
};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn add_waitlist_entry(
    state: State<'_, AppState>,
    input: WaitlistInput,
) -> CmdResult<WaitlistEntry> {
    Ok(waitlist::add(&state.pool().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_waitlist(
    state: State<'_, AppState>,
    include_closed: bool,
) -> CmdResult<Vec<WaitlistEntry>> {
    Ok(waitlist::list(&state.pool().await?, include_closed).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn close_waitlist_entry(state: State<'_, AppState>, id: i64) -> CmdResult<WaitlistEntry> {
    Ok(waitlist::close(&state.pool().await?, id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn waitlist_matches(
    state: State<'_, AppState>,
    slot: FreedSlot,
) -> CmdResult<SlotMatches> {
    Ok(waitlist::matches(&state.pool().await?, &slot).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn book_from_waitlist(
    state: State<'_, AppState>,
    entry_id: i64,
    doctor_id: i64,
    starts_at: DateTime<Utc>,
) -> CmdResult<Appointment> {
    Ok(waitlist::book(&state.desk().await?, entry_id, doctor_id, starts_at).await?)
}

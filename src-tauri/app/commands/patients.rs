//! Patient-record commands: the duplicate warning before saving and the administrator's merge.

use clinicdesk_core::db::patients::DuplicateCandidate;
use clinicdesk_core::services::patients::{self, DuplicateQuery, MergeOutcome};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn find_duplicate_patients(
    state: State<'_, AppState>,
    query: DuplicateQuery,
) -> CmdResult<Vec<DuplicateCandidate>> {
    Ok(patients::find_duplicates(&state.desk().await?, &query).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn merge_patients(
    state: State<'_, AppState>,
    merged_id: i64,
    survivor_id: i64,
) -> CmdResult<MergeOutcome> {
    Ok(patients::merge(&state.desk().await?, merged_id, survivor_id).await?)
}

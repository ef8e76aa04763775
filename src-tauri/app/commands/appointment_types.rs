//! Appointment-type commands: the types (administrators edit them) and which doctors offer them.

use clinicdesk_core::db::appointment_types::{AppointmentType, AppointmentTypeInput, TypeOffer};
use clinicdesk_core::services::appointment_types::{self as types, OfferedType};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_appointment_types(state: State<'_, AppState>) -> CmdResult<Vec<AppointmentType>> {
    Ok(types::list(&state.desk().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_appointment_type(
    state: State<'_, AppState>,
    input: AppointmentTypeInput,
) -> CmdResult<AppointmentType> {
    Ok(types::create(&state.desk().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_appointment_type(
    state: State<'_, AppState>,
    id: i64,
    input: AppointmentTypeInput,
) -> CmdResult<AppointmentType> {
    Ok(types::update(&state.desk().await?, id, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn doctor_appointment_types(
    state: State<'_, AppState>,
    doctor_id: i64,
) -> CmdResult<Vec<OfferedType>> {
    Ok(types::offered_by(&state.desk().await?, doctor_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_doctor_appointment_types(
    state: State<'_, AppState>,
    doctor_id: i64,
    offers: Vec<TypeOffer>,
) -> CmdResult<()> {
    Ok(types::set_offers(&state.desk().await?, doctor_id, &offers).await?)
}

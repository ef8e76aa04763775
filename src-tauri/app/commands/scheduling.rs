//! Scheduling commands for the front desk and doctors: each parses, calls one core service, maps the result.

use chrono::{DateTime, NaiveDate, Utc};
use clinicdesk_core::cache::{Change, SlotKey};
use clinicdesk_core::db::{
    appointments::AppointmentStatus,
    availability::{AvailabilityException, ExceptionInput, WeeklySession},
    doctors::{Doctor, DoctorInput},
    patients::{Patient, PatientHit, PatientInput},
};
use clinicdesk_core::services::{
    availability::{self, DoctorAvailability},
    doctors::{self, DoctorActivation},
    patients,
    scheduling::{self as appts, Appointment, Slot, SlotDay, TodayBoard},
};
use clinicdesk_core::Error;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_doctors(
    state: State<'_, AppState>,
    include_inactive: bool,
) -> CmdResult<Vec<Doctor>> {
    let pool = state.pool().await?;
    let list = state
        .caches
        .doctors(include_inactive, || doctors::list(&pool, include_inactive))
        .await?;
    Ok(list.as_ref().clone())
}

#[tauri::command]
#[specta::specta]
pub async fn my_doctor(state: State<'_, AppState>) -> CmdResult<Option<Doctor>> {
    Ok(doctors::mine(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_doctor(state: State<'_, AppState>, input: DoctorInput) -> CmdResult<Doctor> {
    let d = doctors::create(&state.pool().await?, &input).await?;
    state.caches.invalidate(Change::Doctor(Some(d.id))).await;
    Ok(d)
}

#[tauri::command]
#[specta::specta]
pub async fn update_doctor(
    state: State<'_, AppState>,
    id: i64,
    input: DoctorInput,
) -> CmdResult<Doctor> {
    let d = doctors::update(&state.pool().await?, id, &input).await?;
    state.caches.invalidate(Change::Doctor(Some(id))).await;
    Ok(d)
}

#[tauri::command]
#[specta::specta]
pub async fn set_doctor_active(
    state: State<'_, AppState>,
    id: i64,
    active: bool,
) -> CmdResult<DoctorActivation> {
    let d = doctors::set_active(&state.pool().await?, id, active).await?;
    state.caches.invalidate(Change::Doctor(Some(id))).await;
    Ok(d)
}

#[tauri::command]
#[specta::specta]
pub async fn get_availability(
    state: State<'_, AppState>,
    doctor_id: i64,
) -> CmdResult<DoctorAvailability> {
    Ok(availability::get(&state.pool().await?, doctor_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_weekly_availability(
    state: State<'_, AppState>,
    doctor_id: i64,
    slot_minutes: i32,
    sessions: Vec<WeeklySession>,
) -> CmdResult<DoctorAvailability> {
    let a =
        availability::set_weekly(&state.pool().await?, doctor_id, slot_minutes, &sessions).await?;
    state
        .caches
        .invalidate(Change::Doctor(Some(doctor_id)))
        .await;
    Ok(a)
}

#[tauri::command]
#[specta::specta]
pub async fn add_availability_exception(
    state: State<'_, AppState>,
    input: ExceptionInput,
) -> CmdResult<AvailabilityException> {
    let e = availability::add_exception(&state.pool().await?, &input).await?;
    state
        .caches
        .invalidate(Change::Availability(e.doctor_id))
        .await;
    Ok(e)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_availability_exception(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    availability::remove_exception(&state.pool().await?, id).await?;
    state.caches.invalidate(Change::Availability(None)).await;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn list_holidays(state: State<'_, AppState>) -> CmdResult<Vec<AvailabilityException>> {
    Ok(availability::holidays(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn free_slots(
    state: State<'_, AppState>,
    doctor_id: i64,
    from: NaiveDate,
    days: i64,
) -> CmdResult<Vec<SlotDay>> {
    let pool = state.pool().await?;
    let key = SlotKey {
        doctor_id,
        from,
        days,
    };
    let slots = state
        .caches
        .slots(key, || appts::free_slots(&pool, doctor_id, from, days))
        .await?;
    Ok(slots.as_ref().clone())
}

#[tauri::command]
#[specta::specta]
pub async fn first_available(
    state: State<'_, AppState>,
    department_id: i64,
) -> CmdResult<Option<Slot>> {
    Ok(appts::first_available(&state.pool().await?, department_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn register_patient(
    state: State<'_, AppState>,
    input: PatientInput,
) -> CmdResult<Patient> {
    Ok(patients::register(&state.pool().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_patient(
    state: State<'_, AppState>,
    id: i64,
    input: PatientInput,
) -> CmdResult<Patient> {
    Ok(patients::update(&state.pool().await?, id, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_patient(state: State<'_, AppState>, id: i64) -> CmdResult<Patient> {
    Ok(patients::get(&state.pool().await?, id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn search_patients(
    state: State<'_, AppState>,
    query: String,
) -> CmdResult<Vec<PatientHit>> {
    Ok(patients::search(&state.pool().await?, &query).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn blacklist_patient(
    state: State<'_, AppState>,
    id: i64,
    reason: String,
) -> CmdResult<Patient> {
    Ok(patients::blacklist(&state.pool().await?, id, &reason).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn lift_blacklist(state: State<'_, AppState>, id: i64) -> CmdResult<Patient> {
    Ok(patients::lift_blacklist(&state.pool().await?, id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn book_appointment(
    state: State<'_, AppState>,
    doctor_id: i64,
    patient_id: i64,
    starts_at: DateTime<Utc>,
    request_key: Option<String>,
) -> CmdResult<Appointment> {
    let pool = state.pool().await?;
    let r = match request_key {
        // a retry with the same key returns the first booking instead of booking twice
        Some(key) => appts::book_idempotent(&pool, &key, doctor_id, patient_id, starts_at).await,
        None => appts::book(&pool, doctor_id, patient_id, starts_at).await,
    };
    // also on a Conflict: the grid the desk reloads next must not come from a stale cache
    if matches!(r, Ok(_) | Err(Error::Conflict(_))) {
        state
            .caches
            .invalidate(Change::Appointment(Some(doctor_id)))
            .await;
    }
    Ok(r?)
}

#[tauri::command]
#[specta::specta]
pub async fn reschedule_appointment(
    state: State<'_, AppState>,
    id: i64,
    starts_at: DateTime<Utc>,
) -> CmdResult<Appointment> {
    let r = appts::reschedule(&state.pool().await?, id, starts_at).await;
    match &r {
        Ok(a) => {
            state
                .caches
                .invalidate(Change::Appointment(Some(a.doctor_id)))
                .await
        }
        Err(Error::Conflict(_)) => state.caches.invalidate(Change::Appointment(None)).await,
        Err(_) => {}
    }
    Ok(r?)
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_appointment(
    state: State<'_, AppState>,
    id: i64,
    reason: String,
) -> CmdResult<Appointment> {
    let a = appts::cancel(&state.pool().await?, id, &reason).await?;
    state
        .caches
        .invalidate(Change::Appointment(Some(a.doctor_id)))
        .await;
    Ok(a)
}

#[tauri::command]
#[specta::specta]
pub async fn check_in(state: State<'_, AppState>, id: i64) -> CmdResult<Appointment> {
    let a = appts::set_status(&state.pool().await?, id, AppointmentStatus::CheckedIn).await?;
    state
        .caches
        .invalidate(Change::Appointment(Some(a.doctor_id)))
        .await;
    Ok(a)
}

#[tauri::command]
#[specta::specta]
pub async fn mark_no_show(state: State<'_, AppState>, id: i64) -> CmdResult<Appointment> {
    let a = appts::set_status(&state.pool().await?, id, AppointmentStatus::NoShow).await?;
    state
        .caches
        .invalidate(Change::Appointment(Some(a.doctor_id)))
        .await;
    Ok(a)
}

#[tauri::command]
#[specta::specta]
pub async fn complete_appointment(state: State<'_, AppState>, id: i64) -> CmdResult<Appointment> {
    let a = appts::set_status(&state.pool().await?, id, AppointmentStatus::Completed).await?;
    state
        .caches
        .invalidate(Change::Appointment(Some(a.doctor_id)))
        .await;
    Ok(a)
}

#[tauri::command]
#[specta::specta]
pub async fn walk_in(
    state: State<'_, AppState>,
    patient_id: i64,
    doctor_id: i64,
    overbook: bool,
) -> CmdResult<Appointment> {
    let a = appts::walk_in(&state.pool().await?, patient_id, doctor_id, overbook).await?;
    state
        .caches
        .invalidate(Change::Appointment(Some(a.doctor_id)))
        .await;
    Ok(a)
}

#[tauri::command]
#[specta::specta]
pub async fn today_board(
    state: State<'_, AppState>,
    date: Option<NaiveDate>,
) -> CmdResult<TodayBoard> {
    Ok(appts::today_board(&state.pool().await?, date).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn doctor_calendar(
    state: State<'_, AppState>,
    doctor_id: i64,
    from: NaiveDate,
    days: i64,
) -> CmdResult<Vec<Appointment>> {
    Ok(appts::doctor_calendar(&state.pool().await?, doctor_id, from, days).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn patient_appointments(
    state: State<'_, AppState>,
    patient_id: i64,
) -> CmdResult<Vec<Appointment>> {
    Ok(appts::for_patient(&state.pool().await?, patient_id).await?)
}

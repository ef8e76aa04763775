//! Scheduling commands for the front desk and doctors: each parses, calls one core service, maps the result.

use chrono::{DateTime, NaiveDate, Utc};
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
    scheduling::{
        self as appts, Appointment, BookingRequest, Occurrence, SeriesRequest, Slot, SlotDay,
        TodayBoard,
    },
};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_doctors(
    state: State<'_, AppState>,
    include_inactive: bool,
) -> CmdResult<Vec<Doctor>> {
    Ok(doctors::list(&state.desk().await?, include_inactive).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn my_doctor(state: State<'_, AppState>) -> CmdResult<Option<Doctor>> {
    Ok(doctors::mine(&state.pool().await?).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_doctor(state: State<'_, AppState>, input: DoctorInput) -> CmdResult<Doctor> {
    Ok(doctors::create(&state.desk().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_doctor(
    state: State<'_, AppState>,
    id: i64,
    input: DoctorInput,
) -> CmdResult<Doctor> {
    Ok(doctors::update(&state.desk().await?, id, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_doctor_active(
    state: State<'_, AppState>,
    id: i64,
    active: bool,
) -> CmdResult<DoctorActivation> {
    Ok(doctors::set_active(&state.desk().await?, id, active).await?)
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
    let desk = state.desk().await?;
    Ok(availability::set_weekly(&desk, doctor_id, slot_minutes, &sessions).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_availability_exception(
    state: State<'_, AppState>,
    input: ExceptionInput,
) -> CmdResult<AvailabilityException> {
    Ok(availability::add_exception(&state.desk().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_availability_exception(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    Ok(availability::remove_exception(&state.desk().await?, id).await?)
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
    type_id: Option<i64>,
    from: NaiveDate,
    days: i64,
) -> CmdResult<Vec<SlotDay>> {
    Ok(appts::free_starts(&state.desk().await?, doctor_id, type_id, from, days).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn first_available(
    state: State<'_, AppState>,
    department_id: i64,
    type_id: Option<i64>,
) -> CmdResult<Option<Slot>> {
    Ok(appts::first_available(&state.pool().await?, department_id, type_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn register_patient(
    state: State<'_, AppState>,
    input: PatientInput,
) -> CmdResult<Patient> {
    Ok(patients::register(&state.desk().await?, &input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_patient(
    state: State<'_, AppState>,
    id: i64,
    input: PatientInput,
) -> CmdResult<Patient> {
    Ok(patients::update(&state.desk().await?, id, &input).await?)
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
    Ok(patients::blacklist(&state.desk().await?, id, &reason).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn lift_blacklist(state: State<'_, AppState>, id: i64) -> CmdResult<Patient> {
    Ok(patients::lift_blacklist(&state.desk().await?, id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn book_appointment(
    state: State<'_, AppState>,
    visit: BookingRequest,
    request_key: Option<String>,
) -> CmdResult<Appointment> {
    // a retry with the same key returns the first booking instead of booking twice
    Ok(appts::book_visit(&state.desk().await?, &visit, request_key.as_deref()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn reschedule_appointment(
    state: State<'_, AppState>,
    id: i64,
    starts_at: DateTime<Utc>,
) -> CmdResult<Appointment> {
    Ok(appts::reschedule(&state.desk().await?, id, starts_at).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_appointment(
    state: State<'_, AppState>,
    id: i64,
    reason: String,
) -> CmdResult<Appointment> {
    Ok(appts::cancel(&state.desk().await?, id, &reason).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn check_in(state: State<'_, AppState>, id: i64) -> CmdResult<Appointment> {
    Ok(appts::set_status(&state.desk().await?, id, AppointmentStatus::CheckedIn).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn mark_no_show(state: State<'_, AppState>, id: i64) -> CmdResult<Appointment> {
    Ok(appts::set_status(&state.desk().await?, id, AppointmentStatus::NoShow).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn complete_appointment(state: State<'_, AppState>, id: i64) -> CmdResult<Appointment> {
    Ok(appts::set_status(&state.desk().await?, id, AppointmentStatus::Completed).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn walk_in(
    state: State<'_, AppState>,
    patient_id: i64,
    doctor_id: i64,
    type_id: Option<i64>,
    overbook: bool,
) -> CmdResult<Appointment> {
    Ok(appts::walk_in(
        &state.desk().await?,
        patient_id,
        doctor_id,
        type_id,
        overbook,
    )
    .await?)
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

#[tauri::command]
#[specta::specta]
pub async fn preview_series(
    state: State<'_, AppState>,
    request: SeriesRequest,
) -> CmdResult<Vec<Occurrence>> {
    Ok(appts::preview_series(&state.desk().await?, &request).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn book_series(
    state: State<'_, AppState>,
    request: SeriesRequest,
    starts: Vec<DateTime<Utc>>,
) -> CmdResult<Vec<Appointment>> {
    Ok(appts::book_series(&state.desk().await?, &request, &starts).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_series(
    state: State<'_, AppState>,
    id: i64,
    reason: String,
    and_later: bool,
) -> CmdResult<i64> {
    Ok(appts::cancel_series(&state.desk().await?, id, &reason, and_later).await?)
}

/// The doctor's "call next": the first patient who arrived today goes in (issue 14).
#[tauri::command]
#[specta::specta]
pub async fn call_next(state: State<'_, AppState>, doctor_id: i64) -> CmdResult<Appointment> {
    Ok(appts::call_next(&state.desk().await?, doctor_id).await?)
}

/// The DNA (no-show) report of a period, one doctor or all (a doctor gets their own).
#[tauri::command]
#[specta::specta]
pub async fn no_show_report(
    state: State<'_, AppState>,
    from: NaiveDate,
    to: NaiveDate,
    doctor_id: Option<i64>,
) -> CmdResult<appts::NoShowReport> {
    Ok(appts::no_show_report(&state.pool().await?, from, to, doctor_id).await?)
}

//! Appointments (`appointments`): the rows the front desk books, moves and closes, read with the doctor's and
//! patient's names. Overlaps are refused by the table's exclusion constraints; status moves by its trigger.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    CheckedIn,
    Completed,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    pub fn label(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::CheckedIn => "checked in",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "a no-show",
        }
    }
}

/// An appointment as stored, with names for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRow {
    pub id: i64,
    pub doctor_id: i64,
    pub doctor_name: String,
    pub department_name: String,
    pub patient_id: i64,
    pub patient_name: String,
    pub patient_mrn: String,
    pub patient_blacklisted: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: AppointmentStatus,
    pub cancel_reason: Option<String>,
    pub overbooked: bool,
}

macro_rules! select_rows {
    ($where:literal, $($arg:expr),*) => {
        sqlx::query_as!(
            AppointmentRow,
            r#"SELECT a.id, a.doctor_id, d.full_name AS doctor_name, dep.name AS department_name, a.patient_id,
                      p.full_name AS patient_name, p.mrn AS patient_mrn, p.blacklisted_at IS NOT NULL AS "patient_blacklisted!",
                      a.starts_at, a.ends_at, a.status AS "status: AppointmentStatus", a.cancel_reason, a.overbooked
                 FROM appointments a
                 JOIN doctors d ON d.id = a.doctor_id
                 JOIN departments dep ON dep.id = d.department_id
                 JOIN patients p ON p.id = a.patient_id
                WHERE "# + $where,
            $($arg),*
        )
    };
}

pub async fn get(db: &mut PgConnection, id: i64) -> Result<Option<AppointmentRow>> {
    Ok(select_rows!("a.id = $1", id).fetch_optional(db).await?)
}

pub async fn for_doctor(
    db: &mut PgConnection,
    doctor_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<AppointmentRow>> {
    Ok(select_rows!(
        "a.doctor_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 ORDER BY a.starts_at, a.id",
        doctor_id,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

pub async fn in_range(
    db: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<AppointmentRow>> {
    Ok(select_rows!(
        "a.starts_at >= $1 AND a.starts_at < $2 ORDER BY a.doctor_id, a.starts_at, a.id",
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

pub async fn for_patient(db: &mut PgConnection, patient_id: i64) -> Result<Vec<AppointmentRow>> {
    Ok(select_rows!(
        "a.patient_id = $1 ORDER BY a.starts_at DESC, a.id",
        patient_id
    )
    .fetch_all(db)
    .await?)
}

/// Booked or checked-in appointments of a doctor from `from` on (what deactivation or withdrawal would strand).
pub async fn upcoming_for_doctor(
    db: &mut PgConnection,
    doctor_id: i64,
    from: DateTime<Utc>,
) -> Result<Vec<AppointmentRow>> {
    Ok(select_rows!(
        "a.doctor_id = $1 AND a.starts_at >= $2 AND a.status IN ('booked', 'checked_in') ORDER BY a.starts_at",
        doctor_id,
        from
    )
    .fetch_all(db)
    .await?)
}

/// The non-cancelled appointment that overlaps `[start, end)` for a doctor or a patient (for Conflict sentences).
pub async fn blocking(
    db: &mut PgConnection,
    doctor_id: Option<i64>,
    patient_id: Option<i64>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Option<AppointmentRow>> {
    Ok(select_rows!(
        "a.status <> 'cancelled' AND a.during && tstzrange($3, $4, '[)')
           AND (a.doctor_id = $1 OR a.patient_id = $2) ORDER BY a.starts_at LIMIT 1",
        doctor_id,
        patient_id,
        start,
        end
    )
    .fetch_optional(db)
    .await?)
}

/// Busy intervals (non-cancelled) of several doctors in a range: (doctor_id, start, end).
pub async fn busy(
    db: &mut PgConnection,
    doctor_ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(i64, DateTime<Utc>, DateTime<Utc>)>> {
    // appointments last at most a day (appointments_length), so the lower bound keeps the index range short
    Ok(sqlx::query!(
        "SELECT doctor_id, starts_at, ends_at FROM appointments
          WHERE doctor_id = ANY($1) AND status <> 'cancelled'
            AND starts_at > $2::timestamptz - interval '1 day' AND starts_at < $3 AND ends_at > $2",
        doctor_ids,
        from,
        to
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.doctor_id, r.starts_at, r.ends_at))
    .collect())
}

pub async fn insert(
    db: &mut PgConnection,
    doctor_id: i64,
    patient_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    overbooked: bool,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, overbooked) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        doctor_id,
        patient_id,
        start,
        end,
        overbooked
    )
    .fetch_one(db)
    .await?)
}

/// Serialises changes to one patient's appointments (see `booking_context`).
pub async fn lock_patient(db: &mut PgConnection, patient_id: i64) -> Result<()> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(7002, ($1::bigint % 2147483647)::int)",
        patient_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Locks one appointment for a status change or a move.
pub async fn lock(db: &mut PgConnection, id: i64) -> Result<Option<(AppointmentStatus, i64, i64)>> {
    Ok(sqlx::query!(r#"SELECT status AS "status: AppointmentStatus", doctor_id, patient_id FROM appointments WHERE id = $1 FOR UPDATE"#, id)
        .fetch_optional(db)
        .await?
        .map(|r| (r.status, r.doctor_id, r.patient_id)))
}

pub async fn move_to(
    db: &mut PgConnection,
    id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<()> {
    sqlx::query!(
        "UPDATE appointments SET starts_at = $2, ends_at = $3 WHERE id = $1",
        id,
        start,
        end
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_status(db: &mut PgConnection, id: i64, status: AppointmentStatus) -> Result<()> {
    sqlx::query!(
        "UPDATE appointments SET status = $2 WHERE id = $1",
        id,
        status as AppointmentStatus
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Cancels with its reason (reception and administrators hold the column privilege for the reason).
pub async fn cancel(db: &mut PgConnection, id: i64, reason: &str) -> Result<()> {
    sqlx::query!(
        "UPDATE appointments SET status = 'cancelled', cancel_reason = $2 WHERE id = $1",
        id,
        reason
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What `clinicdesk_book` answered (see its migration): the appointment made (or the one an earlier attempt with the
/// same request key made, `existing`), or a refusal code with the names its sentence needs.
#[derive(Debug, Clone)]
pub struct Booking {
    pub appointment_id: Option<i64>,
    pub existing: Option<bool>,
    pub refusal: Option<String>,
    pub time_zone: Option<String>,
    pub doctor_name: Option<String>,
    pub department_name: Option<String>,
    pub patient_name: Option<String>,
    pub patient_mrn: Option<String>,
    pub blacklist_reason: Option<String>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// Books in one statement (its own transaction): locks, rules, the slot check in the clinic's zone, the INSERT with
/// its outbox message and the request key, all in the database.
pub async fn book(
    db: &mut PgConnection,
    doctor_id: i64,
    patient_id: i64,
    starts_at: DateTime<Utc>,
    key: Option<&str>,
) -> Result<Booking> {
    Ok(sqlx::query_as!(
        Booking,
        r#"SELECT appointment_id, existing, refusal, time_zone, doctor_name, department_name, patient_name,
                  patient_mrn, blacklist_reason, ends_at
             FROM clinicdesk_book($1, $2, $3, $4)"#,
        doctor_id,
        patient_id,
        starts_at,
        key
    )
    .fetch_one(db)
    .await?)
}

/// The end of the doctor's slot starting at `starts_at` in `zone`, computed by the database (`clinicdesk_slot_end`,
/// which the booking uses); `None` when it is not one of the doctor's slots.
pub async fn slot_end(
    db: &mut PgConnection,
    doctor_id: i64,
    slot_minutes: i32,
    starts_at: DateTime<Utc>,
    zone: &str,
) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar!(
        "SELECT clinicdesk_slot_end($1, $2, $3, $4)",
        doctor_id,
        slot_minutes,
        starts_at,
        zone
    )
    .fetch_one(db)
    .await?)
}

/// Marks booked appointments that ended more than `grace_hours` ago as no-shows; returns how many.
pub async fn mark_overdue_no_shows(db: &mut PgConnection, grace_hours: i32) -> Result<u64> {
    Ok(sqlx::query!(
        "UPDATE appointments SET status = 'no_show'
          WHERE status = 'booked' AND ends_at < now() - make_interval(hours => $1)",
        grace_hours
    )
    .execute(db)
    .await?
    .rows_affected())
}

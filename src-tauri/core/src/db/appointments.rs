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
    pub type_id: Option<i64>,
    pub type_name: Option<String>,
    pub type_colour: Option<String>,
    /// The visit reason the desk typed (never in patient messages).
    pub reason: String,
    /// The recurring series the appointment belongs to, if any.
    pub series_id: Option<i64>,
    /// Flow stamps, set only by the database (the check-in trigger and `clinicdesk_call_next`).
    pub checked_in_at: Option<DateTime<Utc>>,
    pub called_at: Option<DateTime<Utc>>,
}

macro_rules! select_rows {
    ($where:literal, $($arg:expr),*) => {
        sqlx::query_as!(
            AppointmentRow,
            r#"SELECT a.id, a.doctor_id, d.full_name AS doctor_name, dep.name AS department_name, a.patient_id,
                      p.full_name AS patient_name, p.mrn AS patient_mrn, p.blacklisted_at IS NOT NULL AS "patient_blacklisted!",
                      a.starts_at, a.ends_at, a.status AS "status: AppointmentStatus", a.cancel_reason, a.overbooked,
                      a.type_id, t.name AS "type_name?", t.colour AS "type_colour?", a.reason, a.series_id,
                      a.checked_in_at, a.called_at
                 FROM appointments a
                 JOIN doctors d ON d.id = a.doctor_id
                 JOIN departments dep ON dep.id = d.department_id
                 JOIN patients p ON p.id = a.patient_id
                 LEFT JOIN appointment_types t ON t.id = a.type_id
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
/// The `starts_at` bounds (an appointment lasts at most 24 hours: `appointments_length`; hours, not a calendar day,
/// which is 23 hours on the night clocks go forward) keep the read to a day of the
/// starts_at index; without them `ORDER BY starts_at LIMIT 1` walked the index from the oldest appointment, so a
/// refused booking took longer the more history the clinic had (BENCHMARKS.md, growth).
pub async fn blocking(
    db: &mut PgConnection,
    doctor_id: Option<i64>,
    patient_id: Option<i64>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Option<AppointmentRow>> {
    Ok(select_rows!(
        "a.status <> 'cancelled' AND a.during && tstzrange($3, $4, '[)')
           AND a.starts_at < $4 AND a.starts_at > $3 - interval '24 hours'
           AND (a.doctor_id = $1 OR a.patient_id = $2) ORDER BY a.starts_at LIMIT 1",
        doctor_id,
        patient_id,
        start,
        end
    )
    .fetch_optional(db)
    .await?)
}

/// Busy intervals (non-cancelled) of several doctors in a range: (doctor_id, start, end of its buffer).
pub async fn busy(
    db: &mut PgConnection,
    doctor_ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(i64, DateTime<Utc>, DateTime<Utc>)>> {
    // appointments last at most 24 hours (appointments_length) and their buffer at most 60 minutes, so the lower
    // bound keeps the index range short (in hours: a calendar day in the server's zone can be 23 of them)
    Ok(sqlx::query!(
        r#"SELECT doctor_id, starts_at, blocked_until AS "blocked_until!" FROM appointments
          WHERE doctor_id = ANY($1) AND status <> 'cancelled'
            AND starts_at > $2::timestamptz - interval '25 hours' AND starts_at < $3 AND blocked_until > $2"#,
        doctor_ids,
        from,
        to
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.doctor_id, r.starts_at, r.blocked_until))
    .collect())
}

/// What a new appointment row holds besides its doctor, patient and times.
#[derive(Debug, Clone, Default)]
pub struct NewVisit<'a> {
    pub overbooked: bool,
    pub type_id: Option<i64>,
    pub reason: &'a str,
    pub series_id: Option<i64>,
}

pub async fn insert(
    db: &mut PgConnection,
    doctor_id: i64,
    patient_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    visit: &NewVisit<'_>,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, overbooked, type_id, reason, series_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        doctor_id,
        patient_id,
        start,
        end,
        visit.overbooked,
        visit.type_id,
        visit.reason,
        visit.series_id
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

/// An appointment locked for a status change or a move: what the rules need to know about it.
#[derive(Debug, Clone, Copy)]
pub struct Locked {
    pub status: AppointmentStatus,
    pub doctor_id: i64,
    pub patient_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The end of the visit's buffer (= `ends_at` without one): a move keeps it.
    pub blocked_until: DateTime<Utc>,
}

/// Locks one appointment for a status change or a move.
pub async fn lock(db: &mut PgConnection, id: i64) -> Result<Option<Locked>> {
    Ok(sqlx::query_as!(
        Locked,
        r#"SELECT status AS "status: AppointmentStatus", doctor_id, patient_id, starts_at, ends_at,
                  blocked_until AS "blocked_until!"
             FROM appointments WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(db)
    .await?)
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

/// Cancels the visits of a series from `from` on that are still booked or checked in; returns how many.
pub async fn cancel_series_from(
    db: &mut PgConnection,
    series_id: i64,
    from: DateTime<Utc>,
    reason: &str,
) -> Result<u64> {
    Ok(sqlx::query!(
        "UPDATE appointments SET status = 'cancelled', cancel_reason = $3
          WHERE series_id = $1 AND starts_at >= $2 AND status IN ('booked', 'checked_in')",
        series_id,
        from,
        reason
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Records a series' plan; its visits are inserted with its id.
pub async fn insert_series(db: &mut PgConnection, rule: &str) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO appointment_series (rule) VALUES ($1) RETURNING id",
        rule
    )
    .fetch_one(db)
    .await?)
}

/// The series an appointment belongs to, and its start.
pub async fn series_of(
    db: &mut PgConnection,
    id: i64,
) -> Result<Option<(Option<i64>, DateTime<Utc>)>> {
    Ok(sqlx::query!(
        "SELECT series_id, starts_at FROM appointments WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.series_id, r.starts_at)))
}

/// Everything a booking needs, read in one round trip while taking the doctor's schedule lock (shared) and the
/// patient's booking lock (exclusive: two desks booking one patient at once queue instead of deadlocking in
/// the exclusion checks): the clinic, the doctor, the patient, and the doctor's windows on the local day.
#[derive(Debug, Clone)]
pub struct BookingContext {
    pub clinic_name: String,
    pub time_zone: String,
    pub doctor_name: String,
    pub doctor_active: bool,
    pub slot_minutes: i32,
    pub department_name: String,
    pub patient_name: Option<String>,
    pub patient_mrn: Option<String>,
    pub patient_blacklisted: Option<bool>,
    pub blacklist_reason: Option<String>,
    pub reminder_consent: Option<bool>,
    pub preferred_channel: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub weekly: WeeklyJson,
    pub exceptions: ExceptionsJson,
    /// The type asked for, or the doctor's default when none was: its id, name, length, and whether the doctor
    /// offers it (`None` = no type: the doctor's slot).
    pub type_id: Option<i64>,
    pub type_name: Option<String>,
    pub type_minutes: Option<i32>,
    pub type_buffer: Option<i32>,
    pub type_active: Option<bool>,
    pub type_offered: Option<bool>,
}

/// The day's weekly sessions as (start, end), decoded from JSON.
pub type WeeklyJson = sqlx::types::Json<Vec<(chrono::NaiveTime, chrono::NaiveTime)>>;
/// The day's exceptions, decoded from JSON.
pub type ExceptionsJson = sqlx::types::Json<Vec<ContextException>>;

#[derive(Debug, Clone, Deserialize)]
pub struct ContextException {
    pub kind: crate::schedule::ExceptionKind,
    pub starts_at: Option<chrono::NaiveTime>,
    pub ends_at: Option<chrono::NaiveTime>,
}

pub async fn booking_context(
    db: &mut PgConnection,
    doctor_id: i64,
    patient_id: i64,
    starts_at: DateTime<Utc>,
    type_id: Option<i64>,
) -> Result<Option<BookingContext>> {
    Ok(sqlx::query_as!(
        BookingContext,
        r#"WITH lock AS (SELECT pg_advisory_xact_lock_shared(7001, ($1::bigint % 2147483647)::int),
                             pg_advisory_xact_lock(7002, ($2::bigint % 2147483647)::int)),
                s AS (SELECT clinic_name, time_zone FROM settings)
           SELECT s.clinic_name, s.time_zone, d.full_name AS doctor_name, d.active AS doctor_active, d.slot_minutes,
                  dep.name AS department_name,
                  p.full_name AS "patient_name?", p.mrn AS "patient_mrn?", p.blacklisted_at IS NOT NULL AS "patient_blacklisted?",
                  p.blacklist_reason, p.reminder_consent AS "reminder_consent?", p.preferred_channel AS "preferred_channel?",
                  p.phone, p.email,
                  (SELECT coalesce(json_agg(json_build_array(a.starts_at, a.ends_at)), '[]')
                     FROM doctor_availability a
                    WHERE a.doctor_id = d.id AND a.weekday = extract(isodow FROM $3 AT TIME ZONE s.time_zone))
                    AS "weekly!: WeeklyJson",
                  (SELECT coalesce(json_agg(json_build_object('kind', e.kind, 'starts_at', e.starts_at, 'ends_at', e.ends_at)), '[]')
                     FROM doctor_availability_exceptions e
                    WHERE (e.doctor_id = d.id OR e.doctor_id IS NULL) AND e.on_date = ($3 AT TIME ZONE s.time_zone)::date)
                    AS "exceptions!: ExceptionsJson",
                  t.id AS "type_id?", t.name AS "type_name?", t.minutes AS "type_minutes?", t.buffer_minutes AS "type_buffer?", t.active AS "type_active?",
                  (x.type_id IS NOT NULL) AS "type_offered?"
             FROM s CROSS JOIN lock
             JOIN doctors d ON d.id = $1
             JOIN departments dep ON dep.id = d.department_id
             LEFT JOIN patients p ON p.id = $2
             LEFT JOIN appointment_types t
                    ON t.id = coalesce($4, (SELECT dt.type_id FROM doctor_appointment_types dt
                                             WHERE dt.doctor_id = $1 AND dt.is_default))
             LEFT JOIN doctor_appointment_types x ON x.doctor_id = $1 AND x.type_id = t.id"#,
        doctor_id,
        patient_id,
        starts_at,
        type_id
    )
    .fetch_optional(db)
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

/// The flow stamps of an appointment (set only by the database: the check-in trigger and `clinicdesk_call_next`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowStamps {
    pub id: i64,
    pub doctor_id: i64,
    pub status: AppointmentStatus,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub called_at: Option<DateTime<Utc>>,
}

impl From<&AppointmentRow> for FlowStamps {
    fn from(r: &AppointmentRow) -> Self {
        FlowStamps {
            id: r.id,
            doctor_id: r.doctor_id,
            status: r.status,
            checked_in_at: r.checked_in_at,
            called_at: r.called_at,
        }
    }
}

/// Calls the first patient who arrived today for a doctor (`clinicdesk_call_next`); returns the appointment.
pub async fn call_next(db: &mut PgConnection, doctor_id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar!(r#"SELECT clinicdesk_call_next($1) AS "id!""#, doctor_id)
            .fetch_one(db)
            .await?,
    )
}

/// One patient's no-shows with one doctor in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoShowRow {
    pub doctor_id: i64,
    pub doctor_name: String,
    pub patient_id: i64,
    pub patient_name: String,
    pub patient_mrn: String,
    pub phone: Option<String>,
    pub no_shows: i64,
    pub last_at: DateTime<Utc>,
}

/// No-shows starting in `[from, to)`, per doctor and patient (one doctor, or all), doctors by name, patients by
/// most no-shows first.
pub async fn no_shows(
    db: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    doctor_id: Option<i64>,
) -> Result<Vec<NoShowRow>> {
    Ok(sqlx::query_as!(
        NoShowRow,
        r#"SELECT a.doctor_id, d.full_name AS doctor_name, a.patient_id, p.full_name AS patient_name,
                  p.mrn AS patient_mrn, p.phone, count(*) AS "no_shows!", max(a.starts_at) AS "last_at!"
             FROM appointments a
             JOIN doctors d ON d.id = a.doctor_id
             JOIN patients p ON p.id = a.patient_id
            WHERE a.status = 'no_show' AND a.starts_at >= $1 AND a.starts_at < $2
              AND ($3::bigint IS NULL OR a.doctor_id = $3)
            GROUP BY a.doctor_id, d.full_name, a.patient_id, p.full_name, p.mrn, p.phone
            ORDER BY d.full_name, a.doctor_id, count(*) DESC, max(a.starts_at) DESC, p.full_name, a.patient_id"#,
        from,
        to,
        doctor_id
    )
    .fetch_all(db)
    .await?)
}

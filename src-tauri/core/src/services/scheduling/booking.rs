//! Booking, rescheduling and walk-ins: the slot is checked against the doctor's hours once here, the database's
//! constraints decide overlaps, and an overlap is said once, naming who holds the time.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use super::slots::active_doctor;
use super::*;
use crate::cache::Change;
use crate::clock::Clock;
use crate::context::Desk;
use crate::db::{
    appointment_types,
    appointments::{self, AppointmentRow, AppointmentStatus},
    doctors::{self, Doctor},
};
use crate::error::{Error, Result};
use crate::schedule::{self, DatedException, WeeklyWindow};

/// The one sentence for an overlap the database refused (`Error::Overlap`): who already holds the time.
pub(crate) async fn overlap_sentence(
    pool: &PgPool,
    clock: &Clock,
    doctor_id: i64,
    patient_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    exclude: i64,
) -> Error {
    let Ok(mut conn) = pool.acquire().await else {
        return Error::Conflict(Error::Overlap.to_string());
    };
    match appointments::blocking(&mut conn, Some(doctor_id), Some(patient_id), start, end).await {
        Ok(Some(b)) if b.id != exclude && b.doctor_id == doctor_id => Error::Conflict(crate::msg!(
            appointment_doctor_busy,
            doctor = b.doctor_name,
            when = clock.when(b.starts_at, b.ends_at)
        )),
        Ok(Some(b)) if b.id != exclude => Error::Conflict(crate::msg!(
            appointment_patient_busy,
            patient = b.patient_name,
            when = clock.when(b.starts_at, b.ends_at),
            doctor = b.doctor_name
        )),
        _ => Error::Conflict(Error::Overlap.to_string()),
    }
}

/// Drops the cached grids an attempt made stale: after a booking, and after a Conflict too (the grid the desk
/// reloads next must show the time as taken, not come from a stale cache).
pub(crate) async fn invalidate(desk: &Desk, doctor_id: Option<i64>, r: &Result<Appointment>) {
    match r {
        Ok(a) => {
            desk.caches()
                .invalidate(Change::Appointment(Some(a.doctor_id)))
                .await
        }
        Err(Error::Conflict(_)) => {
            desk.caches()
                .invalidate(Change::Appointment(doctor_id))
                .await
        }
        Err(_) => {}
    }
}

/// The end of a visit of `minutes` starting at `start`, if `start` is in the future, on the doctor's slot grid, and
/// the whole visit fits inside one of the doctor's windows.
fn slot_end(
    clock: &Clock,
    doctor_name: &str,
    (slot_minutes, minutes, buffer): (i32, i32, i32),
    start: DateTime<Utc>,
    windows: &[(chrono::NaiveTime, chrono::NaiveTime)],
) -> Result<DateTime<Utc>> {
    if start < clock.now {
        return Err(Error::validation("starts_at", crate::msg!(slot_passed)));
    }
    let date = schedule::local_date(clock.tz, start);
    // the visit and its buffer lie inside the hours; the visit ends before the buffer
    let run = (minutes + buffer) as i64;
    match schedule::starts_in_windows(clock.tz, date, windows, slot_minutes as i64, run)
        .into_iter()
        .find(|t| t.starts_at == start)
    {
        Some(t) => Ok(t.ends_at - chrono::Duration::minutes(buffer as i64)),
        None => Err(Error::validation(
            "starts_at",
            crate::msg!(
                doctor_not_seeing_at,
                doctor = doctor_name,
                time = clock.hm(start),
                date = Clock::day_label(date)
            ),
        )),
    }
}

/// Checks a requested start for a visit of `minutes` (and `buffer` after it) with a doctor against the stored
/// schedule. Returns the visit's end.
async fn check_slot(
    conn: &mut PgConnection,
    clock: &Clock,
    doctor: &Doctor,
    (minutes, buffer): (i32, i32),
    start: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let date = schedule::local_date(clock.tz, start);
    let s = Schedules::load(conn, clock, &[doctor.id], date, 1).await?;
    slot_end(
        clock,
        &doctor.full_name,
        (doctor.slot_minutes, minutes, buffer),
        start,
        &s.windows(doctor.id, date),
    )
}

/// What the desk books: who, with whom, when, the appointment type (`None`: the doctor's default, or the
/// doctor's slot when they have no types) and the visit reason (at most 200 characters, may be empty).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, specta::Type)]
pub struct BookingRequest {
    pub doctor_id: i64,
    pub patient_id: i64,
    pub starts_at: DateTime<Utc>,
    pub type_id: Option<i64>,
    pub reason: String,
}

impl BookingRequest {
    /// The doctor's default visit with no reason.
    pub fn at(doctor_id: i64, patient_id: i64, starts_at: DateTime<Utc>) -> BookingRequest {
        BookingRequest {
            doctor_id,
            patient_id,
            starts_at,
            type_id: None,
            reason: String::new(),
        }
    }
}

/// The visit reason as stored: trimmed, one line, at most 200 characters.
pub(super) fn visit_reason(reason: &str) -> Result<String> {
    let r = crate::services::optional_text("reason", "The visit reason", reason, 200)?;
    if r.contains('\n') {
        return Err(Error::validation(
            "reason",
            crate::msg!(visit_reason_one_line),
        ));
    }
    Ok(r)
}

#[tracing::instrument(skip(desk))]
pub async fn book(
    desk: &Desk,
    doctor_id: i64,
    patient_id: i64,
    starts_at: DateTime<Utc>,
) -> Result<Appointment> {
    book_visit(
        desk,
        &BookingRequest::at(doctor_id, patient_id, starts_at),
        None,
    )
    .await
}

/// `book` with an idempotency key from the client (see `book_visit`).
#[tracing::instrument(skip(desk, key))]
pub async fn book_idempotent(
    desk: &Desk,
    key: &str,
    doctor_id: i64,
    patient_id: i64,
    starts_at: DateTime<Utc>,
) -> Result<Appointment> {
    book_visit(
        desk,
        &BookingRequest::at(doctor_id, patient_id, starts_at),
        Some(key),
    )
    .await
}

/// Books a visit. With an idempotency key from the client, a retry with the same key (after a dropped connection
/// or a crash mid-request) returns the appointment the first attempt made instead of booking again; the key
/// commits in the booking's own transaction, so either both exist or neither does.
#[tracing::instrument(skip(desk, visit, key), fields(doctor_id = visit.doctor_id))]
pub async fn book_visit(
    desk: &Desk,
    visit: &BookingRequest,
    key: Option<&str>,
) -> Result<Appointment> {
    let r = match key {
        Some(key) => book_with_key(desk, key, visit).await,
        None => retrying(|| book_once(desk, visit, None)).await,
    };
    invalidate(desk, Some(visit.doctor_id), &r).await;
    r
}

async fn book_with_key(pool: &PgPool, key: &str, visit: &BookingRequest) -> Result<Appointment> {
    let key = request_key(key)?;
    if let Some(id) =
        crate::db::request_keys::booked_with(&mut *pool.acquire().await?, &key).await?
    {
        return existing(pool, id).await;
    }
    match retrying(|| book_once(pool, visit, Some(&key))).await {
        Ok(a) => Ok(a),
        // two attempts with one key raced and the other committed first: its appointment is the answer
        Err(e) => {
            let earlier = match pool.acquire().await {
                Ok(mut conn) => crate::db::request_keys::booked_with(&mut conn, &key)
                    .await
                    .ok()
                    .flatten(),
                Err(_) => None,
            };
            match earlier {
                Some(id) => existing(pool, id).await,
                None => Err(e),
            }
        }
    }
}

async fn existing(pool: &PgPool, id: i64) -> Result<Appointment> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let row = appointments::get(&mut conn, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(appointment_gone)))?;
    Ok(Appointment::new(&clock, row))
}

/// Idempotency keys: 8–64 characters of letters, digits and '-' (a UUID from the client).
pub fn request_key(key: &str) -> Result<String> {
    let ok =
        (8..=64).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(key.to_string())
    } else {
        Err(Error::validation(
            "request_key",
            crate::msg!(request_key_shape),
        ))
    }
}

/// One booking in four round trips: BEGIN, the context (with the doctor's schedule lock), the insert with its
/// outbox message, COMMIT. The slot arithmetic runs here, between them.
async fn book_once(
    pool: &PgPool,
    visit: &BookingRequest,
    key: Option<&str>,
) -> Result<Appointment> {
    let mut tx = pool.begin().await?;
    let appointment = match book_in(&mut tx, visit, None).await? {
        Ok(a) => a,
        Err(overlap) => {
            drop(tx);
            return Err(overlap.sentence(pool, visit).await);
        }
    };
    if let Some(k) = key {
        crate::db::request_keys::record_booking(&mut tx, k, appointment.id).await?;
    }
    crate::crash::point("booking_commit");
    tx.commit().await?;
    crate::crash::point("booking_committed");
    Ok(appointment)
}

/// A booking the exclusion constraints refused: the clinic's clock and the visit's end, to say who holds the time.
pub(crate) struct Overlapped {
    clock: Clock,
    ends_at: DateTime<Utc>,
}

impl Overlapped {
    pub(crate) async fn sentence(&self, pool: &PgPool, visit: &BookingRequest) -> Error {
        overlap_sentence(
            pool,
            &self.clock,
            visit.doctor_id,
            visit.patient_id,
            visit.starts_at,
            self.ends_at,
            0,
        )
        .await
    }
}

/// Books a visit inside the caller's transaction (part of a series: `series_id`). An overlap the database refused
/// comes back as `Ok(Err(_))`: the transaction is then aborted and the caller says who holds the time.
pub(crate) async fn book_in(
    tx: &mut PgConnection,
    visit: &BookingRequest,
    series_id: Option<i64>,
) -> Result<std::result::Result<Appointment, Overlapped>> {
    let BookingRequest {
        doctor_id,
        patient_id,
        starts_at,
        type_id,
        ..
    } = *visit;
    let reason = visit_reason(&visit.reason)?;
    let ctx = appointments::booking_context(tx, doctor_id, patient_id, starts_at, type_id)
        .await?
        .ok_or_else(|| {
            Error::validation("doctor_id", crate::msg!(waitlist_entries_doctor_id_fkey))
        })?;
    let clock = Clock {
        tz: crate::clock::zone(&ctx.time_zone)?,
        now: Utc::now(),
    };
    if !ctx.doctor_active {
        return Err(Error::validation(
            "doctor_id",
            crate::msg!(doctor_inactive_named, doctor = ctx.doctor_name),
        ));
    }
    let (Some(patient_name), Some(patient_mrn)) =
        (ctx.patient_name.clone(), ctx.patient_mrn.clone())
    else {
        return Err(Error::validation(
            "patient_id",
            crate::msg!(waitlist_entries_patient_id_fkey),
        ));
    };
    if ctx.patient_blacklisted == Some(true) {
        return Err(Error::validation(
            "patient_id",
            crate::msg!(
                patient_blacklisted_named,
                patient = patient_name,
                reason = ctx.blacklist_reason.clone().unwrap_or_default()
            ),
        ));
    }
    let minutes = match (type_id, ctx.type_minutes, ctx.type_offered, ctx.type_active) {
        (Some(_), None, ..) => {
            return Err(Error::validation(
                "type_id",
                crate::msg!(appointments_type_id_fkey),
            ))
        }
        (_, Some(_), Some(false), _) => return Err(Error::constraint("appointments_type_offered")),
        (Some(_), Some(_), _, Some(false)) => {
            return Err(Error::validation(
                "type_id",
                crate::msg!(appointment_type_retired),
            ))
        }
        (_, Some(m), ..) => m,
        (None, None, ..) => ctx.slot_minutes,
    };
    let buffer = ctx.type_buffer.unwrap_or(0);
    let date = schedule::local_date(clock.tz, starts_at);
    let weekday = chrono::Datelike::weekday(&date).number_from_monday();
    let weekly: Vec<WeeklyWindow> = ctx
        .weekly
        .iter()
        .map(|&(start, end)| WeeklyWindow {
            weekday,
            start,
            end,
        })
        .collect();
    let exceptions: Vec<DatedException> = ctx
        .exceptions
        .iter()
        .map(|e| DatedException {
            on_date: date,
            kind: e.kind,
            start: e.starts_at,
            end: e.ends_at,
        })
        .collect();
    let ends_at = slot_end(
        &clock,
        &ctx.doctor_name,
        (ctx.slot_minutes, minutes, buffer),
        starts_at,
        &Schedules::of_day(doctor_id, weekly, exceptions).windows(doctor_id, date),
    )?;
    let new = appointments::NewVisit {
        overbooked: false,
        type_id: ctx.type_id,
        reason: &reason,
        series_id,
    };
    // the patient's confirmation is written by the database in the same statement (trigger)
    let id = match appointments::insert(tx, doctor_id, patient_id, starts_at, ends_at, &new).await {
        Ok(id) => id,
        Err(Error::Overlap) => return Ok(Err(Overlapped { clock, ends_at })),
        Err(e) => return Err(e),
    };
    Ok(Ok(Appointment::new(
        &clock,
        AppointmentRow {
            id,
            doctor_id,
            doctor_name: ctx.doctor_name,
            department_name: ctx.department_name,
            patient_id,
            patient_name,
            patient_mrn,
            patient_blacklisted: false,
            starts_at,
            ends_at,
            status: AppointmentStatus::Booked,
            cancel_reason: None,
            overbooked: false,
            type_id: ctx.type_id,
            type_name: ctx.type_name,
            type_colour: None,
            reason,
            series_id,
            checked_in_at: None,
            called_at: None,
        },
    )))
}

/// Moves a booked appointment; the old time is freed only if the new one is taken (one UPDATE).
#[tracing::instrument(skip(desk))]
pub async fn reschedule(desk: &Desk, id: i64, starts_at: DateTime<Utc>) -> Result<Appointment> {
    let r = retrying(|| reschedule_once(desk, id, starts_at)).await;
    invalidate(desk, None, &r).await;
    r
}

async fn reschedule_once(pool: &PgPool, id: i64, starts_at: DateTime<Utc>) -> Result<Appointment> {
    let mut tx = pool.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let appointments::Locked {
        status,
        doctor_id,
        patient_id,
        starts_at: was,
        ends_at: was_end,
        blocked_until,
    } = appointments::lock(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(appointment_missing)))?;
    if status != AppointmentStatus::Booked {
        return Err(Error::validation(
            "status",
            crate::msg!(reschedule_only_booked, status = status.label()),
        ));
    }
    doctors::lock_schedule(&mut tx, doctor_id, false).await?;
    appointments::lock_patient(&mut tx, patient_id).await?;
    let doctor = active_doctor(&mut tx, doctor_id).await?;
    // a move keeps the length and the buffer the visit was booked with
    let minutes = (was_end - was).num_minutes() as i32;
    let buffer = (blocked_until - was_end).num_minutes() as i32;
    let ends_at = check_slot(&mut tx, &clock, &doctor, (minutes, buffer), starts_at).await?;
    match appointments::move_to(&mut tx, id, starts_at, ends_at).await {
        Ok(()) => {}
        Err(Error::Overlap) => {
            drop(tx);
            return Err(overlap_sentence(
                pool, &clock, doctor_id, patient_id, starts_at, ends_at, id,
            )
            .await);
        }
        Err(e) => return Err(e),
    }
    let view = fetch_view(&mut tx, &clock, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// A walk-in: the doctor's next free slot today, or (administrators only, enforced by the database) an
/// overbooked appointment starting now.
#[tracing::instrument(skip(desk))]
pub async fn walk_in(
    desk: &Desk,
    patient_id: i64,
    doctor_id: i64,
    type_id: Option<i64>,
    overbook: bool,
) -> Result<Appointment> {
    let r = walk_in_once(desk, patient_id, doctor_id, type_id, overbook).await;
    invalidate(desk, Some(doctor_id), &r).await;
    r
}

async fn walk_in_once(
    desk: &Desk,
    patient_id: i64,
    doctor_id: i64,
    type_id: Option<i64>,
    overbook: bool,
) -> Result<Appointment> {
    let mut conn = desk.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let doctor = active_doctor(&mut conn, doctor_id).await?;
    let minutes = super::slots::visit_minutes(&mut conn, &doctor, type_id).await?;
    let today = clock.today();
    let s = Schedules::load(&mut conn, &clock, &[doctor_id], today, 1).await?;
    drop(conn);
    if let Some(slot) = s
        .free_for(&clock, doctor_id, doctor.slot_minutes, minutes, today)
        .first()
    {
        let visit = BookingRequest {
            type_id,
            ..BookingRequest::at(doctor_id, patient_id, slot.starts_at)
        };
        return retrying(|| book_once(desk, &visit, None)).await;
    }
    if !overbook {
        return Err(Error::Conflict(crate::msg!(
            walk_in_no_free_slot,
            doctor = doctor.full_name
        )));
    }
    let mut tx = desk.begin().await?;
    let (start, end) = (clock.now, clock.now + Duration::minutes(minutes as i64));
    let type_id = match type_id {
        Some(t) => Some(t),
        None => appointment_types::default_of(&mut tx, doctor_id).await?,
    };
    let new = appointments::NewVisit {
        overbooked: true,
        type_id,
        reason: "",
        series_id: None,
    };
    let id = match appointments::insert(&mut tx, doctor_id, patient_id, start, end, &new).await {
        Ok(id) => id,
        Err(Error::Overlap) => {
            drop(tx);
            return Err(overlap_sentence(desk, &clock, doctor_id, patient_id, start, end, 0).await);
        }
        Err(e) => return Err(e),
    };
    let view = fetch_view(&mut tx, &clock, id).await?;
    tx.commit().await?;
    Ok(view)
}

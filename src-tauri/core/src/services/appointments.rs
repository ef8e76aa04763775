//! Appointments at the front desk: free slots, booking, rescheduling, cancelling, check-in, no-show, completion,
//! walk-ins and the Today board. The database refuses overlaps (exclusion constraints) and illegal status moves
//! (trigger); this module turns those refusals into sentences. Each patient message (booked, moved, cancelled)
//! is composed and queued by the database's own trigger on the appointment's write, in the same transaction.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::db::{
    self,
    appointments::{self, AppointmentRow, AppointmentStatus},
    availability,
    doctors::{self, Doctor},
};
use crate::error::{Error, Result};
use crate::schedule::{self, DatedException, SlotTime, WeeklyWindow};

/// The clinic's time zone and "now", read once per use case so every date in it agrees.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub tz: Tz,
    pub now: DateTime<Utc>,
}

impl Clock {
    pub async fn load(conn: &mut PgConnection) -> Result<Clock> {
        let tz = db::settings::get(conn)
            .await?
            .and_then(|s| s.time_zone.parse::<Tz>().ok())
            .unwrap_or(chrono_tz::UTC);
        Ok(Clock {
            tz,
            now: Utc::now(),
        })
    }

    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz).date_naive()
    }

    /// "Tue 3 Dec"
    pub fn day_label(date: NaiveDate) -> String {
        date.format("%a %-d %b").to_string()
    }

    fn hm(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz).format("%H:%M").to_string()
    }

    /// "10:00–10:15 on Tue 3 Dec"
    fn when(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
        format!(
            "{}–{} on {}",
            self.hm(start),
            self.hm(end),
            Self::day_label(schedule::local_date(self.tz, start))
        )
    }

    pub fn view(&self, r: AppointmentRow) -> Appointment {
        let local = r.starts_at.with_timezone(&self.tz);
        Appointment {
            late: r.status == AppointmentStatus::Booked && r.starts_at < self.now,
            date: local.date_naive(),
            time: local.format("%H:%M").to_string(),
            end_time: self.hm(r.ends_at),
            id: r.id,
            doctor_id: r.doctor_id,
            doctor_name: r.doctor_name,
            department_name: r.department_name,
            patient_id: r.patient_id,
            patient_name: r.patient_name,
            patient_mrn: r.patient_mrn,
            patient_blacklisted: r.patient_blacklisted,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            status: r.status,
            cancel_reason: r.cancel_reason,
            overbooked: r.overbooked,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Appointment {
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
    /// Clinic-local date and times.
    pub date: NaiveDate,
    pub time: String,
    pub end_time: String,
    pub status: AppointmentStatus,
    pub cancel_reason: Option<String>,
    pub overbooked: bool,
    /// Booked and its start has passed.
    pub late: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Slot {
    pub doctor_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub date: NaiveDate,
    /// "HH:MM" clinic-local
    pub time: String,
    pub end_time: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SlotDay {
    pub date: NaiveDate,
    pub label: String,
    pub slots: Vec<Slot>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BoardColumn {
    pub doctor: Doctor,
    pub appointments: Vec<Appointment>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TodayBoard {
    pub date: NaiveDate,
    pub label: String,
    pub columns: Vec<BoardColumn>,
}

/// Working windows and busy times of several doctors over some days, loaded with a constant number of queries.
pub(crate) struct Schedules {
    weekly: HashMap<i64, Vec<WeeklyWindow>>,
    exceptions: Vec<(i64, Option<i64>, DatedException)>,
    busy: HashMap<i64, Vec<(DateTime<Utc>, DateTime<Utc>)>>,
}

impl Schedules {
    pub(crate) async fn load(
        conn: &mut PgConnection,
        clock: &Clock,
        doctor_ids: &[i64],
        from: NaiveDate,
        days: i64,
    ) -> Result<Schedules> {
        let mut weekly: HashMap<i64, Vec<WeeklyWindow>> = HashMap::new();
        for (id, s) in availability::weekly_for(conn, doctor_ids).await? {
            weekly.entry(id).or_default().push((&s).into());
        }
        let exceptions =
            availability::exceptions_for(conn, doctor_ids, from, from + Duration::days(days))
                .await?
                .iter()
                .map(|e| (e.id, e.doctor_id, e.into()))
                .collect();
        let (start, end) = schedule::utc_range(clock.tz, from, days);
        let mut busy: HashMap<i64, Vec<_>> = HashMap::new();
        for (id, s, e) in appointments::busy(conn, doctor_ids, start, end).await? {
            busy.entry(id).or_default().push((s, e));
        }
        Ok(Schedules {
            weekly,
            exceptions,
            busy,
        })
    }

    /// All slots (free or not) of a doctor on a date.
    pub(crate) fn slots(
        &self,
        clock: &Clock,
        doctor_id: i64,
        slot_minutes: i32,
        date: NaiveDate,
    ) -> Vec<SlotTime> {
        let windows = self.windows(doctor_id, date);
        schedule::slots_in_windows(clock.tz, date, &windows, slot_minutes as i64)
    }

    pub(crate) fn free(
        &self,
        clock: &Clock,
        doctor_id: i64,
        slot_minutes: i32,
        date: NaiveDate,
    ) -> Vec<SlotTime> {
        let busy = self.busy.get(&doctor_id).map(Vec::as_slice).unwrap_or(&[]);
        self.slots(clock, doctor_id, slot_minutes, date)
            .into_iter()
            .filter(|s| {
                s.starts_at >= clock.now && !schedule::overlaps(s.starts_at, s.ends_at, busy)
            })
            .collect()
    }

    /// Whether `[start, end)` lies inside the doctor's working windows of its local day.
    pub(crate) fn within_hours(
        &self,
        clock: &Clock,
        doctor_id: i64,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> bool {
        let date = schedule::local_date(clock.tz, start);
        let (ls, le) = (
            start.with_timezone(&clock.tz).time(),
            end.with_timezone(&clock.tz).time(),
        );
        self.windows(doctor_id, date)
            .iter()
            .any(|&(ws, we)| ws <= ls && le <= we && ls < le)
    }

    pub(crate) fn windows(
        &self,
        doctor_id: i64,
        date: NaiveDate,
    ) -> Vec<(chrono::NaiveTime, chrono::NaiveTime)> {
        let exceptions: Vec<DatedException> = self
            .exceptions
            .iter()
            .filter(|(_, d, _)| d.is_none() || *d == Some(doctor_id))
            .map(|(_, _, e)| *e)
            .collect();
        let weekly = self
            .weekly
            .get(&doctor_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        schedule::day_windows(date, weekly, &exceptions)
    }

    /// The same schedules with a doctor's weekly template replaced (to test a change before making it).
    pub(crate) fn with_weekly(mut self, doctor_id: i64, weekly: Vec<WeeklyWindow>) -> Self {
        self.weekly.insert(doctor_id, weekly);
        self
    }

    /// … with one more exception.
    pub(crate) fn with_exception(mut self, doctor_id: Option<i64>, e: DatedException) -> Self {
        self.exceptions.push((0, doctor_id, e));
        self
    }

    /// … without an existing exception.
    pub(crate) fn without_exception(mut self, id: i64) -> Self {
        self.exceptions.retain(|(eid, _, _)| *eid != id);
        self
    }
}

fn slot_view(doctor_id: i64, s: &SlotTime) -> Slot {
    Slot {
        doctor_id,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        date: s.date,
        time: s.time.format("%H:%M").to_string(),
        end_time: s.end_time.format("%H:%M").to_string(),
    }
}

async fn active_doctor(conn: &mut PgConnection, doctor_id: i64) -> Result<Doctor> {
    let d = doctors::get(conn, doctor_id)
        .await?
        .ok_or_else(|| Error::validation("doctor_id", "That doctor does not exist."))?;
    if !d.active {
        return Err(Error::validation(
            "doctor_id",
            format!("{} is inactive and cannot be booked.", d.full_name),
        ));
    }
    Ok(d)
}

/// Free slots of one doctor for `days` days from `from` (the 7-day booking grid).
#[tracing::instrument(skip(pool))]
pub async fn free_slots(
    pool: &PgPool,
    doctor_id: i64,
    from: NaiveDate,
    days: i64,
) -> Result<Vec<SlotDay>> {
    if !(1..=31).contains(&days) {
        return Err(Error::validation("days", "Ask for 1 to 31 days of slots."));
    }
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let doctor = active_doctor(&mut conn, doctor_id).await?;
    let s = Schedules::load(&mut conn, &clock, &[doctor_id], from, days).await?;
    Ok((0..days)
        .map(|i| {
            let date = from + Duration::days(i);
            SlotDay {
                date,
                label: Clock::day_label(date),
                slots: s
                    .free(&clock, doctor_id, doctor.slot_minutes, date)
                    .iter()
                    .map(|t| slot_view(doctor_id, t))
                    .collect(),
            }
        })
        .collect())
}

/// The earliest free slot in a department over the next two weeks.
#[tracing::instrument(skip(pool))]
pub async fn first_available(pool: &PgPool, department_id: i64) -> Result<Option<Slot>> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let ids = doctors::active_in_department(&mut conn, department_id).await?;
    let docs = doctors::list(&mut conn, false).await?;
    let today = clock.today();
    let s = Schedules::load(&mut conn, &clock, &ids, today, 14).await?;
    let mut best: Option<Slot> = None;
    for d in docs.iter().filter(|d| ids.contains(&d.id)) {
        for i in 0..14 {
            if let Some(t) = s
                .free(&clock, d.id, d.slot_minutes, today + Duration::days(i))
                .first()
            {
                if best.as_ref().is_none_or(|b| t.starts_at < b.starts_at) {
                    best = Some(slot_view(d.id, t));
                }
                break;
            }
        }
    }
    Ok(best)
}

/// The sentence for an overlap the database refused.
async fn overlap_sentence(
    pool: &PgPool,
    clock: &Clock,
    doctor_id: i64,
    patient_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    exclude: i64,
) -> Error {
    let Ok(mut conn) = pool.acquire().await else {
        return Error::Conflict("That time was just taken — choose another slot.".into());
    };
    match appointments::blocking(&mut conn, Some(doctor_id), Some(patient_id), start, end).await {
        Ok(Some(b)) if b.id != exclude && b.doctor_id == doctor_id => Error::Conflict(format!(
            "{} already has an appointment {} — choose another slot.",
            b.doctor_name,
            clock.when(b.starts_at, b.ends_at)
        )),
        Ok(Some(b)) if b.id != exclude => Error::Conflict(format!(
            "{} already has an appointment {} with {} — choose another time.",
            b.patient_name,
            clock.when(b.starts_at, b.ends_at),
            b.doctor_name
        )),
        _ => Error::Conflict("That time was just taken — choose another slot.".into()),
    }
}

async fn fetch_view(conn: &mut PgConnection, clock: &Clock, id: i64) -> Result<Appointment> {
    appointments::get(conn, id)
        .await?
        .map(|r| clock.view(r))
        .ok_or_else(|| Error::NotFound("That appointment does not exist.".into()))
}

/// The end of the slot starting at `start`, if `start` is in the future and one of the doctor's slots.
fn slot_end(
    clock: &Clock,
    doctor_name: &str,
    slot_minutes: i32,
    start: DateTime<Utc>,
    windows: &[(chrono::NaiveTime, chrono::NaiveTime)],
) -> Result<DateTime<Utc>> {
    if start < clock.now {
        return Err(Error::validation(
            "starts_at",
            "That time has already passed. Choose a later slot.",
        ));
    }
    let date = schedule::local_date(clock.tz, start);
    match schedule::slots_in_windows(clock.tz, date, windows, slot_minutes as i64)
        .into_iter()
        .find(|t| t.starts_at == start)
    {
        Some(t) => Ok(t.ends_at),
        None => Err(Error::validation(
            "starts_at",
            format!(
                "{doctor_name} does not see patients at {} on {}. Choose a slot from the grid.",
                clock.hm(start),
                Clock::day_label(date)
            ),
        )),
    }
}

/// Checks a requested start for a doctor against the stored schedule. Returns the slot's end.
async fn check_slot(
    conn: &mut PgConnection,
    clock: &Clock,
    doctor: &Doctor,
    start: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let date = schedule::local_date(clock.tz, start);
    let s = Schedules::load(conn, clock, &[doctor.id], date, 1).await?;
    slot_end(
        clock,
        &doctor.full_name,
        doctor.slot_minutes,
        start,
        &s.windows(doctor.id, date),
    )
}

/// Runs a use case again when its transaction lost a deadlock (two desks inserting overlapping rows for the
/// same patient can each wait on the other's exclusion check; PostgreSQL aborts one of them).
async fn retrying<T, F, Fut>(f: F) -> Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        match f().await {
            Err(Error::Contended(m)) if attempt < 3 => {
                attempt += 1;
                tracing::debug!(attempt, reason = %m, "retrying after a collision");
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
            }
            other => return other,
        }
    }
}

#[tracing::instrument(skip(pool))]
pub async fn book(
    pool: &PgPool,
    doctor_id: i64,
    patient_id: i64,
    starts_at: DateTime<Utc>,
) -> Result<Appointment> {
    retrying(|| book_once(pool, doctor_id, patient_id, starts_at, None)).await
}

/// `book` with an idempotency key from the client: a retry with the same key (after a dropped connection or a
/// crash mid-request) returns the appointment the first attempt made instead of booking again. The key commits
/// in the booking's own transaction, so either both exist or neither does.
#[tracing::instrument(skip(pool, key))]
pub async fn book_idempotent(
    pool: &PgPool,
    key: &str,
    doctor_id: i64,
    patient_id: i64,
    starts_at: DateTime<Utc>,
) -> Result<Appointment> {
    let key = request_key(key)?;
    if let Some(id) =
        crate::db::request_keys::booked_with(&mut *pool.acquire().await?, &key).await?
    {
        return existing(pool, id).await;
    }
    match retrying(|| book_once(pool, doctor_id, patient_id, starts_at, Some(&key))).await {
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
        .ok_or_else(|| Error::NotFound("That appointment no longer exists.".into()))?;
    Ok(clock.view(row))
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
            "The request key must be 8–64 letters, digits or '-'.",
        ))
    }
}

/// One booking in four round trips: BEGIN, the context (with the doctor's schedule lock), the insert with its
/// outbox message, COMMIT. The slot arithmetic runs here, between them.
async fn book_once(
    pool: &PgPool,
    doctor_id: i64,
    patient_id: i64,
    starts_at: DateTime<Utc>,
    key: Option<&str>,
) -> Result<Appointment> {
    let mut tx = pool.begin().await?;
    let ctx = appointments::booking_context(&mut tx, doctor_id, patient_id, starts_at)
        .await?
        .ok_or_else(|| Error::validation("doctor_id", "That doctor does not exist."))?;
    let clock = Clock {
        tz: ctx.time_zone.parse().unwrap_or(chrono_tz::UTC),
        now: Utc::now(),
    };
    if !ctx.doctor_active {
        return Err(Error::validation(
            "doctor_id",
            format!("{} is inactive and cannot be booked.", ctx.doctor_name),
        ));
    }
    let (Some(patient_name), Some(patient_mrn)) =
        (ctx.patient_name.clone(), ctx.patient_mrn.clone())
    else {
        return Err(Error::validation(
            "patient_id",
            "That patient does not exist.",
        ));
    };
    if ctx.patient_blacklisted == Some(true) {
        return Err(Error::validation(
            "patient_id",
            format!(
                "{patient_name} is blacklisted ({}). Lift the blacklist before booking.",
                ctx.blacklist_reason.clone().unwrap_or_default()
            ),
        ));
    }
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
        ctx.slot_minutes,
        starts_at,
        &schedule::day_windows(date, &weekly, &exceptions),
    )?;
    // the patient's confirmation is written by the database in the same statement (trigger)
    let id = match appointments::insert(&mut tx, doctor_id, patient_id, starts_at, ends_at, false)
        .await
    {
        Ok(id) => id,
        Err(Error::Conflict(_)) => {
            drop(tx);
            return Err(overlap_sentence(
                pool, &clock, doctor_id, patient_id, starts_at, ends_at, 0,
            )
            .await);
        }
        Err(e) => return Err(e),
    };
    if let Some(k) = key {
        crate::db::request_keys::record_booking(&mut tx, k, id).await?;
    }
    crate::crash::point("booking_commit");
    tx.commit().await?;
    crate::crash::point("booking_committed");
    Ok(clock.view(AppointmentRow {
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
    }))
}

/// Moves a booked appointment; the old time is freed only if the new one is taken (one UPDATE).
#[tracing::instrument(skip(pool))]
pub async fn reschedule(pool: &PgPool, id: i64, starts_at: DateTime<Utc>) -> Result<Appointment> {
    retrying(|| reschedule_once(pool, id, starts_at)).await
}

async fn reschedule_once(pool: &PgPool, id: i64, starts_at: DateTime<Utc>) -> Result<Appointment> {
    let mut tx = pool.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let (status, doctor_id, patient_id) = appointments::lock(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound("That appointment does not exist.".into()))?;
    if status != AppointmentStatus::Booked {
        return Err(Error::validation(
            "status",
            format!(
                "This appointment is {}; only booked appointments can be rescheduled.",
                status.label()
            ),
        ));
    }
    doctors::lock_schedule(&mut tx, doctor_id, false).await?;
    appointments::lock_patient(&mut tx, patient_id).await?;
    let doctor = active_doctor(&mut tx, doctor_id).await?;
    let ends_at = check_slot(&mut tx, &clock, &doctor, starts_at).await?;
    match appointments::move_to(&mut tx, id, starts_at, ends_at).await {
        Ok(()) => {}
        Err(Error::Conflict(_)) => {
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

#[tracing::instrument(skip(pool, reason))]
pub async fn cancel(pool: &PgPool, id: i64, reason: &str) -> Result<Appointment> {
    let reason = super::required_text("reason", "A reason for cancelling", reason, 500)?;
    let mut tx = pool.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let (status, ..) = appointments::lock(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound("That appointment does not exist.".into()))?;
    if !matches!(
        status,
        AppointmentStatus::Booked | AppointmentStatus::CheckedIn
    ) {
        return Err(Error::validation(
            "status",
            format!(
                "This appointment is already {}; it cannot be cancelled.",
                status.label()
            ),
        ));
    }
    appointments::cancel(&mut tx, id, &reason).await?;
    let view = fetch_view(&mut tx, &clock, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// check-in, no-show, complete: the allowed moves are checked here for a clear sentence and again by the
/// database's trigger, which is the rule.
#[tracing::instrument(skip(pool))]
pub async fn set_status(pool: &PgPool, id: i64, to: AppointmentStatus) -> Result<Appointment> {
    let allowed_from: &[AppointmentStatus] = match to {
        AppointmentStatus::CheckedIn => &[AppointmentStatus::Booked],
        AppointmentStatus::NoShow => &[AppointmentStatus::Booked, AppointmentStatus::CheckedIn],
        AppointmentStatus::Completed => &[AppointmentStatus::CheckedIn],
        _ => {
            return Err(Error::validation(
                "status",
                "Use cancel to cancel an appointment.",
            ))
        }
    };
    let mut tx = pool.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let (status, ..) = appointments::lock(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound("That appointment does not exist.".into()))?;
    if !allowed_from.contains(&status) {
        return Err(Error::validation(
            "status",
            format!(
                "This appointment is {}; it cannot be marked {}.",
                status.label(),
                to.label()
            ),
        ));
    }
    appointments::set_status(&mut tx, id, to).await?;
    let view = fetch_view(&mut tx, &clock, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// A walk-in: the doctor's next free slot today, or (administrators only, enforced by the database) an
/// overbooked appointment starting now.
#[tracing::instrument(skip(pool))]
pub async fn walk_in(
    pool: &PgPool,
    patient_id: i64,
    doctor_id: i64,
    overbook: bool,
) -> Result<Appointment> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let doctor = active_doctor(&mut conn, doctor_id).await?;
    let today = clock.today();
    let s = Schedules::load(&mut conn, &clock, &[doctor_id], today, 1).await?;
    drop(conn);
    if let Some(slot) = s
        .free(&clock, doctor_id, doctor.slot_minutes, today)
        .first()
    {
        return book(pool, doctor_id, patient_id, slot.starts_at).await;
    }
    if !overbook {
        return Err(Error::Conflict(format!(
            "{} has no free slot left today. An administrator can overbook.",
            doctor.full_name
        )));
    }
    let mut tx = pool.begin().await?;
    let start = clock.now;
    let id = appointments::insert(
        &mut tx,
        doctor_id,
        patient_id,
        start,
        start + Duration::minutes(doctor.slot_minutes as i64),
        true,
    )
    .await?;
    let view = fetch_view(&mut tx, &clock, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// One column per doctor on duty that day (working hours or appointments), cards in time order.
#[tracing::instrument(skip(pool))]
pub async fn today_board(pool: &PgPool, date: Option<NaiveDate>) -> Result<TodayBoard> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let date = date.unwrap_or_else(|| clock.today());
    let docs = doctors::list(&mut conn, false).await?;
    let ids: Vec<i64> = docs.iter().map(|d| d.id).collect();
    let s = Schedules::load(&mut conn, &clock, &ids, date, 1).await?;
    let (from, to) = schedule::utc_range(clock.tz, date, 1);
    let mut by_doctor: HashMap<i64, Vec<Appointment>> = HashMap::new();
    for r in appointments::in_range(&mut conn, from, to).await? {
        by_doctor
            .entry(r.doctor_id)
            .or_default()
            .push(clock.view(r));
    }
    let columns = docs
        .into_iter()
        .filter_map(|d| {
            let appts = by_doctor.remove(&d.id).unwrap_or_default();
            let on_duty =
                !appts.is_empty() || !s.slots(&clock, d.id, d.slot_minutes, date).is_empty();
            on_duty.then_some(BoardColumn {
                doctor: d,
                appointments: appts,
            })
        })
        .collect();
    Ok(TodayBoard {
        date,
        label: Clock::day_label(date),
        columns,
    })
}

pub async fn doctor_calendar(
    pool: &PgPool,
    doctor_id: i64,
    from: NaiveDate,
    days: i64,
) -> Result<Vec<Appointment>> {
    if !(1..=62).contains(&days) {
        return Err(Error::validation("days", "Ask for 1 to 62 days."));
    }
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let (start, end) = schedule::utc_range(clock.tz, from, days);
    Ok(appointments::for_doctor(&mut conn, doctor_id, start, end)
        .await?
        .into_iter()
        .map(|r| clock.view(r))
        .collect())
}

pub async fn for_patient(pool: &PgPool, patient_id: i64) -> Result<Vec<Appointment>> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    Ok(appointments::for_patient(&mut conn, patient_id)
        .await?
        .into_iter()
        .map(|r| clock.view(r))
        .collect())
}

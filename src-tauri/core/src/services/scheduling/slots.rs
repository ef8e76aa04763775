//! Doctors' working windows and busy times over some days (`Schedules`, a constant number of queries), the
//! free slots of the booking grid and the first available slot of a department.
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use super::*;
use crate::cache::SlotKey;
use crate::clock::Clock;
use crate::context::Desk;
use crate::db::{
    appointment_types,
    appointments::{self},
    availability,
    doctors::{self, Doctor},
};
use crate::error::{Error, Result};
use crate::schedule::{self, DatedException, ExceptionKind, SlotTime, WeeklyWindow};

/// Working windows and busy times of several doctors over some days, loaded with a constant number of queries.
/// The one way ClinicDesk computes a doctor's working windows: the grid, availability checks and booking.
#[derive(Default)]
pub(crate) struct Schedules {
    weekly: HashMap<i64, Vec<WeeklyWindow>>,
    exceptions: Vec<(i64, Option<i64>, DatedException)>,
    busy: HashMap<i64, Vec<(DateTime<Utc>, DateTime<Utc>)>>,
}

impl Schedules {
    /// Working windows and busy times.
    pub(crate) async fn load(
        conn: &mut PgConnection,
        clock: &Clock,
        doctor_ids: &[i64],
        from: NaiveDate,
        days: i64,
    ) -> Result<Schedules> {
        let Schedules {
            weekly, exceptions, ..
        } = Schedules::load_hours(conn, doctor_ids, from, days).await?;
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

    /// Working windows only (no busy times): for who is on duty, where taken slots do not matter.
    pub(crate) async fn load_hours(
        conn: &mut PgConnection,
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
        Ok(Schedules {
            weekly,
            exceptions,
            busy: HashMap::new(),
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

    /// Free starts on the doctor's slot grid for a visit of `minutes` (an appointment type's length).
    pub(crate) fn free_for(
        &self,
        clock: &Clock,
        doctor_id: i64,
        slot_minutes: i32,
        minutes: i32,
        date: NaiveDate,
    ) -> Vec<SlotTime> {
        let busy = self.busy.get(&doctor_id).map(Vec::as_slice).unwrap_or(&[]);
        let windows = self.windows(doctor_id, date);
        schedule::starts_in_windows(
            clock.tz,
            date,
            &windows,
            slot_minutes as i64,
            minutes as i64,
        )
        .into_iter()
        .filter(|s| s.starts_at >= clock.now && !schedule::overlaps(s.starts_at, s.ends_at, busy))
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

    /// The kinds of exception that touch a doctor's day (a clinic holiday, their leave, an extra session).
    pub(crate) fn exceptions_on(&self, doctor_id: i64, date: NaiveDate) -> Vec<ExceptionKind> {
        self.exceptions
            .iter()
            .filter(|(_, d, e)| (d.is_none() || *d == Some(doctor_id)) && e.on_date == date)
            .map(|(_, _, e)| e.kind)
            .collect()
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

    /// One doctor's day as a booking's context read it (weekly sessions of that weekday, that day's exceptions).
    pub(crate) fn of_day(
        doctor_id: i64,
        weekly: Vec<WeeklyWindow>,
        exceptions: Vec<DatedException>,
    ) -> Self {
        exceptions.into_iter().fold(
            Schedules::default().with_weekly(doctor_id, weekly),
            |s, e| s.with_exception(Some(doctor_id), e),
        )
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

pub(super) fn slot_view(doctor_id: i64, s: &SlotTime) -> Slot {
    Slot {
        doctor_id,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        date: s.date,
        time: s.time.format("%H:%M").to_string(),
        end_time: s.end_time.format("%H:%M").to_string(),
    }
}

pub(super) async fn active_doctor(conn: &mut PgConnection, doctor_id: i64) -> Result<Doctor> {
    let d = doctors::get(conn, doctor_id).await?.ok_or_else(|| {
        Error::validation("doctor_id", crate::msg!(waitlist_entries_doctor_id_fkey))
    })?;
    if !d.active {
        return Err(Error::validation(
            "doctor_id",
            crate::msg!(doctor_inactive_named, doctor = d.full_name),
        ));
    }
    Ok(d)
}

/// The doctor's time a visit of `type_id` takes: its length plus the buffer after it (the doctor's default type
/// when none is given, else the doctor's slot). The type must be one the doctor offers and still in use. Free
/// starts are found for this run, so a slot's end on the grid is where the doctor is free again.
pub(crate) async fn visit_minutes(
    conn: &mut PgConnection,
    doctor: &Doctor,
    type_id: Option<i64>,
) -> Result<i32> {
    let offered = appointment_types::offered_by(conn, doctor.id).await?;
    match type_id {
        None => Ok(offered
            .iter()
            .find(|(_, default)| *default)
            .map_or(doctor.slot_minutes, |(t, _)| t.minutes + t.buffer_minutes)),
        Some(id) => match offered.iter().find(|(t, _)| t.id == id) {
            Some((t, _)) if t.active => Ok(t.minutes + t.buffer_minutes),
            Some(_) => Err(Error::validation(
                "type_id",
                crate::msg!(appointment_type_retired),
            )),
            None => Err(Error::constraint("appointments_type_offered")),
        },
    }
}

/// Free slots of one doctor for `days` days from `from` (the 7-day booking grid) for the doctor's default visit.
pub async fn free_slots(
    desk: &Desk,
    doctor_id: i64,
    from: NaiveDate,
    days: i64,
) -> Result<Vec<SlotDay>> {
    free_starts(desk, doctor_id, None, from, days).await
}

/// Free starts of one doctor for a visit of an appointment type (`None`: the doctor's default) over `days` days
/// from `from`, from the session's cache when it has them (writes drop them: see `cache`).
pub async fn free_starts(
    desk: &Desk,
    doctor_id: i64,
    type_id: Option<i64>,
    from: NaiveDate,
    days: i64,
) -> Result<Vec<SlotDay>> {
    let key = SlotKey {
        doctor_id,
        type_id,
        from,
        days,
    };
    let slots = desk
        .caches()
        .slots(key, || {
            compute_free_starts(desk, doctor_id, type_id, from, days)
        })
        .await?;
    Ok(slots.as_ref().clone())
}

/// `free_slots` computed from the database (what the cache holds; the benchmarks measure it).
pub async fn compute_free_slots(
    pool: &PgPool,
    doctor_id: i64,
    from: NaiveDate,
    days: i64,
) -> Result<Vec<SlotDay>> {
    compute_free_starts(pool, doctor_id, None, from, days).await
}

/// `free_starts` computed from the database.
#[tracing::instrument(skip(pool))]
pub async fn compute_free_starts(
    pool: &PgPool,
    doctor_id: i64,
    type_id: Option<i64>,
    from: NaiveDate,
    days: i64,
) -> Result<Vec<SlotDay>> {
    if !(1..=31).contains(&days) {
        return Err(Error::constraint("free_slots_days"));
    }
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let doctor = active_doctor(&mut conn, doctor_id).await?;
    let minutes = visit_minutes(&mut conn, &doctor, type_id).await?;
    let s = Schedules::load(&mut conn, &clock, &[doctor_id], from, days).await?;
    Ok((0..days)
        .map(|i| {
            let date = from + Duration::days(i);
            SlotDay {
                date,
                label: Clock::day_label(date),
                slots: s
                    .free_for(&clock, doctor_id, doctor.slot_minutes, minutes, date)
                    .iter()
                    .map(|t| slot_view(doctor_id, t))
                    .collect(),
            }
        })
        .collect())
}

/// The earliest free slot in a department over the next two weeks: for a visit of an appointment type among the
/// doctors who offer it, or (`None`) each doctor's own slot.
#[tracing::instrument(skip(pool))]
pub async fn first_available(
    pool: &PgPool,
    department_id: i64,
    type_id: Option<i64>,
) -> Result<Option<Slot>> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let ids = doctors::active_in_department(&mut conn, department_id).await?;
    let (ids, minutes, buffer) = match type_id {
        None => (ids, None, None),
        Some(t) => {
            let offering = appointment_types::doctors_offering(&mut conn, t).await?;
            let Some((minutes, buffer)) = appointment_types::minutes_of(&mut conn, t).await? else {
                return Err(Error::validation(
                    "type_id",
                    crate::msg!(appointments_type_id_fkey),
                ));
            };
            (
                ids.into_iter().filter(|d| offering.contains(d)).collect(),
                Some(minutes),
                Some(buffer),
            )
        }
    };
    // one statement, set-based (the same arithmetic as `Schedules`, tested against it)
    let first = availability::first_free(
        &mut conn,
        &ids,
        clock.today(),
        14,
        clock.now,
        clock.tz.name(),
        minutes,
        buffer,
    )
    .await?;
    Ok(first.map(|(doctor_id, t)| slot_view(doctor_id, &t)))
}

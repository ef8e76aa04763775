//! Doctors' availability: the weekly template, dated exceptions and clinic holidays. A doctor edits their own
//! (row-level security), an administrator anyone's. Withdrawing hours that have bookings is refused with the
//! list of those bookings — nothing is cancelled behind anyone's back.

use chrono::Duration;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::cache::Change;
use crate::clock::Clock;
use crate::context::Desk;
use crate::db::{
    appointments::{self, AppointmentRow},
    availability::{self, AvailabilityException, ExceptionInput, WeeklySession},
    doctors,
};
use crate::error::{Error, Result};
use crate::schedule::{DatedException, ExceptionKind, WeeklyWindow};
use crate::services::scheduling::Schedules;

/// How far ahead the editor shows exceptions, and how far ahead a change is checked against bookings.
const HORIZON_DAYS: i64 = 366;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DoctorAvailability {
    pub doctor_id: i64,
    pub slot_minutes: i32,
    pub sessions: Vec<WeeklySession>,
    pub exceptions: Vec<AvailabilityException>,
}

pub async fn get(pool: &PgPool, doctor_id: i64) -> Result<DoctorAvailability> {
    let mut conn = pool.acquire().await?;
    load(&mut conn, doctor_id).await
}

async fn load(conn: &mut PgConnection, doctor_id: i64) -> Result<DoctorAvailability> {
    let doctor = doctors::get(conn, doctor_id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(waitlist_entries_doctor_id_fkey)))?;
    let clock = Clock::load(conn).await?;
    let sessions = availability::weekly_for(conn, &[doctor_id])
        .await?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let today = clock.today();
    let exceptions = availability::exceptions_for(
        conn,
        &[doctor_id],
        today,
        today + Duration::days(HORIZON_DAYS),
    )
    .await?;
    Ok(DoctorAvailability {
        doctor_id,
        slot_minutes: doctor.slot_minutes,
        sessions,
        exceptions,
    })
}

fn check_sessions(sessions: &[WeeklySession]) -> Result<()> {
    let mut sorted: Vec<&WeeklySession> = sessions.iter().collect();
    sorted.sort_by_key(|s| (s.weekday, s.starts_at));
    for s in &sorted {
        if !(1..=7).contains(&s.weekday) {
            return Err(Error::validation("sessions", crate::msg!(weekday_range)));
        }
        if s.ends_at <= s.starts_at {
            return Err(Error::validation(
                "sessions",
                crate::msg!(
                    session_ends_before_start,
                    start = s.starts_at.format("%H:%M")
                ),
            ));
        }
    }
    for w in sorted.windows(2) {
        if w[0].weekday == w[1].weekday && w[1].starts_at < w[0].ends_at {
            return Err(Error::validation(
                "sessions",
                crate::msg!(
                    sessions_overlap_on,
                    weekday = weekday_name(w[0].weekday),
                    first = format!(
                        "{}–{}",
                        w[0].starts_at.format("%H:%M"),
                        w[0].ends_at.format("%H:%M")
                    ),
                    second = format!(
                        "{}–{}",
                        w[1].starts_at.format("%H:%M"),
                        w[1].ends_at.format("%H:%M")
                    )
                ),
            ));
        }
    }
    Ok(())
}

fn weekday_name(d: i16) -> &'static str {
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    .get(d as usize - 1)
    .copied()
    .unwrap_or("?")
}

/// Refuses when bookings would fall outside the changed hours, naming them.
fn refuse_stranded(clock: &Clock, stranded: &[AppointmentRow]) -> Result<()> {
    if stranded.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = stranded
        .iter()
        .take(10)
        .map(|a| {
            let l = a.starts_at.with_timezone(&clock.tz);
            format!(
                "{} {} {} ({})",
                Clock::day_label(l.date_naive()),
                l.format("%H:%M"),
                a.patient_name,
                a.doctor_name
            )
        })
        .collect();
    let list = list.join("; ");
    Err(Error::Conflict(match stranded.len() {
        1 => crate::msg!(hours_strand_one, list = list),
        n if n > 10 => crate::msg!(hours_strand_more, count = n, list = list, more = n - 10),
        n => crate::msg!(hours_strand_many, count = n, list = list),
    }))
}

async fn upcoming(
    conn: &mut PgConnection,
    doctor_ids: &[i64],
    clock: &Clock,
) -> Result<Vec<AppointmentRow>> {
    let mut all = vec![];
    for id in doctor_ids {
        all.extend(appointments::upcoming_for_doctor(conn, *id, clock.now).await?);
    }
    Ok(all)
}

#[tracing::instrument(skip(desk, sessions))]
pub async fn set_weekly(
    desk: &Desk,
    doctor_id: i64,
    slot_minutes: i32,
    sessions: &[WeeklySession],
) -> Result<DoctorAvailability> {
    check_sessions(sessions)?;
    if !(5..=240).contains(&slot_minutes) {
        return Err(Error::validation(
            "slot_minutes",
            crate::msg!(slot_length_range),
        ));
    }
    let mut tx = desk.begin().await?;
    doctors::lock_schedule(&mut tx, doctor_id, true).await?;
    let doctor = doctors::get(&mut tx, doctor_id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(waitlist_entries_doctor_id_fkey)))?;
    let clock = Clock::load(&mut tx).await?;
    let windows: Vec<WeeklyWindow> = sessions.iter().map(Into::into).collect();
    let booked = upcoming(&mut tx, &[doctor_id], &clock).await?;
    let s = Schedules::load(&mut tx, &clock, &[doctor_id], clock.today(), HORIZON_DAYS)
        .await?
        .with_weekly(doctor_id, windows);
    let stranded: Vec<AppointmentRow> = booked
        .into_iter()
        .filter(|a| !a.overbooked && !s.within_hours(&clock, doctor_id, a.starts_at, a.ends_at))
        .collect();
    refuse_stranded(&clock, &stranded)?;
    availability::replace_weekly(&mut tx, doctor_id, sessions).await?;
    if doctor.slot_minutes != slot_minutes {
        availability::set_slot_minutes(&mut tx, doctor_id, slot_minutes).await?;
    }
    let out = load(&mut tx, doctor_id).await?;
    tx.commit().await?;
    // the slot length lives on the doctor's row: drop the doctor lists too
    desk.caches()
        .invalidate(Change::Doctor(Some(doctor_id)))
        .await;
    Ok(out)
}

#[tracing::instrument(skip(desk))]
pub async fn add_exception(desk: &Desk, input: &ExceptionInput) -> Result<AvailabilityException> {
    let reason = super::optional_text("reason", "Reason", &input.reason, 200)?;
    if (input.kind == ExceptionKind::Holiday) != input.doctor_id.is_none() {
        return Err(Error::validation("kind", crate::msg!(holiday_for_everyone)));
    }
    match (input.starts_at, input.ends_at) {
        (None, None) if input.kind == ExceptionKind::Extra => {
            return Err(Error::validation(
                "starts_at",
                crate::msg!(extra_session_times),
            ))
        }
        (Some(s), Some(e)) if e <= s => {
            return Err(Error::validation("ends_at", crate::msg!(end_after_start)))
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Error::validation(
                "ends_at",
                crate::msg!(both_times_or_neither),
            ))
        }
        _ => {}
    }
    let mut tx = desk.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    if input.on_date < clock.today() {
        return Err(Error::validation("on_date", crate::msg!(date_passed)));
    }
    let affected: Vec<i64> = match input.doctor_id {
        Some(id) => vec![id],
        None => doctors::list(&mut tx, true)
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect(),
    };
    for id in &affected {
        doctors::lock_schedule(&mut tx, *id, true).await?;
    }
    if input.kind != ExceptionKind::Extra {
        let exception = DatedException {
            on_date: input.on_date,
            kind: input.kind,
            start: input.starts_at,
            end: input.ends_at,
        };
        let s = Schedules::load(&mut tx, &clock, &affected, input.on_date, 1)
            .await?
            .with_exception(input.doctor_id, exception);
        let stranded: Vec<AppointmentRow> = upcoming(&mut tx, &affected, &clock)
            .await?
            .into_iter()
            .filter(|a| a.starts_at.with_timezone(&clock.tz).date_naive() == input.on_date)
            .filter(|a| {
                !a.overbooked && !s.within_hours(&clock, a.doctor_id, a.starts_at, a.ends_at)
            })
            .collect();
        refuse_stranded(&clock, &stranded)?;
    }
    let created = availability::insert_exception(
        &mut tx,
        &ExceptionInput {
            reason,
            ..input.clone()
        },
    )
    .await?;
    tx.commit().await?;
    desk.caches()
        .invalidate(Change::Availability(created.doctor_id))
        .await;
    Ok(created)
}

#[tracing::instrument(skip(desk))]
pub async fn remove_exception(desk: &Desk, id: i64) -> Result<()> {
    let mut tx = desk.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let e = availability::get_exception(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(exception_gone)))?;
    if let (ExceptionKind::Extra, Some(doctor_id)) = (e.kind, e.doctor_id) {
        doctors::lock_schedule(&mut tx, doctor_id, true).await?;
        let s = Schedules::load(&mut tx, &clock, &[doctor_id], e.on_date, 1)
            .await?
            .without_exception(id);
        let stranded: Vec<AppointmentRow> = upcoming(&mut tx, &[doctor_id], &clock)
            .await?
            .into_iter()
            .filter(|a| a.starts_at.with_timezone(&clock.tz).date_naive() == e.on_date)
            .filter(|a| !a.overbooked && !s.within_hours(&clock, doctor_id, a.starts_at, a.ends_at))
            .collect();
        refuse_stranded(&clock, &stranded)?;
    }
    availability::delete_exception(&mut tx, id).await?;
    tx.commit().await?;
    desk.caches()
        .invalidate(Change::Availability(e.doctor_id))
        .await;
    Ok(())
}

pub async fn holidays(pool: &PgPool) -> Result<Vec<AvailabilityException>> {
    let mut conn = pool.acquire().await?;
    let today = Clock::load(&mut conn).await?.today();
    availability::holidays_from(&mut conn, today).await
}

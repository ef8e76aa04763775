//! What the desk and the doctors look at: the Today board, a doctor's calendar, a patient's appointments.
use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::PgPool;

use super::*;
use crate::clock::Clock;
use crate::db::{
    appointments::{self, FlowStamps},
    doctors::{self},
    settings,
};
use crate::error::{Error, Result};
use crate::schedule::{self};

/// One column per doctor on duty that day (working hours or appointments), cards in time order, each with its
/// place in the flow and its wait (running waits only when the day is today, in the clinic's zone). Five reads:
/// the settings, the doctors, their hours, their exceptions and the day's appointments (with their flow stamps).
#[tracing::instrument(skip(pool))]
pub async fn today_board(pool: &PgPool, date: Option<NaiveDate>) -> Result<TodayBoard> {
    let mut conn = pool.acquire().await?;
    let settings = settings::zone_and_wait_alert(&mut conn).await?;
    let clock = Clock::in_zone(settings.as_ref().map(|(tz, _)| tz.as_str()))?;
    let alert_minutes = settings.map_or(20, |(_, m)| m);
    let date = date.unwrap_or_else(|| clock.today());
    let docs = doctors::list(&mut conn, false).await?;
    let ids: Vec<i64> = docs.iter().map(|d| d.id).collect();
    let hours = Schedules::load_hours(&mut conn, &ids, date, 1).await?;
    let (from, to) = schedule::utc_range(clock.tz, date, 1);
    let rows = appointments::in_range(&mut conn, from, to).await?;
    let stamps: Vec<FlowStamps> = rows.iter().map(FlowStamps::from).collect();
    let now = (date == clock.today()).then_some(clock.now);
    let mut flows = flow::doctor_flows(&stamps, now, alert_minutes);
    let mut by_doctor: HashMap<i64, Vec<Appointment>> = HashMap::new();
    for r in rows {
        by_doctor
            .entry(r.doctor_id)
            .or_default()
            .push(Appointment::new(&clock, r));
    }
    let columns = docs
        .into_iter()
        .filter_map(|d| {
            let appts = by_doctor.remove(&d.id).unwrap_or_default();
            let on_duty =
                !appts.is_empty() || !hours.slots(&clock, d.id, d.slot_minutes, date).is_empty();
            let flow = flows.remove(&d.id).unwrap_or_default();
            on_duty.then_some(BoardColumn {
                doctor: d,
                appointments: appts,
                flow,
            })
        })
        .collect();
    Ok(TodayBoard {
        date,
        label: Clock::day_label(date),
        wait_alert_minutes: alert_minutes,
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
        return Err(Error::validation("days", crate::msg!(board_days_range)));
    }
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let (start, end) = schedule::utc_range(clock.tz, from, days);
    Ok(appointments::for_doctor(&mut conn, doctor_id, start, end)
        .await?
        .into_iter()
        .map(|r| Appointment::new(&clock, r))
        .collect())
}

pub async fn for_patient(pool: &PgPool, patient_id: i64) -> Result<Vec<Appointment>> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    Ok(appointments::for_patient(&mut conn, patient_id)
        .await?
        .into_iter()
        .map(|r| Appointment::new(&clock, r))
        .collect())
}

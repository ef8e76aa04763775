//! Recurring series: every N days or weeks (or on chosen weekdays), for a count or until a date, with one doctor
//! and one appointment type. The desk previews every visit first (free, or why not with the nearest free
//! alternative), then books the ones it accepts in one transaction: all of them or none. Each visit is an
//! ordinary appointment (its own status, reminders and rules); cancelling takes one visit, or it and all later.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::booking::{book_in, visit_reason, BookingRequest};
use super::slots::{active_doctor, slot_view, visit_minutes};
use super::*;
use crate::cache::Change;
use crate::clock::Clock;
use crate::context::Desk;
use crate::db::appointments;
use crate::error::{Error, Result};
use crate::schedule::{ExceptionKind, SlotTime};

/// At most this many visits in one series (two years of weekly visits).
pub const MAX_VISITS: usize = 104;

/// How far after a conflicting visit's day the nearest free alternative is looked for.
const ALTERNATIVE_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RepeatUnit {
    Days,
    Weeks,
}

/// A series as the desk describes it. The first visit's clinic-local time is every visit's time (across DST).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct SeriesRequest {
    pub doctor_id: i64,
    pub patient_id: i64,
    pub type_id: Option<i64>,
    pub reason: String,
    pub first_start: DateTime<Utc>,
    /// Every `every` days or weeks (1–52).
    pub every: i32,
    pub unit: RepeatUnit,
    /// For a weekly series: the ISO weekdays (1 = Monday) of the visits; empty = the first visit's weekday.
    pub weekdays: Vec<i32>,
    /// How many visits (1–104), or until which date (inclusive); the first reached ends the series.
    pub count: Option<i32>,
    pub until: Option<NaiveDate>,
}

/// One planned visit of a series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Occurrence {
    pub date: NaiveDate,
    /// "Tue 3 Dec"
    pub label: String,
    /// "HH:MM", the series' clinic-local time
    pub time: String,
    /// The visit at the series' time; `None` when that time does not exist on the day (clocks change).
    pub slot: Option<Slot>,
    /// Why it cannot be booked as planned (`None`: it is free).
    pub conflict: Option<String>,
    /// For a conflict, the nearest free start with the same doctor and type (that day, or the next 7 days).
    pub alternative: Option<Slot>,
}

/// The dates of the series' visits (validated: 1–104 of them).
fn dates(req: &SeriesRequest, first: NaiveDate) -> Result<Vec<NaiveDate>> {
    if !(1..=52).contains(&req.every) {
        return Err(Error::validation("every", crate::msg!(series_every_range)));
    }
    match (req.count, req.until) {
        (None, None) => {
            return Err(Error::validation(
                "count",
                crate::msg!(series_count_or_until),
            ))
        }
        (Some(c), _) if !(1..=MAX_VISITS as i32).contains(&c) => {
            return Err(Error::validation(
                "count",
                crate::msg!(series_count_range, max = MAX_VISITS),
            ))
        }
        (_, Some(u)) if u < first => {
            return Err(Error::validation(
                "until",
                crate::msg!(series_until_before_first),
            ))
        }
        _ => {}
    }
    if req.weekdays.iter().any(|w| !(1..=7).contains(w)) {
        return Err(Error::validation(
            "weekdays",
            crate::msg!(series_weekdays_range),
        ));
    }
    if !req.weekdays.is_empty() && req.unit == RepeatUnit::Days {
        return Err(Error::validation(
            "weekdays",
            crate::msg!(series_weekdays_weekly),
        ));
    }
    let every = req.every as i64;
    let week_of = |d: NaiveDate| d - Duration::days(d.weekday().num_days_from_monday() as i64);
    let on = |d: NaiveDate| -> bool {
        let days = (d - first).num_days();
        match req.unit {
            RepeatUnit::Days => days % every == 0,
            RepeatUnit::Weeks if req.weekdays.is_empty() => days % (7 * every) == 0,
            RepeatUnit::Weeks => {
                req.weekdays
                    .contains(&(d.weekday().number_from_monday() as i32))
                    && ((week_of(d) - week_of(first)).num_days() / 7) % every == 0
            }
        }
    };
    let count = req.count.map_or(usize::MAX, |c| c as usize);
    let mut out = vec![];
    let mut d = first;
    // the longest a series of 104 visits can reach: 104 × 52 weeks
    let horizon = first + Duration::days(7 * 52 * MAX_VISITS as i64);
    while out.len() < count && req.until.is_none_or(|u| d <= u) && d <= horizon {
        if on(d) {
            if out.len() == MAX_VISITS {
                return Err(Error::validation(
                    "until",
                    crate::msg!(series_too_many, max = MAX_VISITS),
                ));
            }
            out.push(d);
        }
        d += Duration::days(1);
    }
    if out.is_empty() {
        return Err(Error::validation("weekdays", crate::msg!(series_no_visit)));
    }
    Ok(out)
}

/// "every 2 weeks on Mon, Thu, 6 visits" (kept with the series, for the record).
fn describe(req: &SeriesRequest, n: usize) -> String {
    let unit = match (req.unit, req.every) {
        (RepeatUnit::Days, 1) => "day".to_string(),
        (RepeatUnit::Weeks, 1) => "week".to_string(),
        (RepeatUnit::Days, e) => format!("{e} days"),
        (RepeatUnit::Weeks, e) => format!("{e} weeks"),
    };
    let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let days: Vec<&str> = req
        .weekdays
        .iter()
        .map(|w| names[(*w as usize).clamp(1, 7) - 1])
        .collect();
    let on = if days.is_empty() {
        String::new()
    } else {
        format!(" on {}", days.join(", "))
    };
    format!("every {unit}{on}, {n} visits")
}

/// Every planned visit of a series: free, or why not and the nearest free alternative. Nothing is written.
#[tracing::instrument(skip(desk, req), fields(doctor_id = req.doctor_id))]
pub async fn preview_series(desk: &Desk, req: &SeriesRequest) -> Result<Vec<Occurrence>> {
    visit_reason(&req.reason)?;
    let mut conn = desk.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let doctor = active_doctor(&mut conn, req.doctor_id).await?;
    let minutes = visit_minutes(&mut conn, &doctor, req.type_id).await?;
    let local = req.first_start.with_timezone(&clock.tz);
    let (first, time) = (local.date_naive(), local.time());
    let dates = dates(req, first)?;
    let last = *dates.last().expect("at least one date");
    let span = (last - first).num_days() + 1 + ALTERNATIVE_DAYS;
    let s = Schedules::load(&mut conn, &clock, &[doctor.id], first, span).await?;
    let patient_busy: Vec<(DateTime<Utc>, DateTime<Utc>)> =
        appointments::for_patient(&mut conn, req.patient_id)
            .await?
            .into_iter()
            .filter(|a| a.status != appointments::AppointmentStatus::Cancelled)
            .map(|a| (a.starts_at, a.ends_at))
            .collect();
    let patient_free =
        |t: &SlotTime| !crate::schedule::overlaps(t.starts_at, t.ends_at, &patient_busy);
    let free_on = |date: NaiveDate| -> Vec<SlotTime> {
        s.free_for(&clock, doctor.id, doctor.slot_minutes, minutes, date)
            .into_iter()
            .filter(|t| patient_free(t))
            .collect()
    };
    Ok(dates
        .into_iter()
        .map(|date| {
            let planned = planned_slot(
                &clock,
                &s,
                doctor.id,
                (doctor.slot_minutes, minutes),
                date,
                time,
            );
            let free = free_on(date);
            let conflict = match &planned {
                Err(why) => Some(why.clone()),
                Ok(p) if free.iter().any(|f| f.starts_at == p.starts_at) => None,
                Ok(p) if p.starts_at < clock.now => Some(crate::msg!(series_time_passed)),
                Ok(p) if !patient_free(p) => Some(crate::msg!(series_patient_busy)),
                Ok(_) => Some(crate::msg!(series_doctor_busy, doctor = doctor.full_name)),
            };
            let alternative = conflict.as_ref().and_then(|_| {
                let want = planned
                    .as_ref()
                    .map(|p| p.starts_at)
                    .unwrap_or_else(|_| crate::jobs::local_instant(clock.tz, date, time));
                let same_day = free
                    .iter()
                    .min_by_key(|f| (f.starts_at - want).num_seconds().abs())
                    .copied();
                same_day
                    .or_else(|| {
                        (1..=ALTERNATIVE_DAYS)
                            .find_map(|k| free_on(date + Duration::days(k)).first().copied())
                    })
                    .map(|t| slot_view(doctor.id, &t))
            });
            Occurrence {
                date,
                label: Clock::day_label(date),
                time: time.format("%H:%M").to_string(),
                slot: planned.ok().map(|p| slot_view(doctor.id, &p)),
                conflict,
                alternative,
            }
        })
        .collect())
}

/// The visit at the series' local `time` on `date` if the doctor works then (on their grid, the whole visit inside
/// a window), else why not.
fn planned_slot(
    clock: &Clock,
    s: &Schedules,
    doctor_id: i64,
    (slot_minutes, minutes): (i32, i32),
    date: NaiveDate,
    time: NaiveTime,
) -> std::result::Result<SlotTime, String> {
    if clock
        .tz
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .is_none()
    {
        return Err(crate::msg!(series_time_skipped));
    }
    let windows = s.windows(doctor_id, date);
    if let Some(t) = crate::schedule::starts_in_windows(
        clock.tz,
        date,
        &windows,
        slot_minutes as i64,
        minutes as i64,
    )
    .into_iter()
    .find(|t| t.time == time)
    {
        return Ok(t);
    }
    let kinds = s.exceptions_on(doctor_id, date);
    Err(if kinds.contains(&ExceptionKind::Holiday) {
        crate::msg!(series_clinic_closed)
    } else if kinds.contains(&ExceptionKind::Leave) {
        crate::msg!(series_doctor_on_leave)
    } else {
        crate::msg!(series_doctor_not_working)
    })
}

/// Books the visits of a series the desk accepted (`starts`: the planned starts and chosen alternatives), in one
/// transaction: every visit or none. A refusal names the visit it is about.
#[tracing::instrument(skip(desk, req, starts), fields(doctor_id = req.doctor_id))]
pub async fn book_series(
    desk: &Desk,
    req: &SeriesRequest,
    starts: &[DateTime<Utc>],
) -> Result<Vec<Appointment>> {
    visit_reason(&req.reason)?;
    let mut starts = starts.to_vec();
    starts.sort();
    starts.dedup();
    if starts.is_empty() || starts.len() > MAX_VISITS {
        return Err(Error::validation(
            "starts",
            crate::msg!(series_book_count, max = MAX_VISITS),
        ));
    }
    let mut tx = desk.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let first = req.first_start.with_timezone(&clock.tz).date_naive();
    let planned = dates(req, first)?;
    let series_id = appointments::insert_series(&mut tx, &describe(req, planned.len())).await?;
    let mut booked = vec![];
    for start in &starts {
        let visit = BookingRequest {
            doctor_id: req.doctor_id,
            patient_id: req.patient_id,
            starts_at: *start,
            type_id: req.type_id,
            reason: req.reason.clone(),
        };
        let date = Clock::day_label(crate::schedule::local_date(clock.tz, *start));
        let time = clock.hm(*start);
        let about =
            |m: &str| crate::msg!(series_visit_refused, date = date, time = time, reason = m);
        match book_in(&mut tx, &visit, Some(series_id)).await {
            Ok(Ok(a)) => booked.push(a),
            Ok(Err(overlap)) => {
                drop(tx);
                let e = overlap.sentence(desk, &visit).await;
                desk.caches()
                    .invalidate(Change::Appointment(Some(req.doctor_id)))
                    .await;
                return Err(Error::Conflict(about(&e.to_string())));
            }
            Err(Error::Validation { message, .. }) => {
                return Err(Error::validation("starts", about(&message)))
            }
            Err(e) => return Err(e),
        }
    }
    tx.commit().await?;
    desk.caches()
        .invalidate(Change::Appointment(Some(req.doctor_id)))
        .await;
    Ok(booked)
}

/// Cancels one visit of a series, or (`and_later`) it and every later visit still booked or checked in, with one
/// reason. Returns how many were cancelled.
#[tracing::instrument(skip(desk, reason))]
pub async fn cancel_series(desk: &Desk, id: i64, reason: &str, and_later: bool) -> Result<i64> {
    if !and_later {
        super::status::cancel(desk, id, reason).await?;
        return Ok(1);
    }
    let reason = crate::services::required_text("reason", "A reason for cancelling", reason, 500)?;
    let mut tx = desk.begin().await?;
    let (series, starts_at) = appointments::series_of(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(appointment_missing)))?;
    let Some(series) = series else {
        return Err(Error::validation("and_later", crate::msg!(not_in_series)));
    };
    let n = appointments::cancel_series_from(&mut tx, series, starts_at, &reason).await?;
    tx.commit().await?;
    desk.caches().invalidate(Change::Appointment(None)).await;
    Ok(n as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(
        every: i32,
        unit: RepeatUnit,
        weekdays: Vec<i32>,
        count: Option<i32>,
        until: Option<NaiveDate>,
    ) -> SeriesRequest {
        SeriesRequest {
            doctor_id: 1,
            patient_id: 1,
            type_id: None,
            reason: String::new(),
            first_start: Utc::now(),
            every,
            unit,
            weekdays,
            count,
            until,
        }
    }
    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn weekly_fortnightly_weekdays_count_and_until() {
        // Tuesday 1 Dec 2026
        let weekly = dates(&req(1, RepeatUnit::Weeks, vec![], Some(3), None), d(12, 1)).unwrap();
        assert_eq!(weekly, [d(12, 1), d(12, 8), d(12, 15)]);
        let fortnightly_mon_thu = dates(
            &req(2, RepeatUnit::Weeks, vec![1, 4], None, Some(d(12, 24))),
            d(12, 1),
        )
        .unwrap();
        // the week of 30 Nov (Tue 1 Dec is after its Monday), then the week of 14 Dec
        assert_eq!(fortnightly_mon_thu, [d(12, 3), d(12, 14), d(12, 17)]);
        let every_3_days = dates(
            &req(3, RepeatUnit::Days, vec![], Some(3), Some(d(12, 5))),
            d(12, 1),
        )
        .unwrap();
        assert_eq!(
            every_3_days,
            [d(12, 1), d(12, 4)],
            "the end date comes first"
        );
        assert_eq!(
            describe(&req(2, RepeatUnit::Weeks, vec![1, 4], None, None), 3),
            "every 2 weeks on Mon, Thu, 3 visits"
        );
    }

    #[test]
    fn bad_series_are_field_errors() {
        for (r, field) in [
            (req(1, RepeatUnit::Weeks, vec![], Some(0), None), "count"),
            (req(1, RepeatUnit::Weeks, vec![], Some(105), None), "count"),
            (req(1, RepeatUnit::Weeks, vec![], None, None), "count"),
            (
                req(1, RepeatUnit::Weeks, vec![], None, Some(d(11, 30))),
                "until",
            ),
            (req(0, RepeatUnit::Weeks, vec![], Some(3), None), "every"),
            (req(1, RepeatUnit::Days, vec![2], Some(3), None), "weekdays"),
            (
                req(1, RepeatUnit::Weeks, vec![8], Some(3), None),
                "weekdays",
            ),
            (
                req(
                    1,
                    RepeatUnit::Days,
                    vec![],
                    None,
                    Some(d(12, 1) + Duration::days(200)),
                ),
                "until",
            ),
        ] {
            let e = dates(&r, d(12, 1)).unwrap_err();
            assert_eq!(e.field(), Some(field), "{r:?}");
        }
        assert_eq!(
            dates(
                &req(1, RepeatUnit::Weeks, vec![], Some(104), None),
                d(12, 1)
            )
            .unwrap()
            .len(),
            104
        );
    }
}

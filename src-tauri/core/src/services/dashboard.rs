//! The admin and doctor dashboards: the clinic's numbers at a glance, computed from a few grouped queries in
//! the clinic's time zone (definitions of every number are in docs/caching-and-diagnostics.md).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use sqlx::PgPool;

use crate::clock::Clock;
use crate::context::Desk;
use crate::db::{self, appointments::AppointmentStatus, treatments::Recall};
use crate::error::{Error, Result};
use crate::schedule::{self, DatedException, WeeklyWindow};
use crate::services::scheduling::Appointment;

/// Days shown before today (today included) and after it in the per-day chart.
pub const DAYS_BACK: i64 = 30;
pub const DAYS_AHEAD: i64 = 14;
/// Weeks in the no-show and new-patient trends (the current week included).
pub const TREND_WEEKS: i64 = 12;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DayCount {
    pub date: NaiveDate,
    /// Appointments that were not cancelled.
    pub appointments: i64,
    pub cancelled: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DepartmentCount {
    pub department_id: i64,
    pub department_name: String,
    pub appointments: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct StatusCounts {
    pub booked: i64,
    pub checked_in: i64,
    pub completed: i64,
    pub cancelled: i64,
    pub no_show: i64,
}

impl StatusCounts {
    fn add(&mut self, s: AppointmentStatus, n: i64) {
        match s {
            AppointmentStatus::Booked => self.booked += n,
            AppointmentStatus::CheckedIn => self.checked_in += n,
            AppointmentStatus::Completed => self.completed += n,
            AppointmentStatus::Cancelled => self.cancelled += n,
            AppointmentStatus::NoShow => self.no_show += n,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct WeekRate {
    pub week_start: NaiveDate,
    pub no_shows: i64,
    pub completed: i64,
    /// no_shows ÷ (completed + no_shows), 0 when neither happened.
    pub rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Utilisation {
    pub doctor_id: i64,
    pub doctor_name: String,
    pub department_id: i64,
    /// Appointments this week that were not cancelled.
    pub booked_slots: i64,
    /// Slots in the doctor's working hours this week (after leave, holidays and extra sessions).
    pub available_slots: i64,
    /// booked ÷ available, 0 when no slots.
    pub utilisation: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct WeekCount {
    pub week_start: NaiveDate,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AdminDashboard {
    pub today: NaiveDate,
    pub week_start: NaiveDate,
    pub month_start: NaiveDate,
    pub active_doctors: i64,
    pub patients: i64,
    /// Not cancelled, by clinic-local date.
    pub appointments_today: i64,
    pub appointments_week: i64,
    pub appointments_month: i64,
    /// From today − 29 to today + 14.
    pub per_day: Vec<DayCount>,
    /// Not cancelled, the last 30 days (today included), every department.
    pub by_department: Vec<DepartmentCount>,
    /// The last 30 days (today included).
    pub status_breakdown: StatusCounts,
    pub no_show_trend: Vec<WeekRate>,
    pub utilisation: Vec<Utilisation>,
    pub new_patients: Vec<WeekCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct DoctorDashboard {
    pub doctor_id: i64,
    pub doctor_name: String,
    pub today: NaiveDate,
    pub week_start: NaiveDate,
    /// Every appointment today and this week (cancelled ones included, shown struck through).
    pub today_appointments: Vec<Appointment>,
    pub week_appointments: Vec<Appointment>,
    /// Not cancelled.
    pub today_count: i64,
    pub week_count: i64,
    /// Distinct patients with a completed appointment this calendar month.
    pub patients_seen_month: i64,
    /// Suggested next visits due within 7 days (or overdue) with nothing booked since.
    pub follow_ups: Vec<Recall>,
}

pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

pub fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1")
}

fn next_month_start(d: NaiveDate) -> NaiveDate {
    let m = month_start(d);
    if m.month() == 12 {
        NaiveDate::from_ymd_opt(m.year() + 1, 1, 1).expect("date")
    } else {
        NaiveDate::from_ymd_opt(m.year(), m.month() + 1, 1).expect("date")
    }
}

/// The clinic's date today (what the caches key on).
pub async fn today(pool: &PgPool) -> Result<NaiveDate> {
    Ok(Clock::load(&mut *pool.acquire().await?).await?.today())
}

/// Today's admin dashboard, from the session's cache when it has it.
pub async fn admin_today(desk: &Desk) -> Result<AdminDashboard> {
    let today = today(desk).await?;
    let d = desk
        .caches()
        .admin_dashboard(today, || admin(desk, Some(today)))
        .await?;
    Ok(d.as_ref().clone())
}

/// The signed-in doctor's dashboard for today, from the session's cache when it has it.
pub async fn doctor_today(desk: &Desk) -> Result<DoctorDashboard> {
    let doctor_id = my_doctor_id(desk).await?;
    let today = today(desk).await?;
    let d = desk
        .caches()
        .doctor_dashboard(doctor_id, today, || doctor(desk, doctor_id, Some(today)))
        .await?;
    Ok(d.as_ref().clone())
}

/// The admin dashboard as of `today` (the clinic-local date; `None` = now).
#[tracing::instrument(skip(pool))]
pub async fn admin(pool: &PgPool, today: Option<NaiveDate>) -> Result<AdminDashboard> {
    let mut conn = pool.acquire().await?;
    if !db::staff::session_is_member_of(&mut *conn, "clinicdesk_admin").await? {
        return Err(Error::PermissionDenied(crate::msg!(dashboard_admin_only)));
    }
    let clock = Clock::load(&mut conn).await?;
    let today = today.unwrap_or_else(|| clock.today());
    let tz = clock.tz.name();
    let week = week_start(today);
    let month = month_start(today);
    let month_end = next_month_start(today);
    let chart_from = today - Duration::days(DAYS_BACK - 1);
    let chart_to = today + Duration::days(DAYS_AHEAD + 1);
    let trend_from = week - Duration::days(7 * (TREND_WEEKS - 1));
    let from = trend_from.min(month).min(chart_from);
    let to = chart_to.max(month_end).max(week + Duration::days(7));
    let day_starts: Vec<_> = (0..=(to - from).num_days())
        .map(|i| schedule::utc_range(clock.tz, from + Duration::days(i), 1).0)
        .collect();
    let (trend_utc, _) = schedule::utc_range(clock.tz, trend_from, 1);
    let doctors = db::doctors::list(&mut conn, true).await?;
    let ids: Vec<i64> = doctors.iter().filter(|d| d.active).map(|d| d.id).collect();
    drop(conn);
    // three independent reads on three connections of the pool, at the same time
    let started = std::time::Instant::now();
    // the window's two halves on two connections: the server scans and groups them on two cores
    let half = day_starts.len() / 2;
    let count_part = |first: NaiveDate, starts: &'_ [chrono::DateTime<chrono::Utc>]| {
        let starts = starts.to_vec();
        async move {
            let mut c = pool.acquire().await?;
            db::dashboard::appointment_counts(&mut c, first, &starts).await
        }
    };
    let counts_read = async {
        let (mut a, b) = tokio::try_join!(
            count_part(from, &day_starts[..=half]),
            count_part(from + Duration::days(half as i64), &day_starts[half..])
        )?;
        a.extend(b);
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            "dashboard counts read"
        );
        Ok::<_, Error>(a)
    };
    let totals_read = async {
        let mut c = pool.acquire().await?;
        let totals = db::dashboard::totals(&mut c).await?;
        let new = db::dashboard::new_patients_per_week(&mut c, trend_utc, tz).await?;
        let departments = db::departments::list(&mut c).await?;
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            "dashboard totals read"
        );
        Ok::<_, Error>((totals, new, departments))
    };
    // working hours only (weekly template and this week's exceptions): utilisation needs no busy times
    let schedules_read = async {
        let mut c = pool.acquire().await?;
        let mut weekly: HashMap<i64, Vec<WeeklyWindow>> = HashMap::new();
        for (id, s) in db::availability::weekly_for(&mut c, &ids).await? {
            weekly.entry(id).or_default().push((&s).into());
        }
        let exceptions =
            db::availability::exceptions_for(&mut c, &ids, week, week + Duration::days(7)).await?;
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            "dashboard hours read"
        );
        Ok::<_, Error>((weekly, exceptions))
    };
    let (counts, ((active_doctors, patients), new_rows, departments), (weekly, exceptions)) =
        tokio::try_join!(counts_read, totals_read, schedules_read)?;
    let new_by_week: HashMap<NaiveDate, i64> = new_rows.into_iter().collect();

    let department_of: HashMap<i64, i64> =
        doctors.iter().map(|d| (d.id, d.department_id)).collect();
    let mut per_day: BTreeMap<NaiveDate, DayCount> = (0..DAYS_BACK + DAYS_AHEAD)
        .map(|i| {
            let date = chart_from + Duration::days(i);
            (
                date,
                DayCount {
                    date,
                    appointments: 0,
                    cancelled: 0,
                },
            )
        })
        .collect();
    let mut by_department: HashMap<i64, i64> = HashMap::new();
    let mut status_breakdown = StatusCounts::default();
    let mut weeks: BTreeMap<NaiveDate, (i64, i64)> = (0..TREND_WEEKS)
        .map(|i| (trend_from + Duration::days(7 * i), (0, 0)))
        .collect();
    let mut booked_this_week: HashMap<i64, i64> = HashMap::new();
    let (mut n_today, mut n_week, mut n_month) = (0, 0, 0);
    for c in &counts {
        let live = c.status != AppointmentStatus::Cancelled;
        if let Some(d) = per_day.get_mut(&c.day) {
            if live {
                d.appointments += c.n;
            } else {
                d.cancelled += c.n;
            }
        }
        let last_30 = c.day >= chart_from && c.day <= today;
        if last_30 {
            status_breakdown.add(c.status, c.n);
            if live {
                if let Some(dep) = department_of.get(&c.doctor_id) {
                    *by_department.entry(*dep).or_default() += c.n;
                }
            }
        }
        if let Some(w) = weeks.get_mut(&week_start(c.day)) {
            match c.status {
                AppointmentStatus::NoShow => w.0 += c.n,
                AppointmentStatus::Completed => w.1 += c.n,
                _ => {}
            }
        }
        if live {
            if c.day == today {
                n_today += c.n;
            }
            if week_start(c.day) == week {
                n_week += c.n;
                *booked_this_week.entry(c.doctor_id).or_default() += c.n;
            }
            if month_start(c.day) == month {
                n_month += c.n;
            }
        }
    }

    let active: Vec<_> = doctors.iter().filter(|d| d.active).collect();
    let utilisation = active
        .iter()
        .map(|d| {
            let own: Vec<DatedException> = exceptions
                .iter()
                .filter(|e| e.doctor_id.is_none() || e.doctor_id == Some(d.id))
                .map(DatedException::from)
                .collect();
            let hours = weekly.get(&d.id).map(Vec::as_slice).unwrap_or(&[]);
            let available: i64 = (0..7)
                .map(|i| {
                    let date = week + Duration::days(i);
                    let windows = schedule::day_windows(date, hours, &own);
                    schedule::slots_in_windows(clock.tz, date, &windows, d.slot_minutes as i64)
                        .len() as i64
                })
                .sum();
            let booked = booked_this_week.get(&d.id).copied().unwrap_or(0);
            Utilisation {
                doctor_id: d.id,
                doctor_name: d.full_name.clone(),
                department_id: d.department_id,
                booked_slots: booked,
                available_slots: available,
                utilisation: if available > 0 {
                    booked as f64 / available as f64
                } else {
                    0.0
                },
            }
        })
        .collect();

    Ok(AdminDashboard {
        today,
        week_start: week,
        month_start: month,
        active_doctors,
        patients,
        appointments_today: n_today,
        appointments_week: n_week,
        appointments_month: n_month,
        per_day: per_day.into_values().collect(),
        by_department: departments
            .iter()
            .map(|d| DepartmentCount {
                department_id: d.id,
                department_name: d.name.clone(),
                appointments: by_department.get(&d.id).copied().unwrap_or(0),
            })
            .collect(),
        status_breakdown,
        no_show_trend: weeks
            .into_iter()
            .map(|(week_start, (no_shows, completed))| WeekRate {
                week_start,
                no_shows,
                completed,
                rate: if no_shows + completed > 0 {
                    no_shows as f64 / (no_shows + completed) as f64
                } else {
                    0.0
                },
            })
            .collect(),
        utilisation,
        new_patients: (0..TREND_WEEKS)
            .map(|i| {
                let w = trend_from + Duration::days(7 * i);
                WeekCount {
                    week_start: w,
                    count: new_by_week.get(&w).copied().unwrap_or(0),
                }
            })
            .collect(),
    })
}

/// The signed-in doctor's own doctor id (dashboards are per doctor).
pub async fn my_doctor_id(pool: &PgPool) -> Result<i64> {
    db::doctors::current_id(&mut *pool.acquire().await?)
        .await?
        .ok_or_else(|| Error::PermissionDenied(crate::msg!(account_not_doctor)))
}

/// One doctor's dashboard as of `today` (`None` = now).
#[tracing::instrument(skip(pool))]
pub async fn doctor(
    pool: &PgPool,
    doctor_id: i64,
    today: Option<NaiveDate>,
) -> Result<DoctorDashboard> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let today = today.unwrap_or_else(|| clock.today());
    let doctor = db::doctors::get(&mut conn, doctor_id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(waitlist_entries_doctor_id_fkey)))?;
    let week = week_start(today);
    let (w_from, w_to) = schedule::utc_range(clock.tz, week, 7);
    let week_appointments: Vec<Appointment> =
        db::appointments::for_doctor(&mut conn, doctor_id, w_from, w_to)
            .await?
            .into_iter()
            .map(|r| Appointment::new(&clock, r))
            .collect();
    let today_appointments: Vec<Appointment> = week_appointments
        .iter()
        .filter(|a| a.date == today)
        .cloned()
        .collect();
    let live = |a: &&Appointment| a.status != AppointmentStatus::Cancelled;
    let (m_from, _) = schedule::utc_range(clock.tz, month_start(today), 1);
    let (m_to, _) = schedule::utc_range(clock.tz, next_month_start(today), 1);
    let patients_seen_month =
        db::dashboard::patients_seen(&mut conn, doctor_id, m_from, m_to).await?;
    let follow_ups = db::treatments::recalls(&mut conn, today, today + Duration::days(7))
        .await?
        .into_iter()
        .filter(|r| r.doctor_id == doctor_id)
        .collect();
    Ok(DoctorDashboard {
        doctor_id,
        doctor_name: doctor.full_name,
        today,
        week_start: week,
        today_count: today_appointments.iter().filter(live).count() as i64,
        week_count: week_appointments.iter().filter(live).count() as i64,
        today_appointments,
        week_appointments,
        patients_seen_month,
        follow_ups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_months_roll_over() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(week_start(d(2026, 11, 27)), d(2026, 11, 23));
        assert_eq!(week_start(d(2026, 11, 23)), d(2026, 11, 23));
        assert_eq!(week_start(d(2026, 11, 29)), d(2026, 11, 23));
        assert_eq!(month_start(d(2026, 11, 27)), d(2026, 11, 1));
        assert_eq!(next_month_start(d(2026, 12, 5)), d(2027, 1, 1));
    }
}

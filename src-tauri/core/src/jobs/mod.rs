//! Background jobs: daily reminders, the day-before reminder, the monthly doctor reports, the daily no-shows and the
//! weekly cleanup.
//! Every job is `run_once(ctx, job, due)`, callable from the scheduler, the CLI, tests and a "Run now" button.
//! A job runs once per period across every PC: the unique (job, period) row in `job_runs` is the claim.
//! Times are settings in the clinic's zone; the period is computed here with chrono-tz (DST-correct), not by the
//! cron library (which fixes the UTC offset when a job is created and would fire an hour off after a DST change).

mod cleanup;
pub mod dispatcher;
mod reminders;
pub mod report;
pub mod runner;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::db::job_runs::{self, JobRun, RunTrigger};
use crate::db::job_settings::JobSettings;
use crate::error::{Error, Result};
use crate::target::DbTarget;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    RemindersDaily,
    RemindersDayBefore,
    MonthlyReport,
    WeeklyCleanup,
    /// Booked appointments past the no-show grace marked as no-shows, daily at the cleanup time (a setting: on/off).
    NoShows,
    /// The daily backup of the database this computer holds (see `crate::services::backups`).
    Backup,
}

impl JobKind {
    pub const ALL: [JobKind; 6] = [
        JobKind::RemindersDaily,
        JobKind::RemindersDayBefore,
        JobKind::MonthlyReport,
        JobKind::WeeklyCleanup,
        JobKind::NoShows,
        JobKind::Backup,
    ];

    pub fn name(self) -> &'static str {
        match self {
            JobKind::RemindersDaily => "reminders_daily",
            JobKind::RemindersDayBefore => "reminders_day_before",
            JobKind::MonthlyReport => "monthly_report",
            JobKind::WeeklyCleanup => "weekly_cleanup",
            JobKind::NoShows => "no_shows",
            JobKind::Backup => "backup",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JobKind::RemindersDaily => "Today's reminders",
            JobKind::RemindersDayBefore => "Day-before reminders",
            JobKind::MonthlyReport => "Monthly doctor reports",
            JobKind::WeeklyCleanup => "Weekly cleanup",
            JobKind::NoShows => "No-shows",
            JobKind::Backup => "Daily backup",
        }
    }

    pub fn parse(name: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|j| j.name() == name)
    }

    /// "Daily at 08:00", in the clinic's words.
    pub fn schedule(self, sched: &Schedule) -> String {
        let s = &sched.jobs;
        let hm = |t: NaiveTime| t.format("%H:%M").to_string();
        match self {
            JobKind::RemindersDaily if s.same_day_enabled => {
                format!("Daily at {}", hm(s.reminder_time))
            }
            JobKind::RemindersDaily => format!(
                "Daily at {}: reminder rules only (catch-up planning, digest)",
                hm(s.reminder_time)
            ),
            JobKind::RemindersDayBefore if s.day_before_enabled => {
                format!("Daily at {}, for tomorrow", hm(s.day_before_time))
            }
            JobKind::RemindersDayBefore => "Off".into(),
            JobKind::MonthlyReport => format!(
                "1st of the month at {}, for the month before",
                hm(s.report_time)
            ),
            JobKind::WeeklyCleanup => format!("Sundays at {}", hm(s.cleanup_time)),
            JobKind::NoShows if s.auto_no_show => format!(
                "Daily at {}, {} h after the appointment",
                hm(s.cleanup_time),
                s.no_show_grace_hours
            ),
            JobKind::NoShows => "Off".into(),
            JobKind::Backup => match sched.backup_at {
                Some(t) => format!("Daily at {}, where the database is", hm(t)),
                None => "Off".into(),
            },
        }
    }
}

/// Everything that says when jobs run: the job times, and the backup's (from the backup settings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    pub jobs: JobSettings,
    /// The daily backup's local time, when backups are on.
    pub backup_at: Option<NaiveTime>,
}

impl From<JobSettings> for Schedule {
    fn from(jobs: JobSettings) -> Schedule {
        Schedule {
            jobs,
            backup_at: None,
        }
    }
}

/// What a run covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Reminders for the appointments on this local date.
    Day(NaiveDate),
    /// The report for the month starting on this date.
    Month(NaiveDate),
    /// Cleanup as of now.
    Now,
}

/// A run that is due: its period key (the claim), when it was due, and what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub job: JobKind,
    pub period: String,
    pub due_at: DateTime<Utc>,
    pub scope: Scope,
}

/// The instant of local `date` `time` in `tz`: the earlier of an ambiguous (fall-back) time, and for a time
/// skipped by spring-forward, the first instant after the gap.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    for minutes in 0..=180 {
        match tz.from_local_datetime(&(naive + Duration::minutes(minutes))) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(a, _) => return a.with_timezone(&Utc),
            LocalResult::None => continue,
        }
    }
    Utc.from_utc_datetime(&naive)
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists")
}

fn previous_month(first: NaiveDate) -> NaiveDate {
    first_of_month(first - Duration::days(1))
}

fn next_month(first: NaiveDate) -> NaiveDate {
    first_of_month(first + Duration::days(32))
}

/// The most recent Sunday on or before `d`.
fn sunday_on_or_before(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_sunday() as i64)
}

/// The run of `job` whose trigger time is the latest at or before `now`, if it belongs to the current period.
/// Reminders only ever catch up *today's* run (yesterday's reminders are no use); reports catch up the month,
/// cleanup the week.
pub fn due(job: JobKind, sched: &Schedule, tz: Tz, now: DateTime<Utc>) -> Option<Due> {
    let s = &sched.jobs;
    let today = now.with_timezone(&tz).date_naive();
    let at = |d: NaiveDate, t: NaiveTime| local_instant(tz, d, t);
    match job {
        JobKind::RemindersDaily => {
            let due_at = at(today, s.reminder_time);
            (now >= due_at).then(|| Due {
                job,
                period: today.to_string(),
                due_at,
                scope: Scope::Day(today),
            })
        }
        JobKind::RemindersDayBefore => {
            let due_at = at(today, s.day_before_time);
            (s.day_before_enabled && now >= due_at).then(|| Due {
                job,
                period: today.to_string(),
                due_at,
                scope: Scope::Day(today + Duration::days(1)),
            })
        }
        JobKind::MonthlyReport => {
            let mut first = first_of_month(today);
            if now < at(first, s.report_time) {
                first = previous_month(first);
            }
            let month = previous_month(first);
            Some(Due {
                job,
                period: month.format("%Y-%m").to_string(),
                due_at: at(first, s.report_time),
                scope: Scope::Month(month),
            })
        }
        JobKind::WeeklyCleanup => {
            let mut sunday = sunday_on_or_before(today);
            if now < at(sunday, s.cleanup_time) {
                sunday -= Duration::days(7);
            }
            Some(Due {
                job,
                period: sunday.to_string(),
                due_at: at(sunday, s.cleanup_time),
                scope: Scope::Now,
            })
        }
        JobKind::NoShows => {
            let due_at = at(today, s.cleanup_time);
            (s.auto_no_show && now >= due_at).then(|| Due {
                job,
                period: today.to_string(),
                due_at,
                scope: Scope::Now,
            })
        }
        JobKind::Backup => {
            let t = sched.backup_at?;
            let due_at = at(today, t);
            (now >= due_at).then(|| Due {
                job,
                period: today.to_string(),
                due_at,
                scope: Scope::Now,
            })
        }
    }
}

/// When `job` next fires after `now` (`None` when it is switched off).
pub fn next_run(
    job: JobKind,
    sched: &Schedule,
    tz: Tz,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let s = &sched.jobs;
    let today = now.with_timezone(&tz).date_naive();
    let at = |d: NaiveDate, t: NaiveTime| local_instant(tz, d, t);
    let daily = |t: NaiveTime| {
        let today_at = at(today, t);
        if today_at > now {
            today_at
        } else {
            at(today + Duration::days(1), t)
        }
    };
    match job {
        JobKind::RemindersDaily => Some(daily(s.reminder_time)),
        JobKind::RemindersDayBefore => s.day_before_enabled.then(|| daily(s.day_before_time)),
        JobKind::MonthlyReport => {
            let first = first_of_month(today);
            let this = at(first, s.report_time);
            Some(if this > now {
                this
            } else {
                at(next_month(first), s.report_time)
            })
        }
        JobKind::WeeklyCleanup => {
            let sunday = sunday_on_or_before(today);
            let this = at(sunday, s.cleanup_time);
            Some(if this > now {
                this
            } else {
                at(sunday + Duration::days(7), s.cleanup_time)
            })
        }
        JobKind::NoShows => s.auto_no_show.then(|| daily(s.cleanup_time)),
        JobKind::Backup => sched.backup_at.map(daily),
    }
}

/// A "Run now": the period is the current local minute, so two administrators pressing at once run it once.
pub fn manual(job: JobKind, tz: Tz, now: DateTime<Utc>) -> Due {
    let local = now.with_timezone(&tz);
    let today = local.date_naive();
    let scope = match job {
        JobKind::RemindersDaily => Scope::Day(today),
        JobKind::RemindersDayBefore => Scope::Day(today + Duration::days(1)),
        JobKind::MonthlyReport => Scope::Month(previous_month(first_of_month(today))),
        JobKind::WeeklyCleanup | JobKind::NoShows | JobKind::Backup => Scope::Now,
    };
    Due {
        job,
        period: format!("manual {}", local.format("%Y-%m-%dT%H:%M")),
        due_at: now,
        scope,
    }
}

/// What a job needs: a pool with the rights to run it (the owner's, or an administrator's), this PC's name,
/// and where reports go on disk.
#[derive(Clone)]
pub struct JobContext {
    pub pool: PgPool,
    pub host: String,
    pub reports_dir: PathBuf,
    /// Whether the monthly report emails doctors and the summary recipients (off for "Regenerate").
    pub email_reports: bool,
    /// The database as its owner reaches it (and its URL, for a URL target): only a context with it runs the
    /// backup job, since pg_dump needs the owner's rights.
    pub owner: Option<(DbTarget, Option<String>)>,
}

impl JobContext {
    pub fn new(pool: PgPool) -> JobContext {
        JobContext {
            pool,
            host: host_name(),
            reports_dir: crate::paths::reports_dir(),
            email_reports: true,
            owner: None,
        }
    }
}

/// The daily backup through the backups service; the run's counts are its size and what pruning left.
async fn backup(ctx: &JobContext) -> Result<Counts> {
    let (target, url) = ctx
        .owner
        .as_ref()
        .ok_or_else(|| Error::PermissionDenied(crate::msg!(backups_on_server)))?;
    let run = crate::services::backups::run_scheduled(target, url.as_deref()).await?;
    Ok(Counts::from([
        ("bytes".to_string(), run.bytes),
        ("kept".to_string(), run.kept as i64),
        ("pruned".to_string(), run.pruned as i64),
    ]))
}

/// This computer's name, as job runs and outbox claims record it.
pub fn host_name() -> String {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    format!("{name}#{}", std::process::id())
}

pub type Counts = BTreeMap<String, i64>;

/// Beats a running job's heart in the background until dropped, so a long backup is never taken for dead.
struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    fn start(pool: sqlx::PgPool, run_id: i64) -> Heartbeat {
        Heartbeat(tokio::spawn(async move {
            let every = std::time::Duration::from_secs(job_runs::HEARTBEAT_SECONDS);
            loop {
                tokio::time::sleep(every).await;
                let beat = match pool.acquire().await {
                    Ok(mut conn) => job_runs::heartbeat(&mut conn, run_id).await,
                    Err(e) => Err(e.into()),
                };
                if let Err(e) = beat {
                    tracing::warn!(error = ?e, "job heartbeat failed");
                }
            }
        }))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `due` once across every PC: `Ok(None)` when another run already has the period. A run that fails is
/// recorded as failed with its reason (and may be claimed again: every job's writes are idempotent).
#[tracing::instrument(skip(ctx), fields(job = due.job.name(), period = %due.period))]
pub async fn run_once(ctx: &JobContext, due: &Due, trigger: RunTrigger) -> Result<Option<JobRun>> {
    let claimed = {
        let mut conn = ctx.pool.acquire().await?;
        job_runs::claim(&mut conn, due.job.name(), &due.period, &ctx.host, trigger).await?
    };
    let Some(run_id) = claimed else {
        tracing::debug!("already claimed elsewhere");
        return Ok(None);
    };
    tracing::info!(?trigger, "job started");
    let heartbeat = Heartbeat::start(ctx.pool.clone(), run_id);
    let result = match (due.job, due.scope) {
        (JobKind::RemindersDaily, Scope::Day(d)) => {
            reminders::run(ctx, d, reminders::Kind::SameDay).await
        }
        (JobKind::RemindersDayBefore, Scope::Day(d)) => {
            reminders::run(ctx, d, reminders::Kind::DayBefore).await
        }
        (JobKind::MonthlyReport, Scope::Month(m)) => report::run(ctx, m).await,
        (JobKind::WeeklyCleanup, _) => cleanup::run(ctx).await,
        (JobKind::NoShows, _) => cleanup::no_shows(ctx).await,
        (JobKind::Backup, _) => backup(ctx).await,
        _ => Err(Error::internal("job scope does not fit the job")),
    };
    drop(heartbeat);
    let mut conn = ctx.pool.acquire().await?;
    let run = match &result {
        Ok(counts) => job_runs::finish(&mut conn, run_id, true, counts, None).await?,
        Err(e) => {
            tracing::warn!(error = ?e, "job failed");
            let reason = e.to_string();
            job_runs::finish(&mut conn, run_id, false, &Counts::new(), Some(&reason)).await?
        }
    };
    tracing::info!(outcome = run.outcome.as_deref().unwrap_or(""), counts = ?run.counts, "job finished");
    Ok(Some(run))
}

/// The clinic's zone and the schedule, as the scheduler and the screens read them.
pub async fn load_schedule(pool: &PgPool) -> Result<(Tz, Schedule)> {
    let mut conn = pool.acquire().await?;
    let tz = crate::clock::clinic_zone(&mut conn).await?;
    let jobs = crate::db::job_settings::get(&mut conn).await?;
    let backup = crate::db::backups::settings(&mut conn).await?;
    Ok((
        tz,
        Schedule {
            jobs,
            backup_at: backup.enabled.then_some(backup.run_at),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn daily_reminders_are_due_from_local_eight_and_only_for_today() {
        let s = Schedule::default();
        let tz: Tz = "Europe/London".parse().unwrap();
        // 07:59 local (winter, UTC+0): not due yet — yesterday's run is not caught up.
        assert_eq!(
            due(JobKind::RemindersDaily, &s, tz, utc("2026-11-27T07:59:00Z")),
            None
        );
        let d = due(JobKind::RemindersDaily, &s, tz, utc("2026-11-27T15:00:00Z")).unwrap();
        assert_eq!(d.period, "2026-11-27");
        assert_eq!(d.due_at, utc("2026-11-27T08:00:00Z"));
        assert_eq!(
            d.scope,
            Scope::Day(NaiveDate::from_ymd_opt(2026, 11, 27).unwrap())
        );
    }

    #[test]
    fn eight_local_is_right_on_both_sides_of_a_dst_change() {
        let s = Schedule::default();
        let tz: Tz = "America/New_York".parse().unwrap();
        // 2026-03-08 is the spring-forward day in New York: 08:00 EDT = 12:00 UTC (the day before, 13:00 UTC).
        let before = due(JobKind::RemindersDaily, &s, tz, utc("2026-03-07T23:00:00Z")).unwrap();
        assert_eq!(before.due_at, utc("2026-03-07T13:00:00Z"));
        let on = due(JobKind::RemindersDaily, &s, tz, utc("2026-03-08T12:00:00Z")).unwrap();
        assert_eq!(on.due_at, utc("2026-03-08T12:00:00Z"));
        assert_eq!(on.period, "2026-03-08");
        assert_eq!(
            due(JobKind::RemindersDaily, &s, tz, utc("2026-03-08T11:59:00Z")),
            None
        );
        assert_eq!(
            next_run(JobKind::RemindersDaily, &s, tz, utc("2026-03-07T14:00:00Z")),
            Some(utc("2026-03-08T12:00:00Z"))
        );
    }

    #[test]
    fn a_time_inside_the_spring_gap_fires_right_after_it_and_an_ambiguous_one_once() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        // 02:30 does not exist on 29 March in Berlin: the first valid instant is 03:00 CEST = 01:00 UTC.
        assert_eq!(
            local_instant(tz, d, NaiveTime::from_hms_opt(2, 30, 0).unwrap()),
            utc("2026-03-29T01:00:00Z")
        );
        // 02:30 happens twice on 25 October: the first one (CEST, 00:30 UTC).
        let d = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        assert_eq!(
            local_instant(tz, d, NaiveTime::from_hms_opt(2, 30, 0).unwrap()),
            utc("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn the_monthly_report_covers_the_previous_month_and_catches_up() {
        let s = Schedule::default();
        let tz: Tz = "Asia/Kolkata".parse().unwrap();
        // 1 Dec 00:30 IST = 30 Nov 19:00 UTC.
        let d = due(JobKind::MonthlyReport, &s, tz, utc("2026-11-30T19:00:00Z")).unwrap();
        assert_eq!(d.period, "2026-11");
        assert_eq!(
            d.scope,
            Scope::Month(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
        );
        // A PC switched on on the 15th still catches up the same period.
        let late = due(JobKind::MonthlyReport, &s, tz, utc("2026-12-15T09:00:00Z")).unwrap();
        assert_eq!(late.period, "2026-11");
        // Just before the trigger, the current period is still October's report.
        let early = due(JobKind::MonthlyReport, &s, tz, utc("2026-11-30T18:59:00Z")).unwrap();
        assert_eq!(early.period, "2026-10");
        // January's report of the previous year.
        let jan = due(JobKind::MonthlyReport, &s, tz, utc("2027-01-02T00:00:00Z")).unwrap();
        assert_eq!(jan.period, "2026-12");
    }

    #[test]
    fn no_shows_are_marked_daily_at_the_cleanup_time_unless_switched_off() {
        let mut s = Schedule::default();
        let tz: Tz = "Europe/London".parse().unwrap();
        // Friday 27 Nov 2026, 03:00 local (GMT): due today, any weekday
        let d = due(JobKind::NoShows, &s, tz, utc("2026-11-27T03:00:00Z")).unwrap();
        assert_eq!(d.period, "2026-11-27");
        assert_eq!(d.scope, Scope::Now);
        assert_eq!(
            due(JobKind::NoShows, &s, tz, utc("2026-11-27T02:59:00Z")),
            None
        );
        assert_eq!(
            next_run(JobKind::NoShows, &s, tz, utc("2026-11-27T03:00:00Z")),
            Some(utc("2026-11-28T03:00:00Z"))
        );
        s.jobs.auto_no_show = false;
        assert_eq!(
            due(JobKind::NoShows, &s, tz, utc("2026-11-27T10:00:00Z")),
            None
        );
        assert_eq!(
            next_run(JobKind::NoShows, &s, tz, utc("2026-11-27T10:00:00Z")),
            None
        );
        assert_eq!(JobKind::NoShows.schedule(&s), "Off");
    }

    #[test]
    fn cleanup_is_weekly_on_sunday() {
        let s = Schedule::default();
        let tz = chrono_tz::UTC;
        // Friday 27 Nov 2026: the last Sunday 03:00 was 22 Nov.
        let d = due(JobKind::WeeklyCleanup, &s, tz, utc("2026-11-27T10:00:00Z")).unwrap();
        assert_eq!(d.period, "2026-11-22");
        // Sunday 29 Nov at 02:00: still the previous week's run.
        let d = due(JobKind::WeeklyCleanup, &s, tz, utc("2026-11-29T02:00:00Z")).unwrap();
        assert_eq!(d.period, "2026-11-22");
        assert_eq!(
            next_run(JobKind::WeeklyCleanup, &s, tz, utc("2026-11-29T02:00:00Z")),
            Some(utc("2026-11-29T03:00:00Z"))
        );
        assert_eq!(
            NaiveDate::from_ymd_opt(2026, 11, 29).unwrap().weekday(),
            Weekday::Sun
        );
    }

    #[test]
    fn the_day_before_reminder_is_off_by_default_and_covers_tomorrow() {
        let mut s = Schedule::default();
        let tz = chrono_tz::UTC;
        assert_eq!(
            due(
                JobKind::RemindersDayBefore,
                &s,
                tz,
                utc("2026-11-27T19:00:00Z")
            ),
            None
        );
        s.jobs.day_before_enabled = true;
        let d = due(
            JobKind::RemindersDayBefore,
            &s,
            tz,
            utc("2026-11-27T19:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            d.scope,
            Scope::Day(NaiveDate::from_ymd_opt(2026, 11, 28).unwrap())
        );
    }
}

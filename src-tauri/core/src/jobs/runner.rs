//! The scheduler that lives in the app process (and in `clinicctl agent`): tokio-cron-scheduler ticks every
//! minute and every few seconds; each minute tick runs whatever job is due in the clinic's zone (`super::due`)
//! and not yet claimed, which is also how a PC that was off at 08:00 catches up; the short tick drains the
//! outbox. Exactly-once comes from the database claims, not from this process, so any number of PCs may run it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_cron_scheduler::{Job, JobScheduler};

use super::{dispatcher, due, load_schedule, run_once, JobContext, JobKind};
use crate::db::job_runs::{self, JobRun, RunTrigger};
use crate::error::{Error, Result};

/// How often the outbox is drained.
pub const DISPATCH_EVERY: Duration = Duration::from_secs(10);
/// A run that starts later than this after its trigger time is recorded as a catch-up.
const ON_TIME_SLACK_SECONDS: i64 = 120;

/// Runs every job due at `now` that no PC has claimed yet. Returns the runs this call made.
pub async fn run_due(ctx: &JobContext, now: DateTime<Utc>) -> Result<Vec<JobRun>> {
    let (tz, settings) = load_schedule(&ctx.pool).await?;
    let mut runs = Vec::new();
    for job in JobKind::ALL {
        // pg_dump needs the owner's rights: an administrator's session leaves backups to the PC holding them
        if job == JobKind::Backup && ctx.owner.is_none() {
            continue;
        }
        let Some(d) = due(job, &settings, tz, now) else {
            continue;
        };
        let claimed = {
            let mut conn = ctx.pool.acquire().await?;
            job_runs::is_claimed(&mut conn, job.name(), &d.period).await?
        };
        if claimed {
            continue;
        }
        let trigger = if (now - d.due_at).num_seconds() > ON_TIME_SLACK_SECONDS {
            RunTrigger::CatchUp
        } else {
            RunTrigger::Schedule
        };
        if let Some(run) = run_once(ctx, &d, trigger).await? {
            runs.push(run);
        }
    }
    Ok(runs)
}

struct Shared {
    ctx: JobContext,
    /// Periods this process has seen done, so a quiet minute costs no query.
    seen: std::sync::Mutex<HashSet<(JobKind, String)>>,
    ticking: tokio::sync::Mutex<()>,
    dispatching: tokio::sync::Mutex<()>,
}

impl Shared {
    async fn tick(&self) {
        let Ok(_one_at_a_time) = self.ticking.try_lock() else {
            return;
        };
        let now = Utc::now();
        let pending: Vec<JobKind> = match load_schedule(&self.ctx.pool).await {
            Ok((tz, s)) => JobKind::ALL
                .into_iter()
                .filter(|j| *j != JobKind::Backup || self.ctx.owner.is_some())
                .filter(|j| {
                    due(*j, &s, tz, now).is_some_and(|d| {
                        !self
                            .seen
                            .lock()
                            .expect("seen lock")
                            .contains(&(*j, d.period))
                    })
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = ?e, "scheduler cannot read its settings");
                return;
            }
        };
        if pending.is_empty() {
            return;
        }
        match run_due(&self.ctx, now).await {
            Ok(runs) => {
                if !runs.is_empty() {
                    self.dispatch().await;
                }
            }
            Err(e) => tracing::warn!(error = ?e, "scheduler tick failed"),
        }
        // Whatever ran here or elsewhere, these periods are claimed now (a failed run is retried next minute).
        if let Ok((tz, s)) = load_schedule(&self.ctx.pool).await {
            let mut conn = match self.ctx.pool.acquire().await {
                Ok(c) => c,
                Err(_) => return,
            };
            for j in pending {
                if let Some(d) = due(j, &s, tz, now) {
                    if job_runs::is_claimed(&mut conn, j.name(), &d.period)
                        .await
                        .unwrap_or(false)
                    {
                        self.seen.lock().expect("seen lock").insert((j, d.period));
                    }
                }
            }
        }
    }

    async fn dispatch(&self) {
        let Ok(_one_at_a_time) = self.dispatching.try_lock() else {
            return;
        };
        match dispatcher::dispatch(&self.ctx.pool, &self.ctx.host, 50).await {
            Ok(c) if !c.is_empty() => tracing::info!(counts = ?c, "outbox dispatched"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "outbox dispatch failed"),
        }
    }
}

/// A running scheduler. Dropping it without `stop` leaves its tasks running until the runtime ends.
pub struct Runner {
    sched: JobScheduler,
    shared: Arc<Shared>,
}

fn sched_err(e: tokio_cron_scheduler::JobSchedulerError) -> Error {
    Error::internal(format!("scheduler: {e}"))
}

impl Runner {
    /// Starts the ticks and immediately catches up anything missed while no PC was running.
    pub async fn start(ctx: JobContext) -> Result<Runner> {
        let shared = Arc::new(Shared {
            ctx,
            seen: std::sync::Mutex::new(HashSet::new()),
            ticking: tokio::sync::Mutex::new(()),
            dispatching: tokio::sync::Mutex::new(()),
        });
        let sched = JobScheduler::new().await.map_err(sched_err)?;
        let s = shared.clone();
        // Every minute at second 5, in UTC: the clinic's zone is applied by `due`, which is DST-correct.
        let minute = Job::new_async("5 * * * * *", move |_, _| {
            let s = s.clone();
            Box::pin(async move { s.tick().await })
        })
        .map_err(sched_err)?;
        let s = shared.clone();
        let drain = Job::new_repeated_async(DISPATCH_EVERY, move |_, _| {
            let s = s.clone();
            Box::pin(async move { s.dispatch().await })
        })
        .map_err(sched_err)?;
        sched.add(minute).await.map_err(sched_err)?;
        sched.add(drain).await.map_err(sched_err)?;
        sched.start().await.map_err(sched_err)?;
        let s = shared.clone();
        tokio::spawn(async move {
            s.tick().await;
            s.dispatch().await;
        });
        tracing::info!(host = %shared.ctx.host, "job scheduler started");
        Ok(Runner { sched, shared })
    }

    /// Drains the outbox now (the outbox screen's "Send now").
    pub async fn dispatch_now(&self) {
        self.shared.dispatch().await;
    }

    pub fn context(&self) -> &JobContext {
        &self.shared.ctx
    }

    pub async fn stop(mut self) {
        if let Err(e) = self.sched.shutdown().await {
            tracing::warn!(error = %e, "scheduler did not shut down cleanly");
        }
    }
}

/// A job context on the owner's connection, when this computer has one (the embedded cluster, or an explicit
/// owner URL) and the clinic is set up on the current schema. `None` otherwise: then an administrator's session
/// (or `clinicctl agent` on the server) runs the jobs.
pub async fn owner_context(
    target: &crate::target::DbTarget,
    url: Option<&str>,
) -> Result<Option<JobContext>> {
    use crate::db::{self, SchemaState};
    let Some(owner) = target.owner_options() else {
        return Ok(None);
    };
    let pool = db::connect_pool(owner, 4).await?;
    let ready = {
        let mut conn = pool.acquire().await?;
        matches!(
            db::schema_state(&mut conn, &db::MIGRATOR).await?,
            SchemaState::Current
        ) && db::settings::get(&mut conn).await?.is_some()
    };
    if !ready {
        pool.close().await;
        return Ok(None);
    }
    let mut ctx = JobContext::new(pool);
    ctx.owner = Some((target.clone(), url.map(str::to_string)));
    Ok(Some(ctx))
}

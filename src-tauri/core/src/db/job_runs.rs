//! Job runs (`job_runs`): the unique (job, period) row is the claim that makes a job run once across every PC,
//! and afterwards the record of who ran it, when, and how it went.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum RunTrigger {
    Schedule,
    /// The PC started after the trigger time and caught up the period's missed run.
    CatchUp,
    Manual,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    pub period: String,
    pub host: String,
    pub trigger: RunTrigger,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// "ok", "failed", or `None` while running.
    pub outcome: Option<String>,
    pub counts: BTreeMap<String, i64>,
    pub error: Option<String>,
    pub attempts: i32,
}

struct Row {
    id: i64,
    job: String,
    period: String,
    host: String,
    trigger: RunTrigger,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    outcome: Option<String>,
    counts: serde_json::Value,
    error: Option<String>,
    attempts: i32,
}

impl From<Row> for JobRun {
    fn from(r: Row) -> Self {
        JobRun {
            id: r.id,
            job: r.job,
            period: r.period,
            host: r.host,
            trigger: r.trigger,
            started_at: r.started_at,
            finished_at: r.finished_at,
            outcome: r.outcome,
            counts: serde_json::from_value(r.counts).unwrap_or_default(),
            error: r.error,
            attempts: r.attempts,
        }
    }
}

/// A running job's heartbeat interval.
pub const HEARTBEAT_SECONDS: u64 = 30;
/// A run whose heartbeat stopped this long ago belongs to a PC that died; its period may be claimed again.
pub const STALE_AFTER_MINUTES: i32 = 3;

/// Claims (job, period) for `host`. `None` when another run has it (running, or finished ok). A failed run, or
/// one abandoned by a crashed PC, is taken over: its work is idempotent (the outbox dedupes messages).
pub async fn claim(
    db: &mut PgConnection,
    job: &str,
    period: &str,
    host: &str,
    trigger: RunTrigger,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO job_runs (job, period, host, trigger) VALUES ($1, $2, $3, $4)
         ON CONFLICT (job, period) DO UPDATE
            SET host = EXCLUDED.host, trigger = EXCLUDED.trigger, started_at = now(), heartbeat_at = now(),
                finished_at = NULL, outcome = NULL, error = NULL, attempts = job_runs.attempts + 1
          WHERE job_runs.outcome = 'failed'
             OR (job_runs.finished_at IS NULL AND job_runs.heartbeat_at < now() - make_interval(mins => $5))
         RETURNING id",
        job,
        period,
        host,
        trigger as RunTrigger,
        STALE_AFTER_MINUTES
    )
    .fetch_optional(db)
    .await?)
}

/// Tells the other PCs this run is still working (see `STALE_AFTER_MINUTES`).
pub async fn heartbeat(db: &mut PgConnection, run_id: i64) -> Result<()> {
    sqlx::query!(
        "UPDATE job_runs SET heartbeat_at = now() WHERE id = $1 AND finished_at IS NULL",
        run_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether the period already has a run that counts (running or done ok).
pub async fn is_claimed(db: &mut PgConnection, job: &str, period: &str) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM job_runs WHERE job = $1 AND period = $2
                           AND (outcome = 'ok' OR (finished_at IS NULL
                                AND heartbeat_at >= now() - make_interval(mins => $3)))) AS "e!""#,
        job,
        period,
        STALE_AFTER_MINUTES
    )
    .fetch_one(db)
    .await?)
}

pub async fn finish(
    db: &mut PgConnection,
    id: i64,
    ok: bool,
    counts: &BTreeMap<String, i64>,
    error: Option<&str>,
) -> Result<JobRun> {
    let counts = serde_json::to_value(counts).unwrap_or_default();
    Ok(sqlx::query_as!(
        Row,
        r#"UPDATE job_runs SET finished_at = now(), outcome = CASE WHEN $2 THEN 'ok' ELSE 'failed' END,
                  counts = $3, error = $4
            WHERE id = $1
        RETURNING id, job, period, host, trigger AS "trigger: RunTrigger", started_at, finished_at, outcome, counts,
                  error, attempts"#,
        id,
        ok,
        counts,
        error
    )
    .fetch_one(db)
    .await?
    .into())
}

/// The newest runs, of one job or of all.
pub async fn recent(db: &mut PgConnection, job: Option<&str>, limit: i64) -> Result<Vec<JobRun>> {
    Ok(sqlx::query_as!(
        Row,
        r#"SELECT id, job, period, host, trigger AS "trigger: RunTrigger", started_at, finished_at, outcome, counts,
                  error, attempts
             FROM job_runs WHERE $1::text IS NULL OR job = $1
            ORDER BY started_at DESC, id DESC LIMIT $2"#,
        job,
        limit
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(JobRun::from)
    .collect())
}

/// The latest run of each job.
pub async fn latest_per_job(db: &mut PgConnection) -> Result<Vec<JobRun>> {
    Ok(sqlx::query_as!(
        Row,
        r#"SELECT DISTINCT ON (job) id, job, period, host, trigger AS "trigger: RunTrigger", started_at, finished_at,
                  outcome, counts, error, attempts
             FROM job_runs ORDER BY job, started_at DESC, id DESC"#
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(JobRun::from)
    .collect())
}

//! Job runs (`job_runs`, written by the scheduler): read here for the diagnostics screen — the latest run of
//! each job and the last successful backup.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct JobRun {
    pub job: String,
    pub period: String,
    pub host: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// "ok", "failed", or None while running.
    pub outcome: Option<String>,
    pub error: Option<String>,
}

/// The latest run of every job that has run.
pub async fn latest_per_job(db: &mut PgConnection) -> Result<Vec<JobRun>> {
    Ok(sqlx::query_as!(
        JobRun,
        r#"SELECT DISTINCT ON (job) job, period, host, started_at, finished_at, outcome, error
             FROM job_runs ORDER BY job, started_at DESC"#
    )
    .fetch_all(db)
    .await?)
}

/// The latest backup that finished well.
pub async fn last_backup(db: &mut PgConnection) -> Result<Option<JobRun>> {
    Ok(sqlx::query_as!(
        JobRun,
        r#"SELECT job, period, host, started_at, finished_at, outcome, error
             FROM job_runs WHERE job = 'backup' AND outcome = 'ok' AND finished_at IS NOT NULL
            ORDER BY finished_at DESC LIMIT 1"#
    )
    .fetch_optional(db)
    .await?)
}

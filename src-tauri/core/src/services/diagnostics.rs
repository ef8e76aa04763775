//! The admin's diagnostics screen: caches (hits, misses, listener), slow statements, the database (version,
//! size, connections), where files live, the app's version, the scheduler's latest runs and the last backup.

use serde::Serialize;

use crate::cache::{CacheStats, ListenerStats};
use crate::context::Desk;
use crate::db::{self, backups::BackupRecord, job_runs::JobRun};
use crate::diagnostics::{self as diag, SlowQuery};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DatabaseInfo {
    pub server_version: String,
    pub database: String,
    pub size_bytes: i64,
    pub size: String,
    /// Sessions connected to this database now (every PC's), and the server's limit.
    pub connections: i64,
    pub max_connections: i64,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Diagnostics {
    pub app_version: String,
    pub data_dir: String,
    pub log_dir: String,
    pub database: DatabaseInfo,
    pub caches: Vec<CacheStats>,
    pub listener: ListenerStats,
    pub slow_threshold_ms: i64,
    /// Newest first, from this process since it started.
    pub slow_queries: Vec<SlowQuery>,
    /// The latest run of each scheduled job.
    pub jobs: Vec<JobRun>,
    /// The latest successful backup (scheduled, manual or from `clinicctl backup create`).
    pub last_backup: Option<BackupRecord>,
}

pub async fn database_info(conn: &mut sqlx::PgConnection) -> Result<DatabaseInfo> {
    let r = sqlx::query!(
        r#"SELECT current_setting('server_version') AS "version!", current_database() AS "db!",
                  pg_database_size(current_database()) AS "size!",
                  pg_size_pretty(pg_database_size(current_database())) AS "pretty!",
                  (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()) AS "conns!",
                  current_setting('max_connections')::bigint AS "max!""#
    )
    .fetch_one(conn)
    .await?;
    Ok(DatabaseInfo {
        server_version: r.version,
        database: r.db,
        size_bytes: r.size,
        size: r.pretty,
        connections: r.conns,
        max_connections: r.max,
    })
}

#[tracing::instrument(skip(desk))]
pub async fn collect(desk: &Desk, app_version: &str) -> Result<Diagnostics> {
    let mut conn = desk.acquire().await?;
    if !db::staff::session_is_member_of(&mut *conn, "clinicdesk_admin").await? {
        return Err(Error::PermissionDenied(crate::msg!(diagnostics_admin_only)));
    }
    let database = database_info(&mut conn).await?;
    let jobs = db::job_runs::latest_per_job(&mut conn).await?;
    let last_backup = db::backups::last_ok(&mut conn).await?;
    let (caches, listener) = desk.caches().stats().await;
    Ok(Diagnostics {
        app_version: app_version.to_string(),
        data_dir: crate::paths::data_dir().display().to_string(),
        log_dir: crate::paths::log_dir().display().to_string(),
        database,
        caches,
        listener,
        slow_threshold_ms: diag::slow_threshold().as_millis() as i64,
        slow_queries: diag::slow_queries(),
        jobs,
        last_backup,
    })
}

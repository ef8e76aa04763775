//! Backups' tables: the one-row schedule (`backup_settings`), the record of each backup taken (`backups`) and
//! the login roles a restore recreates (`backup_role_snapshot`, owner-only).

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BackupSettings {
    pub enabled: bool,
    /// Local time of day (clinic time zone) of the daily backup.
    pub run_at: NaiveTime,
    /// The folder; `None` = `<data dir>/backups` on the computer that runs the backup.
    pub folder: Option<String>,
    /// How many backups to keep in the folder (older ones are deleted after a successful backup).
    pub keep: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BackupRecord {
    pub id: i64,
    pub path: String,
    pub bytes: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub host: String,
    pub trigger: String,
    pub outcome: String,
    pub error: Option<String>,
}

pub async fn settings(db: &mut PgConnection) -> Result<BackupSettings> {
    Ok(sqlx::query_as!(
        BackupSettings,
        "SELECT enabled, run_at, folder, keep FROM backup_settings"
    )
    .fetch_one(db)
    .await?)
}

pub async fn update_settings(db: &mut PgConnection, s: &BackupSettings) -> Result<BackupSettings> {
    Ok(sqlx::query_as!(
        BackupSettings,
        "UPDATE backup_settings SET enabled = $1, run_at = $2, folder = $3, keep = $4
         RETURNING enabled, run_at, folder, keep",
        s.enabled,
        s.run_at,
        s.folder,
        s.keep
    )
    .fetch_one(db)
    .await?)
}

/// Records a backup that is starting; returns its id.
pub async fn start(db: &mut PgConnection, path: &str, host: &str, trigger: &str) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO backups (path, host, trigger) VALUES ($1, $2, $3) RETURNING id",
        path,
        host,
        trigger
    )
    .fetch_one(db)
    .await?)
}

pub async fn finish(db: &mut PgConnection, id: i64, bytes: i64, error: Option<&str>) -> Result<()> {
    sqlx::query!(
        "UPDATE backups SET bytes = $2, finished_at = now(),
                outcome = CASE WHEN $3::text IS NULL THEN 'ok' ELSE 'failed' END, error = $3
          WHERE id = $1",
        id,
        bytes,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The latest successful backup.
pub async fn last_ok(db: &mut PgConnection) -> Result<Option<BackupRecord>> {
    Ok(sqlx::query_as!(
        BackupRecord,
        "SELECT id, path, bytes, started_at, finished_at, host, trigger, outcome, error
           FROM backups WHERE outcome = 'ok' ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT 1"
    )
    .fetch_optional(db)
    .await?)
}

pub async fn recent(db: &mut PgConnection, limit: i64) -> Result<Vec<BackupRecord>> {
    Ok(sqlx::query_as!(
        BackupRecord,
        "SELECT id, path, bytes, started_at, finished_at, host, trigger, outcome, error
           FROM backups ORDER BY started_at DESC, id DESC LIMIT $1",
        limit
    )
    .fetch_all(db)
    .await?)
}

/// Copies the staff's login roles into `backup_role_snapshot` (inside the database, so the dump carries them).
/// Verifiers are read from `pg_authid` when the owner is a superuser; otherwise the roles are kept without them
/// and the administrator resets passwords after a restore.
pub async fn snapshot_roles(db: &mut PgConnection) -> Result<()> {
    sqlx::query!("DELETE FROM backup_role_snapshot")
        .execute(&mut *db)
        .await?;
    let superuser = sqlx::query_scalar!(
        r#"SELECT rolsuper AS "s!" FROM pg_roles WHERE rolname = current_user"#
    )
    .fetch_one(&mut *db)
    .await?;
    if superuser {
        sqlx::query!(
            "INSERT INTO backup_role_snapshot (rolname, can_login, verifier, groups)
             SELECT a.rolname, a.rolcanlogin, a.rolpassword,
                    coalesce((SELECT array_agg(g.rolname ORDER BY g.rolname)
                                FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                               WHERE m.member = a.oid AND g.rolname LIKE 'clinicdesk\\_%'), '{}')
               FROM pg_authid a JOIN staff s ON s.username = a.rolname"
        )
        .execute(&mut *db)
        .await?;
    } else {
        sqlx::query!(
            "INSERT INTO backup_role_snapshot (rolname, can_login, verifier, groups)
             SELECT r.rolname, r.rolcanlogin, NULL,
                    coalesce((SELECT array_agg(g.rolname ORDER BY g.rolname)
                                FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                               WHERE m.member = r.oid AND g.rolname LIKE 'clinicdesk\\_%'), '{}')
               FROM pg_roles r JOIN staff s ON s.username = r.rolname"
        )
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// One login role to recreate after a restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRole {
    pub rolname: String,
    pub can_login: bool,
    pub verifier: Option<String>,
    pub groups: Vec<String>,
}

/// Creates a login role that does not exist yet (names and verifiers are bound, then quoted by `format`).
pub async fn recreate_role(db: &mut PgConnection, r: &SnapshotRole) -> Result<bool> {
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS "e!""#,
        r.rolname
    )
    .fetch_one(&mut *db)
    .await?;
    if !exists {
        let sql = sqlx::query_scalar!(
            r#"SELECT format('CREATE ROLE %I %s INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION %s',
                      $1::text, CASE WHEN $2 THEN 'LOGIN' ELSE 'NOLOGIN' END,
                      CASE WHEN $3::text IS NULL THEN '' ELSE format('PASSWORD %L', $3::text) END) AS "sql!""#,
            r.rolname,
            r.can_login,
            r.verifier
        )
        .fetch_one(&mut *db)
        .await?;
        sqlx::raw_sql(&sql).execute(&mut *db).await?;
    }
    for g in &r.groups {
        let sql = sqlx::query_scalar!(
            r#"SELECT format('GRANT %I TO %I', $1::text, $2::text) AS "sql!""#,
            g,
            r.rolname
        )
        .fetch_one(&mut *db)
        .await?;
        sqlx::raw_sql(&sql).execute(&mut *db).await?;
    }
    Ok(!exists)
}

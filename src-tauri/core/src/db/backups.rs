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

/// Copies the staff's login roles into `backup_role_snapshot` (inside the database, so the dump carries them):
/// the role's login flag, its ClinicDesk group (only the three staff groups) and, when the owner is a superuser,
/// its SCRAM verifier from `pg_authid`; otherwise no verifier, and an administrator resets passwords after a
/// restore into another cluster.
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
                               WHERE m.member = a.oid
                                 AND g.rolname IN ('clinicdesk_admin', 'clinicdesk_doctor', 'clinicdesk_reception')), '{}')
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
                               WHERE m.member = r.oid
                                 AND g.rolname IN ('clinicdesk_admin', 'clinicdesk_doctor', 'clinicdesk_reception')), '{}')
               FROM pg_roles r JOIN staff s ON s.username = r.rolname"
        )
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// One login role as a backup recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRole {
    pub rolname: String,
    pub can_login: bool,
    pub verifier: Option<String>,
    pub groups: Vec<String>,
}

/// The roles a restored database's `backup_role_snapshot` lists (read in the restored copy, before it is used).
pub async fn read_snapshot(db: &mut PgConnection) -> Result<Vec<SnapshotRole>> {
    Ok(sqlx::query_as!(
        SnapshotRole,
        "SELECT rolname, can_login, verifier, groups FROM backup_role_snapshot ORDER BY rolname"
    )
    .fetch_all(db)
    .await?)
}

/// What the cluster already has under a name a backup lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingRole {
    /// Superuser, CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS.
    pub privileged: bool,
    /// The role this connection runs as (the schema owner).
    pub is_current_user: bool,
    /// A member of one of the three staff groups.
    pub in_staff_group: bool,
    /// A member of any role outside the three staff groups.
    pub in_other_roles: bool,
}

impl ExistingRole {
    /// A plain ClinicDesk staff account: the only kind of existing role a restore may leave in place for a name
    /// its backup lists.
    pub fn is_staff(&self) -> bool {
        !self.privileged && !self.is_current_user && self.in_staff_group && !self.in_other_roles
    }
}

pub async fn existing_role(db: &mut PgConnection, name: &str) -> Result<Option<ExistingRole>> {
    let row = sqlx::query!(
        r#"SELECT r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls AS "privileged!",
                  r.rolname = current_user AS "is_current_user!",
                  EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                           WHERE m.member = r.oid
                             AND g.rolname IN ('clinicdesk_admin', 'clinicdesk_doctor', 'clinicdesk_reception')) AS "in_staff_group!",
                  EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                           WHERE m.member = r.oid
                             AND g.rolname NOT IN ('clinicdesk_admin', 'clinicdesk_doctor', 'clinicdesk_reception')) AS "in_other_roles!"
             FROM pg_roles r WHERE r.rolname = $1"#,
        name
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| ExistingRole {
        privileged: r.privileged,
        is_current_user: r.is_current_user,
        in_staff_group: r.in_staff_group,
        in_other_roles: r.in_other_roles,
    }))
}

/// Creates a staff login role the cluster does not have, with its groups (names and verifiers are bound, then
/// quoted by `format`). The caller has checked the name, the groups and that no role of that name exists.
pub async fn create_role(db: &mut PgConnection, r: &SnapshotRole) -> Result<()> {
    let sql = sqlx::query_scalar!(
        r#"SELECT format('CREATE ROLE %I %s INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS %s',
                  $1::text, CASE WHEN $2 THEN 'LOGIN' ELSE 'NOLOGIN' END,
                  CASE WHEN $3::text IS NULL THEN '' ELSE format('PASSWORD %L', $3::text) END) AS "sql!""#,
        r.rolname,
        r.can_login,
        r.verifier
    )
    .fetch_one(&mut *db)
    .await?;
    sqlx::raw_sql(&sql).execute(&mut *db).await?;
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
    Ok(())
}

/// What the connected role may do to swap databases and recreate roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerRights {
    pub superuser: bool,
    pub create_db: bool,
    pub create_role: bool,
    /// Owns the database being restored (or is a superuser): needed to rename it.
    pub owns_database: bool,
    /// All four ClinicDesk group roles exist.
    pub groups_exist: bool,
}

pub async fn owner_rights(db: &mut PgConnection, database: &str) -> Result<OwnerRights> {
    let r = sqlx::query!(
        r#"SELECT r.rolsuper AS "superuser!", r.rolcreatedb AS "create_db!", r.rolcreaterole AS "create_role!",
                  (r.rolsuper OR EXISTS (SELECT 1 FROM pg_database d WHERE d.datname = $1 AND d.datdba = r.oid)) AS "owns!",
                  (SELECT count(*) FROM pg_roles g
                    WHERE g.rolname IN ('clinicdesk_staff', 'clinicdesk_admin', 'clinicdesk_doctor', 'clinicdesk_reception')) = 4 AS "groups!"
             FROM pg_roles r WHERE r.rolname = current_user"#,
        database
    )
    .fetch_one(db)
    .await?;
    Ok(OwnerRights {
        superuser: r.superuser,
        create_db: r.create_db || r.superuser,
        create_role: r.create_role || r.superuser,
        owns_database: r.owns,
        groups_exist: r.groups,
    })
}

/// `CREATE DATABASE <name>` from template0 with the encoding and locale of `like`, owned by `owner`.
pub async fn create_database_sql(
    db: &mut PgConnection,
    name: &str,
    like: &str,
    owner: &str,
) -> Result<String> {
    Ok(sqlx::query_scalar!(
        r#"SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L LC_COLLATE %L LC_CTYPE %L',
                         $1::text, $3::text, pg_encoding_to_char(encoding), datcollate, datctype) AS "sql!"
             FROM pg_database WHERE datname = $2"#,
        name,
        like,
        owner
    )
    .fetch_one(db)
    .await?)
}

/// A login role with no privileges at all, for one restore: the dump's SQL runs as it, never as the owner.
pub async fn create_restorer(db: &mut PgConnection, name: &str, verifier: &str) -> Result<()> {
    let sql = sqlx::query_scalar!(
        r#"SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
                         $1::text, $2::text) AS "sql!""#,
        name,
        verifier
    )
    .fetch_one(&mut *db)
    .await?;
    sqlx::raw_sql(&sql).execute(db).await?;
    Ok(())
}

/// Makes the connected role a member of `role` (a non-superuser owner needs that to hand a database to the
/// restorer, take it back and drop it; the restorer gains nothing from it).
pub async fn grant_to_current_user(db: &mut PgConnection, role: &str) -> Result<()> {
    let sql = sqlx::query_scalar!(
        r#"SELECT format('GRANT %I TO CURRENT_USER', $1::text) AS "sql!""#,
        role
    )
    .fetch_one(&mut *db)
    .await?;
    sqlx::raw_sql(&sql).execute(db).await?;
    Ok(())
}

/// In the connected (restored) database: everything the restorer made becomes the owner's, and the restorer
/// keeps no rights there.
pub async fn hand_over(db: &mut PgConnection, restorer: &str) -> Result<()> {
    let sql = sqlx::query_scalar!(
        r#"SELECT format('REASSIGN OWNED BY %I TO CURRENT_USER; DROP OWNED BY %I', $1::text, $1::text) AS "sql!""#,
        restorer
    )
    .fetch_one(&mut *db)
    .await?;
    sqlx::raw_sql(&sql).execute(db).await?;
    Ok(())
}

pub async fn drop_role(db: &mut PgConnection, name: &str) -> Result<()> {
    let sql = sqlx::query_scalar!(
        r#"SELECT format('DROP ROLE IF EXISTS %I', $1::text) AS "sql!""#,
        name
    )
    .fetch_one(&mut *db)
    .await?;
    sqlx::raw_sql(&sql).execute(db).await?;
    Ok(())
}

pub async fn drop_database(db: &mut PgConnection, name: &str) -> Result<()> {
    let sql = sqlx::query_scalar!(
        r#"SELECT format('DROP DATABASE IF EXISTS %I', $1::text) AS "sql!""#,
        name
    )
    .fetch_one(&mut *db)
    .await?;
    sqlx::raw_sql(&sql).execute(db).await?;
    Ok(())
}

pub async fn rename_database(
    db: &mut PgConnection,
    from: &str,
    to: &str,
) -> Result<(), sqlx::Error> {
    let sql = sqlx::query_scalar!(
        r#"SELECT format('ALTER DATABASE %I RENAME TO %I', $1::text, $2::text) AS "sql!""#,
        from,
        to
    )
    .fetch_one(&mut *db)
    .await?;
    sqlx::raw_sql(&sql).execute(db).await?;
    Ok(())
}

/// Takes every right on `name` from PUBLIC and the staff (the database a restore set aside).
pub async fn close_database(db: &mut PgConnection, name: &str) -> Result<(), sqlx::Error> {
    let sql = sqlx::query_scalar!(
        r#"SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC, clinicdesk_staff', $1::text) AS "sql!""#,
        name
    )
    .fetch_one(&mut *db)
    .await?;
    sqlx::raw_sql(&sql).execute(db).await?;
    Ok(())
}

/// Databases whose names start with `prefix` and that nobody is connected to (left by an interrupted restore).
pub async fn idle_databases_named(db: &mut PgConnection, prefix: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT d.datname::text AS "name!" FROM pg_database d
            WHERE starts_with(d.datname, $1)
              AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)"#,
        prefix
    )
    .fetch_all(db)
    .await?)
}

/// Roles whose names start with `prefix`.
pub async fn roles_named(db: &mut PgConnection, prefix: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT rolname::text AS "name!" FROM pg_roles WHERE starts_with(rolname, $1)"#,
        prefix
    )
    .fetch_all(db)
    .await?)
}

/// Sessions connected to `name` other than this one.
pub async fn other_sessions(db: &mut PgConnection, name: &str) -> Result<Vec<i32>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT pid AS "pid!" FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()"#,
        name
    )
    .fetch_all(db)
    .await?)
}

/// Ends one session; false when it is gone or this role may not end it.
pub async fn terminate(db: &mut PgConnection, pid: i32) -> bool {
    sqlx::query_scalar!(r#"SELECT pg_terminate_backend($1) AS "t!""#, pid)
        .fetch_one(db)
        .await
        .unwrap_or(false)
}

/// Database-level rights of the connected database: staff may connect and nothing more, PUBLIC has nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseGrants {
    pub staff_connect: bool,
    pub staff_temporary: bool,
    pub public_anything: bool,
}

pub async fn database_grants(db: &mut PgConnection) -> Result<DatabaseGrants> {
    let r = sqlx::query!(
        r#"SELECT has_database_privilege('clinicdesk_staff', current_database(), 'CONNECT') AS "connect!",
                  has_database_privilege('clinicdesk_staff', current_database(), 'TEMPORARY') AS "temporary!",
                  EXISTS (SELECT 1 FROM pg_database d, aclexplode(d.datacl) a
                           WHERE d.datname = current_database() AND a.grantee = 0) AS "public!""#
    )
    .fetch_one(db)
    .await?;
    Ok(DatabaseGrants {
        staff_connect: r.connect,
        staff_temporary: r.temporary,
        public_anything: r.public,
    })
}

/// The schema migrations a restored database records (version, checksum), successful ones only.
pub async fn applied_migrations(db: &mut PgConnection) -> Result<Vec<(i64, Vec<u8>)>> {
    Ok(sqlx::query!(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version"
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.version, r.checksum))
    .collect())
}

//! Backup, restore and verify of a ClinicDesk database with PostgreSQL's own tools: `pg_dump` custom format
//! taken in one exported snapshot (with the exact row counts of that snapshot in a manifest beside it), written
//! to a temporary file and renamed into place (never a partial backup under a backup's name); `pg_restore` into
//! a fresh or emptied database, recreating the staff's login roles the dump cannot carry; and verification by a
//! restore into a throwaway cluster whose row counts must match the manifest.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tokio::process::Command;

use crate::db::{self, backups::SnapshotRole};
use crate::embedded::{Durability, EmbeddedCluster};
use crate::error::{Error, Result};
use crate::target::DbTarget;

/// Names of backups ClinicDesk makes and prunes: `clinicdesk-YYYYMMDD-HHMMSS-mmm.dump`.
pub const FILE_PREFIX: &str = "clinicdesk-";
pub const FILE_SUFFIX: &str = ".dump";
const MANIFEST_FORMAT: &str = "clinicdesk-backup/1";

/// A database to back up or restore into, as the schema owner: a libpq URL for the PostgreSQL tools, the same
/// for sqlx, and where the tools live.
#[derive(Debug, Clone)]
pub struct Source {
    pub url: String,
    pub options: PgConnectOptions,
    pub bindir: Option<PathBuf>,
}

impl Source {
    /// The owner's connection to `target`. A URL target needs its URL (sqlx cannot give a password back).
    pub fn from_target(target: &DbTarget, url: Option<&str>) -> Result<Source> {
        match target {
            DbTarget::Embedded { cluster, database } => Ok(Source {
                url: cluster.owner_url(database),
                options: cluster.owner_options(database),
                bindir: Some(cluster.bindir().to_path_buf()),
            }),
            DbTarget::Url(o) => Ok(Source {
                url: url
                    .ok_or_else(|| Error::internal("a URL target needs its URL for pg_dump"))?
                    .to_string(),
                options: o.clone(),
                bindir: crate::embedded::find_bindir().ok(),
            }),
            // not `Unavailable`: nothing is unreachable, this computer just is not where the backup runs
            DbTarget::Server(_) => Err(Error::PermissionDenied(
                "This computer uses the clinic server: back it up on the server with \
                 `clinicctl --database-url <owner URL> backup create` (see docs/operations.md)."
                    .into(),
            )),
        }
    }

    fn tool(&self, name: &str) -> PathBuf {
        match &self.bindir {
            Some(d) if d.join(name).is_file() => d.join(name),
            _ => PathBuf::from(name),
        }
    }
}

/// Written beside each backup as `<file>.json`: what a verify or restore checks the dump against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub app_version: String,
    pub bytes: u64,
    pub sha256: String,
    /// Exact row counts of every table in the dump's snapshot.
    pub row_counts: BTreeMap<String, i64>,
}

#[derive(Debug, Clone)]
pub struct BackupFile {
    pub path: PathBuf,
    pub bytes: u64,
    pub manifest: Manifest,
}

/// What a restore or a verify found.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RestoreReport {
    pub tables: usize,
    pub rows: i64,
    pub roles_created: usize,
    /// Whether a manifest was found and every count matched it.
    pub matched_manifest: bool,
}

pub fn manifest_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".json");
    PathBuf::from(s)
}

/// `clinicdesk-YYYYMMDD-HHMMSS-mmm.dump` for now (UTC, so names sort in time order across DST changes).
pub fn file_name_for(now: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{FILE_PREFIX}{}{FILE_SUFFIX}",
        now.format("%Y%m%d-%H%M%S-%3f")
    )
}

pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// Exact row counts of every table in `public`, in the connection's current snapshot.
pub async fn table_counts(conn: &mut PgConnection) -> Result<BTreeMap<String, i64>> {
    let tables: Vec<String> = sqlx::query_scalar!(
        r#"SELECT c.relname AS "name!" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = BTreeMap::new();
    for t in tables {
        // table names come from the catalog, quoted as identifiers
        let sql = format!("SELECT count(*) FROM public.\"{}\"", t.replace('"', "\"\""));
        let n: i64 = sqlx::query_scalar(&sql).fetch_one(&mut *conn).await?;
        counts.insert(t, n);
    }
    Ok(counts)
}

/// Takes a backup of `source` into `out`: roles snapshotted, one exported snapshot for `pg_dump` and the row
/// counts, a temp file renamed into place with its manifest. Nothing is left at `out` when it fails.
#[tracing::instrument(skip(source), fields(out = %out.display()))]
pub async fn create(source: &Source, out: &Path) -> Result<BackupFile> {
    let dir = writable_dir(out)?;
    let name = out
        .file_name()
        .ok_or_else(|| Error::validation("path", "Choose a file name for the backup."))?
        .to_string_lossy()
        .into_owned();
    let tmp = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let result = create_into(source, &tmp).await;
    let (bytes, sha256, row_counts) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let manifest = Manifest {
        format: MANIFEST_FORMAT.into(),
        created_at: chrono::Utc::now(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        bytes,
        sha256,
        row_counts,
    };
    let mtmp = dir.join(format!(".{name}.json.partial-{}", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&mtmp)?;
        f.write_all(&serde_json::to_vec_pretty(&manifest).expect("manifest serialises"))?;
        f.sync_all()?;
        std::fs::rename(&mtmp, manifest_path(out))?;
        std::fs::rename(&tmp, out)?;
        std::fs::File::open(&dir)?.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(&mtmp);
        return Err(io_error(&e, &dir));
    }
    tracing::info!(bytes, "backup written");
    Ok(BackupFile {
        path: out.to_path_buf(),
        bytes,
        manifest,
    })
}

async fn create_into(source: &Source, tmp: &Path) -> Result<(u64, String, BTreeMap<String, i64>)> {
    let mut conn = db::connect_one(&source.options).await?;
    db::backups::snapshot_roles(&mut conn).await?;
    // One snapshot for the counts and the dump: what the manifest says is exactly what the file holds.
    let mut tx = conn.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let snapshot = sqlx::query_scalar!(r#"SELECT pg_export_snapshot() AS "s!""#)
        .fetch_one(&mut *tx)
        .await?;
    let counts = table_counts(&mut tx).await?;
    crate::crash::point("backup_dump");
    let tmp_s = tmp.to_string_lossy().into_owned();
    let (code, out) = run_tool(
        &source.tool("pg_dump"),
        &[
            "--format=custom",
            "--no-password",
            &format!("--snapshot={snapshot}"),
            "--file",
            &tmp_s,
            "--dbname",
            &source.url,
        ],
    )
    .await?;
    tx.commit().await?;
    if code != 0 {
        tracing::error!(output = %out, "pg_dump failed");
        if out.contains("No space left") {
            return Err(Error::Unavailable(
                "The disk is full: the backup was not saved.".into(),
            ));
        }
        return Err(Error::Unavailable(
            "The backup failed (pg_dump reported an error; the details are in the log).".into(),
        ));
    }
    let f = std::fs::File::open(tmp)?;
    f.sync_all()?;
    let (bytes, sha) = sha256_file(tmp)?;
    Ok((bytes, sha, counts))
}

/// Checks a file is a readable ClinicDesk backup (its table of contents, and its checksum when a manifest exists).
pub async fn check_file(bindir: Option<&Path>, file: &Path) -> Result<Option<Manifest>> {
    if !file.is_file() {
        return Err(Error::validation(
            "file",
            format!("{} does not exist.", file.display()),
        ));
    }
    let manifest = read_manifest(file)?;
    if let Some(m) = &manifest {
        let (bytes, sha) = sha256_file(file)?;
        if bytes != m.bytes || sha != m.sha256 {
            return Err(Error::validation(
                "file",
                format!(
                    "{} is damaged: its contents differ from when it was made (checksum mismatch).",
                    file.display()
                ),
            ));
        }
    }
    let src = Source {
        url: String::new(),
        options: PgConnectOptions::new(),
        bindir: bindir.map(Path::to_path_buf),
    };
    let (code, list) = run_tool(
        &src.tool("pg_restore"),
        &["--list", &file.to_string_lossy()],
    )
    .await?;
    if code != 0 || !list.contains("TABLE public _sqlx_migrations") {
        tracing::warn!(output = %list.lines().take(5).collect::<Vec<_>>().join(" | "), "not a backup");
        return Err(Error::validation(
            "file",
            format!(
                "{} is not a ClinicDesk backup, or it is damaged.",
                file.display()
            ),
        ));
    }
    Ok(manifest)
}

fn read_manifest(file: &Path) -> Result<Option<Manifest>> {
    let p = manifest_path(file);
    if !p.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&p)?;
    match serde_json::from_str::<Manifest>(&text) {
        Ok(m) if m.format == MANIFEST_FORMAT => Ok(Some(m)),
        _ => Err(Error::validation(
            "file",
            format!("{} is not a ClinicDesk backup manifest.", p.display()),
        )),
    }
}

/// Does the database hold anything in `public` (a schema, data)?
pub async fn has_data(conn: &mut PgConnection) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'S')) AS "e!""#
    )
    .fetch_one(conn)
    .await?)
}

/// Restores `file` into `target`. A database that already holds data is replaced only with `replace`
/// (the CLI asks first); otherwise the answer is a Conflict that says so.
#[tracing::instrument(skip(target), fields(file = %file.display()))]
pub async fn restore(target: &Source, file: &Path, replace: bool) -> Result<RestoreReport> {
    let manifest = check_file(target.bindir.as_deref(), file).await?;
    let mut conn = db::connect_one(&target.options).await?;
    if has_data(&mut conn).await? {
        if !replace {
            return Err(Error::Conflict(
                "The target database already holds data. Restoring replaces all of it: confirm to go on."
                    .into(),
            ));
        }
        tracing::warn!("replacing the target database's contents");
        sqlx::raw_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            .execute(&mut conn)
            .await?;
    }
    // Cluster-wide roles first: the dump's GRANTs name them.
    sqlx::raw_sql(GROUP_ROLES_SQL).execute(&mut conn).await?;
    let roles = snapshot_roles_in(target, file).await?;
    let mut roles_created = 0;
    for r in &roles {
        if db::backups::recreate_role(&mut conn, r).await? {
            roles_created += 1;
        }
    }
    crate::crash::point("restore");
    let (code, out) = run_tool(
        &target.tool("pg_restore"),
        &[
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            "--dbname",
            &target.url,
            &file.to_string_lossy(),
        ],
    )
    .await?;
    if code != 0 {
        tracing::error!(output = %out, "pg_restore failed");
        return Err(Error::Unavailable(
            "The restore failed and nothing was restored (pg_restore reported an error; the details are in the log)."
                .into(),
        ));
    }
    // Database-level grants live outside the dump.
    sqlx::raw_sql(DATABASE_GRANTS_SQL)
        .execute(&mut conn)
        .await?;
    let counts = table_counts(&mut conn).await?;
    let matched_manifest = match &manifest {
        Some(m) => {
            compare_counts(&m.row_counts, &counts)?;
            true
        }
        None => false,
    };
    Ok(RestoreReport {
        tables: counts.len(),
        rows: counts.values().sum(),
        roles_created,
        matched_manifest,
    })
}

fn compare_counts(expected: &BTreeMap<String, i64>, got: &BTreeMap<String, i64>) -> Result<()> {
    let diffs: Vec<String> = expected
        .iter()
        .filter(|(t, n)| got.get(*t) != Some(n))
        .map(|(t, n)| {
            format!(
                "{t}: {n} expected, {} restored",
                got.get(t).copied().unwrap_or(0)
            )
        })
        .collect();
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation {
            field: "file".into(),
            message: format!(
                "The restored row counts differ from the backup's manifest ({}).",
                diffs.join("; ")
            ),
        })
    }
}

/// Restores `file` into a throwaway cluster and checks its row counts against the manifest (when present).
/// The throwaway cluster is removed whatever happens.
#[tracing::instrument(fields(file = %file.display()))]
pub async fn verify(file: &Path) -> Result<RestoreReport> {
    check_file(crate::embedded::find_bindir().ok().as_deref(), file).await?;
    let dir = tempfile_dir()?;
    let cluster = EmbeddedCluster::new(&dir, Durability::Throwaway)?;
    let result = async {
        cluster.start().await?;
        cluster.ensure_database(crate::embedded::DATABASE).await?;
        let target = DbTarget::Embedded {
            cluster: cluster.clone(),
            database: crate::embedded::DATABASE.into(),
        };
        restore(&Source::from_target(&target, None)?, file, false).await
    }
    .await;
    if let Err(e) = cluster.stop().await {
        tracing::warn!(error = %e, "throwaway cluster did not stop");
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn tempfile_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    for i in 0..1000u32 {
        let d = base.join(format!("clinicdesk-verify-{}-{i}", std::process::id()));
        if std::fs::create_dir(&d).is_ok() {
            return Ok(d);
        }
    }
    Err(Error::internal("no temp dir for verify"))
}

/// The roles recorded in the dump's `backup_role_snapshot` (read with `pg_restore --data-only`).
async fn snapshot_roles_in(source: &Source, file: &Path) -> Result<Vec<SnapshotRole>> {
    let (code, sql) = run_tool(
        &source.tool("pg_restore"),
        &[
            "--data-only",
            "--table=backup_role_snapshot",
            "--file=-",
            &file.to_string_lossy(),
        ],
    )
    .await?;
    if code != 0 {
        return Err(Error::validation(
            "file",
            "The backup's staff accounts could not be read: it is damaged.",
        ));
    }
    Ok(parse_role_copy(&sql))
}

/// Parses the COPY block of `backup_role_snapshot` (rolname, can_login, verifier, groups). Anything that is not
/// a plain role name is skipped: the values become identifiers in CREATE ROLE.
pub fn parse_role_copy(sql: &str) -> Vec<SnapshotRole> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
    };
    let mut in_copy = false;
    let mut roles = Vec::new();
    for line in sql.lines() {
        if line.starts_with("COPY ") && line.contains("backup_role_snapshot") {
            in_copy = true;
            continue;
        }
        if !in_copy {
            continue;
        }
        if line == "\\." {
            break;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 4 || !name_ok(cols[0]) {
            continue;
        }
        let verifier = match cols[2] {
            "\\N" => None,
            v if v.starts_with("SCRAM-SHA-256$") && !v.contains('\\') => Some(v.to_string()),
            _ => None,
        };
        let groups = cols[3]
            .trim_start_matches('{')
            .trim_end_matches('}')
            .split(',')
            .filter(|g| g.starts_with("clinicdesk_") && name_ok(g))
            .map(String::from)
            .collect();
        roles.push(SnapshotRole {
            rolname: cols[0].to_string(),
            can_login: cols[1] == "t",
            verifier,
            groups,
        });
    }
    roles
}

const GROUP_ROLES_SQL: &str = "DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['clinicdesk_staff', 'clinicdesk_admin', 'clinicdesk_doctor', 'clinicdesk_reception'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', r);
    END IF;
  END LOOP;
END $$;
GRANT clinicdesk_staff TO clinicdesk_admin, clinicdesk_doctor, clinicdesk_reception;
ALTER ROLE clinicdesk_admin INHERIT;
ALTER ROLE clinicdesk_doctor INHERIT;
ALTER ROLE clinicdesk_reception INHERIT;";

const DATABASE_GRANTS_SQL: &str = "DO $$
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO clinicdesk_staff', current_database());
END $$;";

/// Deletes the oldest ClinicDesk backups in `dir` beyond `keep` (only files named like ours, with manifests).
/// Returns (kept, pruned).
pub fn prune(dir: &Path, keep: usize) -> Result<(usize, usize)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(FILE_PREFIX) && n.ends_with(FILE_SUFFIX))
        })
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(keep.max(1));
    for f in &files[..excess] {
        std::fs::remove_file(f)?;
        let _ = std::fs::remove_file(manifest_path(f));
    }
    Ok((files.len() - excess, excess))
}

fn writable_dir(out: &Path) -> Result<PathBuf> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::validation(
            "folder",
            format!("The folder {} does not exist.", dir.display()),
        ));
    }
    if out.is_dir() {
        return Err(Error::validation(
            "folder",
            format!("{} is a folder: give a file name.", out.display()),
        ));
    }
    Ok(dir)
}

fn io_error(e: &std::io::Error, dir: &Path) -> Error {
    match (e.kind(), e.raw_os_error()) {
        (std::io::ErrorKind::PermissionDenied, _) | (_, Some(30)) => Error::validation(
            "folder",
            format!("ClinicDesk may not write to {}.", dir.display()),
        ),
        (_, Some(28)) => Error::Unavailable("The disk is full: the backup was not saved.".into()),
        _ => Error::from(std::io::Error::new(e.kind(), e.to_string())),
    }
}

fn sha256_file(path: &Path) -> Result<(u64, String)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let r = f.read(&mut buf)?;
        if r == 0 {
            break;
        }
        n += r as u64;
        h.update(&buf[..r]);
    }
    Ok((n, format!("{:x}", h.finalize())))
}

/// Runs a PostgreSQL client tool; returns its exit code and combined output.
async fn run_tool(bin: &Path, args: &[&str]) -> Result<(i32, String)> {
    let out = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .map_err(|e| {
            Error::Unavailable(format!(
                "Could not run {} ({e}). Install the PostgreSQL client tools.",
                bin.display()
            ))
        })?;
    Ok((
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

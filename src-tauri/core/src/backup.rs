//! Backup, restore and verify of a ClinicDesk database with PostgreSQL's own tools: `pg_dump` custom format
//! taken in one exported snapshot (with the exact row counts of that snapshot in a manifest beside it), written
//! to a private (0600) temporary file and renamed into place (never a partial backup under a backup's name);
//! `pg_restore` into a NEW database beside the live one, checked (schema, row counts, staff roles, database
//! grants) and only then swapped in by renaming, so a bad file never touches the live database; and verification
//! by the same restore in a throwaway cluster. Passwords reach the PostgreSQL tools through a private passfile,
//! never their command line.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::ffi::OsString;
use tokio::process::Command;

use crate::db::{self, backups::SnapshotRole};
use crate::embedded::{Durability, EmbeddedCluster};
use crate::error::{Error, Result};
use crate::files::{write_atomic, AtomicFile};
use crate::target::DbTarget;

/// Names of backups ClinicDesk makes and prunes: `clinicdesk-YYYYMMDD-HHMMSS-mmm.dump`.
pub const FILE_PREFIX: &str = "clinicdesk-";
pub const FILE_SUFFIX: &str = ".dump";
const MANIFEST_FORMAT: &str = "clinicdesk-backup/1";

/// A database to back up or restore into, as the schema owner: a libpq URL for the PostgreSQL tools, the same
/// for sqlx, and where the tools live.
#[derive(Clone)]
pub struct Source {
    pub url: String,
    pub options: PgConnectOptions,
    pub bindir: Option<PathBuf>,
}

/// Without the password (and without the sqlx options, whose Debug would print it).
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("url", &split_password(&self.url).0)
            .field("bindir", &self.bindir)
            .finish_non_exhaustive()
    }
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
            DbTarget::Server(_) => Err(Error::PermissionDenied(crate::msg!(backup_on_server_cli))),
        }
    }

    fn tool(&self, name: &str) -> PathBuf {
        match &self.bindir {
            Some(d) if d.join(name).is_file() => d.join(name),
            _ => PathBuf::from(name),
        }
    }

    /// The database this source names (libpq's default: the user's name).
    pub fn database(&self) -> String {
        self.options
            .get_database()
            .unwrap_or_else(|| self.options.get_username())
            .to_string()
    }

    /// The same server and credentials, another database.
    pub fn for_database(&self, database: &str) -> Source {
        Source {
            url: url_with_database(&self.url, database),
            options: self.options.clone().database(database),
            bindir: self.bindir.clone(),
        }
    }

    /// The same server and database, signing in as `user` with `password`.
    pub fn as_user(&self, user: &str, password: &str) -> Source {
        Source {
            url: url_with_user(&self.url, user, password),
            options: self.options.clone().username(user).password(password),
            bindir: self.bindir.clone(),
        }
    }

    /// How to run PostgreSQL client tool `tool` with `args`; with `connect`, connected to this source's
    /// database: the URL *without* its password as `--dbname`, the password in a 0600 passfile in a private
    /// 0700 directory (`PGPASSFILE`), removed when the returned command is dropped. Nothing secret is in
    /// `args` (which `ps` shows to every user of the computer).
    pub fn tool_command(&self, tool: &str, args: &[&str], connect: bool) -> Result<ToolCommand> {
        let mut cmd = ToolCommand {
            program: self.tool(tool),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: Vec::new(),
            secrets: None,
        };
        if connect {
            let (url, password) = split_password(&self.url);
            cmd.args.push("--no-password".into());
            cmd.args.push("--dbname".into());
            cmd.args.push(url);
            if let Some(pw) = password {
                let dir = PrivateDir::new("clinicdesk-pg")?;
                let file = dir.path().join("pgpass");
                crate::files::create_private(&file)?.write_all(passfile_line(&pw).as_bytes())?;
                cmd.env
                    .push(("PGPASSFILE".into(), file.as_os_str().to_owned()));
                cmd.secrets = Some(dir);
            }
        }
        Ok(cmd)
    }
}

/// A PostgreSQL client tool's command: program, arguments (public) and environment (private to the child).
#[derive(Debug)]
pub struct ToolCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, OsString)>,
    secrets: Option<PrivateDir>,
}

impl ToolCommand {
    /// The private directory holding the passfile, while the command lives.
    pub fn secrets_dir(&self) -> Option<&Path> {
        self.secrets.as_ref().map(|d| d.path())
    }
}

/// A directory only this OS account can enter (0700 whatever the umask), removed with everything in it when
/// dropped.
#[derive(Debug)]
pub struct PrivateDir(PathBuf);

impl PrivateDir {
    pub fn new(prefix: &str) -> Result<PrivateDir> {
        static N: AtomicU32 = AtomicU32::new(0);
        let base = std::env::temp_dir();
        for _ in 0..100 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let d = base.join(format!(
                "{prefix}-{}-{}-{nanos:x}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            match std::fs::DirBuilder::new().mode(0o700).create(&d) {
                Ok(()) => {
                    // the umask may have taken bits away, never added: set it exactly
                    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700))?;
                    return Ok(PrivateDir(d));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::internal("no private temp dir"))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A libpq passfile line matching any host, port, database and user (the file serves one command).
fn passfile_line(password: &str) -> String {
    let escaped = password.replace('\\', "\\\\").replace(':', "\\:");
    format!("*:*:*:*:{escaped}\n")
}

fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|c| match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (c as char).to_string()
            }
            _ => format!("%{c:02X}"),
        })
        .collect()
}

/// The parts of a libpq URL: `scheme://[user[:password]@]hosts[/database][?params]`.
struct UrlParts<'a> {
    scheme: &'a str,
    user: Option<&'a str>,
    password: Option<&'a str>,
    hosts: &'a str,
    path: Option<&'a str>,
    params: Vec<(&'a str, &'a str)>,
}

impl<'a> UrlParts<'a> {
    fn parse(url: &'a str) -> Option<UrlParts<'a>> {
        let (scheme, rest) = url.split_once("://")?;
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, hosts) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((a, b)) => (Some(a), Some(b)),
                None => (Some(u), None),
            },
            None => (None, None),
        };
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, q),
            None => (tail, ""),
        };
        let params = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .collect();
        Some(UrlParts {
            scheme,
            user,
            password,
            hosts,
            path: (!path.is_empty()).then_some(path),
            params,
        })
    }

    fn render(&self) -> String {
        let mut s = format!("{}://", self.scheme);
        if let Some(u) = self.user {
            s.push_str(u);
            if let Some(p) = self.password {
                s.push(':');
                s.push_str(p);
            }
            s.push('@');
        }
        s.push_str(self.hosts);
        if let Some(p) = self.path {
            s.push_str(p);
        }
        if !self.params.is_empty() {
            s.push('?');
            let q: Vec<String> = self
                .params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            s.push_str(&q.join("&"));
        }
        s
    }
}

/// Takes the password out of a libpq URL (from its user info and any `password=` parameter): the URL without
/// it, and the password.
pub fn split_password(url: &str) -> (String, Option<String>) {
    let Some(mut parts) = UrlParts::parse(url) else {
        return (url.to_string(), None);
    };
    let mut password = parts.password.take().map(percent_decode);
    parts.params.retain(|(k, v)| {
        if *k == "password" {
            password = Some(percent_decode(v));
            false
        } else {
            true
        }
    });
    (parts.render(), password.filter(|p| !p.is_empty()))
}

/// The same libpq URL signing in as `user` with `password`.
pub fn url_with_user(url: &str, user: &str, password: &str) -> String {
    let Some(mut parts) = UrlParts::parse(url) else {
        return url.to_string();
    };
    let (u, p) = (percent_encode(user), percent_encode(password));
    parts.user = Some(&u);
    parts.password = Some(&p);
    parts
        .params
        .retain(|(k, _)| *k != "user" && *k != "password");
    parts.render()
}

/// The same libpq URL naming another database.
pub fn url_with_database(url: &str, database: &str) -> String {
    let Some(mut parts) = UrlParts::parse(url) else {
        return url.to_string();
    };
    let path = format!("/{}", percent_encode(database));
    parts.path = Some(&path);
    let encoded = percent_encode(database);
    for (k, v) in parts.params.iter_mut() {
        if *k == "dbname" {
            *v = &encoded;
        }
    }
    parts.render()
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
    /// The database the restore replaced, kept under this name when it held data (drop it once the restored
    /// one is confirmed good).
    pub previous_database: Option<String>,
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
    if out.file_name().is_none() {
        return Err(Error::validation(
            "path",
            crate::msg!(backup_file_name_required),
        ));
    }
    // pg_dump truncates and fills this private temp file, keeping its mode: the dump is never readable by
    // others, not even for a moment, whatever the umask (it holds every record and the staff's verifiers)
    let (dump, file) = AtomicFile::create(out, "dump").map_err(|e| io_error(&e, &dir))?;
    drop(file);
    let (bytes, sha256, row_counts) = create_into(source, dump.tmp()).await?;
    let manifest = Manifest {
        format: MANIFEST_FORMAT.into(),
        created_at: chrono::Utc::now(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        bytes,
        sha256,
        row_counts,
    };
    // the manifest first: a dump under its name always has its manifest beside it
    let written = write_atomic(
        &manifest_path(out),
        &serde_json::to_vec_pretty(&manifest).expect("manifest serialises"),
    )
    .and_then(|_| dump.commit());
    if let Err(e) = written {
        let _ = std::fs::remove_file(manifest_path(out));
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
    let cmd = source.tool_command(
        "pg_dump",
        &[
            "--format=custom",
            &format!("--snapshot={snapshot}"),
            "--file",
            &tmp_s,
        ],
        true,
    )?;
    let (code, out) = run_tool(cmd).await?;
    tx.commit().await?;
    if code != 0 {
        tracing::error!(output = %log_summary(&out), "pg_dump failed");
        if out.contains("No space left") {
            return Err(Error::Unavailable(crate::msg!(backup_disk_full)));
        }
        return Err(Error::Unavailable(crate::msg!(backup_failed)));
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
            crate::msg!(backup_file_missing, file = file.display()),
        ));
    }
    let manifest = read_manifest(file)?;
    if let Some(m) = &manifest {
        let (bytes, sha) = sha256_file(file)?;
        if bytes != m.bytes || sha != m.sha256 {
            return Err(Error::validation(
                "file",
                crate::msg!(backup_checksum_mismatch, file = file.display()),
            ));
        }
    }
    let src = Source {
        url: String::new(),
        options: PgConnectOptions::new(),
        bindir: bindir.map(Path::to_path_buf),
    };
    let cmd = src.tool_command("pg_restore", &["--list", &file.to_string_lossy()], false)?;
    let (code, list) = run_tool(cmd).await?;
    let ours = ["_sqlx_migrations", "staff", "backup_role_snapshot"]
        .iter()
        .all(|t| list.contains(&format!("TABLE public {t} ")));
    if code != 0 || !ours {
        tracing::warn!(output = %log_summary(&list), "not a backup");
        return Err(Error::validation(
            "file",
            crate::msg!(backup_not_ours, file = file.display()),
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
            crate::msg!(backup_manifest_not_ours, file = p.display()),
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

/// Restores `file` into `target`'s database. A database that already holds data is replaced only with
/// `replace` (the CLI asks first); otherwise the answer is a Conflict that says so.
///
/// The live database is not touched until the backup has proved itself: the file is restored into a new
/// database `<db>_restore_<UTC time>`, which must hold a known ClinicDesk schema, the manifest's row counts and
/// a list of staff accounts that are only plain staff; its database-level grants are set (staff CONNECT only,
/// nothing for PUBLIC) and checked. Then, in one transaction, the missing staff roles are created, the live
/// database is renamed `<db>_before_restore_<time>` (kept when it held data, closed to staff) and the new one
/// takes its name. Any failure before that commit drops the new database and leaves everything as it was.
#[tracing::instrument(skip(target), fields(file = %file.display()))]
pub async fn restore(target: &Source, file: &Path, replace: bool) -> Result<RestoreReport> {
    let manifest = check_file(target.bindir.as_deref(), file).await?;
    let live = target.database();
    let mut conn = db::connect_one(&target.options).await?;
    let had_data = has_data(&mut conn).await?;
    conn.close().await?;
    if had_data && !replace {
        return Err(Error::Conflict(crate::msg!(restore_confirm_replace)));
    }
    let mut admin = maintenance_connection(target, &live).await?;
    let rights = db::backups::owner_rights(&mut admin, &live).await?;
    if !rights.create_db || !rights.owns_database {
        return Err(Error::PermissionDenied(crate::msg!(restore_owner_rights)));
    }
    if !rights.groups_exist {
        if !rights.create_role {
            return Err(Error::PermissionDenied(crate::msg!(restore_groups_missing)));
        }
        // cluster-wide groups first: the dump's GRANTs name them
        sqlx::raw_sql(GROUP_ROLES_SQL).execute(&mut admin).await?;
    }
    remove_leftovers(&mut admin, &live).await;
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S%3f").to_string();
    let staging = derived_name(&live, &format!("_restore_{stamp}"));
    let previous = derived_name(&live, &format!("_before_restore_{stamp}"));
    // The dump's SQL (and the triggers its data fires) runs as a temporary role with no privileges that owns
    // only the new database: a crafted file cannot create or alter roles, or touch any other database. An
    // owner that may not create roles is no superuser either: it restores as itself.
    let restorer = rights.create_role.then(|| Restorer {
        name: derived_name(&format!("clinicdesk_restorer_{live}"), &format!("_{stamp}")),
        password: random_password(),
    });
    let owner_name = match &restorer {
        Some(r) => {
            db::backups::create_restorer(
                &mut admin,
                &r.name,
                &crate::security::scram::verifier(&r.password),
            )
            .await?;
            if !rights.superuser {
                if let Err(e) = db::backups::grant_to_current_user(&mut admin, &r.name).await {
                    let _ = db::backups::drop_role(&mut admin, &r.name).await;
                    return Err(e);
                }
            }
            r.name.clone()
        }
        None => target.options.get_username().to_string(),
    };
    let created = async {
        let create =
            db::backups::create_database_sql(&mut admin, &staging, &live, &owner_name).await?;
        sqlx::raw_sql(&create).execute(&mut admin).await?;
        // nobody but its owner connects to the copy while it is being restored and checked
        db::backups::close_database(&mut admin, &staging).await?;
        Ok::<(), Error>(())
    }
    .await;
    if let Err(e) = created {
        if let Some(r) = &restorer {
            let _ = db::backups::drop_role(&mut admin, &r.name).await;
        }
        return Err(e);
    }
    tracing::info!(staging = %staging, "restoring into a new database beside the live one");

    let checked = async {
        let plan = restore_and_check(
            target,
            &staging,
            restorer.as_ref(),
            file,
            manifest.as_ref(),
            &mut admin,
        )
        .await?;
        if let Some(r) = &restorer {
            db::backups::drop_role(&mut admin, &r.name).await?;
        }
        if !plan.create.is_empty() && !rights.create_role {
            return Err(Error::PermissionDenied(crate::msg!(
                restore_accounts_missing,
                count = plan.create.len()
            )));
        }
        swap(&mut admin, &live, &staging, &previous, &plan.create).await?;
        Ok(plan)
    }
    .await;
    let plan = match checked {
        Ok(p) => p,
        Err(e) => {
            if let Err(d) = db::backups::drop_database(&mut admin, &staging).await {
                tracing::warn!(error = %d, staging = %staging, "could not drop the unused restore database");
            }
            if let Some(r) = &restorer {
                if let Err(d) = db::backups::drop_role(&mut admin, &r.name).await {
                    tracing::warn!(error = %d, "could not drop the temporary restore role");
                }
            }
            return Err(e);
        }
    };
    let previous_database = if had_data {
        tracing::warn!(previous = %previous, "the replaced database is kept");
        Some(previous)
    } else {
        if let Err(e) = db::backups::drop_database(&mut admin, &previous).await {
            tracing::warn!(error = %e, "could not drop the empty replaced database");
        }
        None
    };
    admin.close().await?;
    Ok(RestoreReport {
        tables: plan.counts.len(),
        rows: plan.counts.values().sum(),
        roles_created: plan.create.len(),
        matched_manifest: manifest.is_some(),
        previous_database,
    })
}

/// Drops what a restore of `live` that was killed half-way left behind: its new database (no one connected)
/// and its temporary role. Failures are only logged: they change nothing for this restore.
async fn remove_leftovers(admin: &mut PgConnection, live: &str) {
    let result = async {
        for d in db::backups::idle_databases_named(admin, &format!("{live}_restore_")).await? {
            tracing::warn!(database = %d, "dropping the database of an interrupted restore");
            db::backups::drop_database(admin, &d).await?;
        }
        for r in db::backups::roles_named(admin, &format!("clinicdesk_restorer_{live}_")).await? {
            tracing::warn!(role = %r, "dropping the role of an interrupted restore");
            db::backups::drop_role(admin, &r).await?;
        }
        Ok::<(), Error>(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = ?e, "could not remove what an interrupted restore left");
    }
}

/// The temporary role a restore's SQL runs as.
struct Restorer {
    name: String,
    password: String,
}

fn random_password() -> String {
    use rand::RngCore;
    let mut b = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What a restored copy proved and what its swap will do.
struct RestorePlan {
    counts: BTreeMap<String, i64>,
    /// Staff roles the cluster lacks, to create in the swap.
    create: Vec<SnapshotRole>,
}

/// A connection to the server's maintenance database (not the one being restored: it gets renamed).
async fn maintenance_connection(target: &Source, live: &str) -> Result<PgConnection> {
    let mut last = None;
    for db in ["postgres", "template1"] {
        if db == live {
            continue;
        }
        match db::connect_one(&target.options.clone().database(db)).await {
            Ok(c) => return Ok(c),
            Err(e) => last = Some(e),
        }
    }
    tracing::warn!(error = ?last, "no maintenance database");
    Err(Error::PermissionDenied(crate::msg!(
        restore_no_maintenance_db
    )))
}

/// `base` + `suffix`, cut to PostgreSQL's 63-byte limit on names (at a character boundary).
fn derived_name(base: &str, suffix: &str) -> String {
    let mut keep = 63usize.saturating_sub(suffix.len()).min(base.len());
    while !base.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}{suffix}", &base[..keep])
}

/// pg_restore into the new database `staging`, then every check, with nothing else touched.
async fn restore_and_check(
    target: &Source,
    staging: &str,
    restorer: Option<&Restorer>,
    file: &Path,
    manifest: Option<&Manifest>,
    admin: &mut PgConnection,
) -> Result<RestorePlan> {
    let as_owner = target.for_database(staging);
    let into = match restorer {
        Some(r) => as_owner.as_user(&r.name, &r.password),
        None => as_owner.clone(),
    };
    crate::crash::point("restore");
    let cmd = into.tool_command(
        "pg_restore",
        &[
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            &file.to_string_lossy(),
        ],
        true,
    )?;
    let (code, out) = run_tool(cmd).await?;
    if code != 0 {
        tracing::error!(output = %log_summary(&out), "pg_restore failed");
        if out.contains("No space left") {
            return Err(Error::Unavailable(crate::msg!(restore_disk_full)));
        }
        if out.contains("pg_hba.conf") || out.contains("authentication failed") {
            return Err(Error::Unavailable(crate::msg!(restore_role_refused)));
        }
        return Err(Error::validation(
            "file",
            crate::msg!(restore_failed_file, file = file.display()),
        ));
    }
    // read what the file brought, as the role that restored it
    let mut conn = db::connect_one(&into.options).await?;
    let read = async {
        check_migrations(&mut conn).await?;
        let counts = table_counts(&mut conn).await?;
        let roles = db::backups::read_snapshot(&mut conn).await?;
        Ok::<_, Error>((counts, roles))
    }
    .await;
    conn.close().await?;
    let (counts, roles) = read.map_err(|e| match e {
        Error::Validation { .. } => e,
        other => {
            tracing::warn!(error = ?other, "the restored copy could not be read as a ClinicDesk database");
            Error::validation(
                "file",
                crate::msg!(restore_not_ours, file = file.display()),
            )
        }
    })?;
    if let Some(m) = manifest {
        compare_counts(&m.row_counts, &counts)?;
    }
    let mut create = Vec::new();
    for r in roles {
        check_snapshot_role(&r)?;
        match db::backups::existing_role(admin, &r.rolname).await? {
            None => create.push(r),
            Some(e) if e.is_staff() => {
                // a staff account this server already has keeps its password and group untouched
                tracing::info!(role = %r.rolname, "staff role exists; left as it is");
            }
            Some(_) => {
                return Err(Error::validation(
                    "file",
                    crate::msg!(restore_role_clash, account = shown(&r.rolname)),
                ))
            }
        }
    }
    // the owner takes the restored copy over and sets its database-level grants
    let mut conn = db::connect_one(&as_owner.options).await?;
    let owned = async {
        if let Some(r) = restorer {
            db::backups::hand_over(&mut conn, &r.name).await?;
        }
        sqlx::raw_sql(DATABASE_GRANTS_SQL)
            .execute(&mut conn)
            .await?;
        let grants = db::backups::database_grants(&mut conn).await?;
        if !grants.staff_connect || grants.staff_temporary || grants.public_anything {
            tracing::error!(?grants, "database grants not as set");
            return Err(Error::internal("database grants of the restored copy"));
        }
        Ok(())
    }
    .await;
    conn.close().await?;
    owned?;
    Ok(RestorePlan { counts, create })
}

/// The restored schema must be ClinicDesk's: every migration it records is one this app knows, with the same
/// checksum (a newer app's backup, or any other database, is refused).
async fn check_migrations(conn: &mut PgConnection) -> Result<()> {
    let applied = db::backups::applied_migrations(conn).await?;
    let known: BTreeMap<i64, &[u8]> = db::MIGRATOR
        .iter()
        .map(|m| (m.version, m.checksum.as_ref()))
        .collect();
    let foreign = applied.is_empty()
        || applied
            .iter()
            .any(|(v, sum)| known.get(v).is_none_or(|k| *k != sum.as_slice()));
    if foreign {
        tracing::warn!(versions = ?applied.iter().map(|a| a.0).collect::<Vec<_>>(), "unknown schema in backup");
        return Err(Error::validation(
            "file",
            crate::msg!(restore_foreign_schema),
        ));
    }
    Ok(())
}

/// A staff username as the database enforces it (`staff_username_check`): 3–32 of a–z 0–9 _ . starting with a
/// letter; never a PostgreSQL or ClinicDesk reserved name.
pub fn is_staff_username(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=32).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'.')
        && !name.starts_with("pg_")
        && !name.starts_with("clinicdesk")
        && name != "postgres"
}

pub const STAFF_GROUPS: [&str; 3] = [
    "clinicdesk_admin",
    "clinicdesk_doctor",
    "clinicdesk_reception",
];

/// A SCRAM-SHA-256 verifier as `clinicdesk_create_staff` accepts one.
fn is_scram_verifier(v: &str) -> bool {
    let b64 = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=')
    };
    let Some(rest) = v.strip_prefix("SCRAM-SHA-256$") else {
        return false;
    };
    let Some((iter_salt, keys)) = rest.split_once('$') else {
        return false;
    };
    let (Some((iter, salt)), Some((stored, server))) =
        (iter_salt.split_once(':'), keys.split_once(':'))
    else {
        return false;
    };
    !iter.is_empty()
        && iter.bytes().all(|c| c.is_ascii_digit())
        && b64(salt)
        && b64(stored)
        && b64(server)
}

/// A name from a backup, safe to put in a sentence.
fn shown(name: &str) -> String {
    let mut s: String = name
        .chars()
        .take(40)
        .flat_map(char::escape_default)
        .collect();
    if name.chars().count() > 40 {
        s.push('…');
    }
    format!("\"{s}\"")
}

/// Checks one role of a backup's staff list on its own: a staff username, only the three staff groups, a
/// well-formed verifier or none. One sentence when not.
pub fn check_snapshot_role(r: &SnapshotRole) -> Result<()> {
    if !is_staff_username(&r.rolname) {
        return Err(Error::validation(
            "file",
            crate::msg!(restore_not_staff_name, account = shown(&r.rolname)),
        ));
    }
    if let Some(g) = r
        .groups
        .iter()
        .find(|g| !STAFF_GROUPS.contains(&g.as_str()))
    {
        return Err(Error::validation(
            "file",
            crate::msg!(
                restore_foreign_group,
                account = shown(&r.rolname),
                group = shown(g)
            ),
        ));
    }
    if r.verifier.as_deref().is_some_and(|v| !is_scram_verifier(v)) {
        return Err(Error::validation(
            "file",
            crate::msg!(restore_verifier_damaged, account = shown(&r.rolname)),
        ));
    }
    Ok(())
}

/// In one transaction: create the missing staff roles, set the live database aside as `previous` (closed to
/// staff), give `staging` the live name. Other sessions on either database are ended first; one that comes
/// back in between makes the rename fail, and the swap is tried again.
async fn swap(
    admin: &mut PgConnection,
    live: &str,
    staging: &str,
    previous: &str,
    create: &[SnapshotRole],
) -> Result<()> {
    for attempt in 0..20 {
        for name in [live, staging] {
            for pid in db::backups::other_sessions(admin, name).await? {
                if !db::backups::terminate(admin, pid).await {
                    tracing::warn!(
                        pid,
                        "could not end a session on the database being replaced"
                    );
                }
            }
        }
        let mut tx = admin.begin().await?;
        for r in create {
            db::backups::create_role(&mut tx, r).await?;
        }
        let renamed = async {
            db::backups::rename_database(&mut tx, live, previous).await?;
            db::backups::close_database(&mut tx, previous).await?;
            db::backups::rename_database(&mut tx, staging, live).await
        }
        .await;
        match renamed {
            Ok(()) => {
                tx.commit().await?;
                tracing::info!(roles_created = create.len(), "restored database swapped in");
                return Ok(());
            }
            // 55006 object_in_use: "database is being accessed by other users"
            Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("55006") => {
                tx.rollback().await?;
                if attempt == 19 {
                    return Err(Error::Unavailable(crate::msg!(restore_sessions_connected)));
                }
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            Err(e) => {
                tx.rollback().await?;
                return Err(e.into());
            }
        }
    }
    unreachable!("the loop returns")
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
            message: crate::msg!(restore_counts_differ, differences = diffs.join("; ")),
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

/// Database-level grants live outside the dump: a restored copy gets them here (staff may connect, nothing
/// more: no TEMPORARY, whose temp tables could shadow what SECURITY DEFINER code reads; PUBLIC gets nothing).
const DATABASE_GRANTS_SQL: &str = "DO $$
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC, clinicdesk_staff', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO clinicdesk_staff', current_database());
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

/// Makes `dir` the private folder backups go to: created 0700 when `create` (the default folder), and set to
/// 0700 whatever the umask made it. A folder that does not exist (a configured one) is a sentence; one whose
/// mode cannot be changed (a network share mounted with fixed modes) is used as it is, with a warning in the
/// log: the backup files themselves are still 0600.
pub fn private_folder(dir: &Path, create: bool) -> Result<()> {
    if create && !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io_error(&e, dir))?;
    }
    if !dir.is_dir() {
        return Err(Error::validation(
            "folder",
            crate::msg!(folder_missing, folder = dir.display()),
        ));
    }
    if let Err(e) = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
        tracing::warn!(error = %e, folder = %dir.display(), "could not make the backup folder private");
    }
    Ok(())
}

fn writable_dir(out: &Path) -> Result<PathBuf> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::validation(
            "folder",
            crate::msg!(folder_missing, folder = dir.display()),
        ));
    }
    if out.is_dir() {
        return Err(Error::validation(
            "folder",
            crate::msg!(backup_path_is_folder, path = out.display()),
        ));
    }
    Ok(dir)
}

fn io_error(e: &std::io::Error, dir: &Path) -> Error {
    match (e.kind(), e.raw_os_error()) {
        (std::io::ErrorKind::PermissionDenied, _) | (_, Some(30)) => Error::validation(
            "folder",
            crate::msg!(backup_folder_not_writable, folder = dir.display()),
        ),
        (_, Some(28)) => Error::Unavailable(crate::msg!(backup_disk_full)),
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

/// Runs a PostgreSQL client tool; returns its exit code and combined output. The command's passfile (if any)
/// is removed when it returns.
async fn run_tool(cmd: ToolCommand) -> Result<(i32, String)> {
    let out = Command::new(&cmd.program)
        .args(&cmd.args)
        .envs(cmd.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .map_err(|e| {
            Error::Unavailable(crate::msg!(
                client_tool_not_run,
                program = cmd.program.display(),
                detail = e
            ))
        })?;
    drop(cmd);
    Ok((
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

/// What of a tool's output goes to the log: its first error lines, cut short, without the quoted rows and
/// statements PostgreSQL adds (CONTEXT, DETAIL, LINE) that can carry patients' data.
fn log_summary(out: &str) -> String {
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter(|l| {
            !["CONTEXT", "DETAIL", "LINE", "HINT", "Command was"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .take(5)
        .map(|l| l.chars().take(200).collect::<String>())
        .collect::<Vec<_>>()
        .join(" | ")
}

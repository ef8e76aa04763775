//! The private PostgreSQL cluster that ClinicDesk runs in its data dir when no clinic server is configured:
//! found, created, started, stopped and recovered here, from the PostgreSQL server binaries on the machine.
//!
//! Security: the server listens on a unix socket in the data dir only (`listen_addresses=''`, socket mode 0700).
//! The cluster's superuser `clinicdesk_owner` is reachable only by peer authentication from the OS account that
//! owns the data dir (it owns the files anyway); staff roles authenticate with SCRAM-SHA-256 passwords.
//! Files are private whatever the umask: the data dir is 0700 (0710 with group `postgres` when run as root, so
//! the server account can only walk through it), the server's dir 0700 and its log (which names the user of every
//! failed sign-in) 0600.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use tokio::process::Command;

use crate::error::{Error, Result};

/// The superuser that owns the embedded cluster and ClinicDesk's schema.
pub const OWNER_ROLE: &str = "clinicdesk_owner";
/// The database ClinicDesk uses inside the embedded cluster.
pub const DATABASE: &str = "clinicdesk";
const PORT: u16 = 5432;

/// How a cluster is tuned: durable for real data, or fast for throwaway test clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Durable,
    Throwaway,
}

#[derive(Debug, Clone)]
pub struct EmbeddedCluster {
    root: PathBuf,
    bindir: PathBuf,
    durability: Durability,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterState {
    NotInitialized,
    Stopped,
    Running,
}

impl EmbeddedCluster {
    /// A cluster rooted at `data_dir` (the server's files go in `data_dir/pg`, its socket in `data_dir/run`).
    pub fn new(data_dir: &Path, durability: Durability) -> Result<Self> {
        Ok(EmbeddedCluster {
            root: data_dir.to_path_buf(),
            bindir: find_bindir()?,
            durability,
        })
    }

    /// Where the PostgreSQL server binaries (and pg_dump/pg_restore of the same version) are.
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    pub fn pg_dir(&self) -> PathBuf {
        self.root.join("pg")
    }

    pub fn socket_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    pub fn server_log(&self) -> PathBuf {
        self.pg_dir().join("server.log")
    }

    /// Connection options for a role over the cluster's socket.
    pub fn connect_options(&self, database: &str, user: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(self.socket_dir())
            .port(PORT)
            .username(user)
            .database(database)
            .application_name("clinicdesk")
    }

    /// The owner's connection (peer authentication: no password exists for it).
    pub fn owner_options(&self, database: &str) -> PgConnectOptions {
        self.connect_options(database, OWNER_ROLE)
    }

    /// A libpq URL for the owner, for `psql` and `clinicctl db url`.
    pub fn owner_url(&self, database: &str) -> String {
        format!(
            "postgresql://{OWNER_ROLE}@/{database}?host={}&port={PORT}",
            self.socket_dir().display()
        )
    }

    pub async fn state(&self) -> Result<ClusterState> {
        if !self.pg_dir().join("PG_VERSION").exists() {
            return Ok(ClusterState::NotInitialized);
        }
        let status = self
            .pg_ctl(&["status", "-D", &path_str(&self.pg_dir())])
            .await?;
        // pg_ctl status: 0 running, 3 not running, 4 no accessible data directory
        Ok(if status.0 == 0 {
            ClusterState::Running
        } else {
            ClusterState::Stopped
        })
    }

    /// Creates the cluster (initdb) if it does not exist yet. Idempotent.
    #[tracing::instrument(skip(self), fields(root = %self.root.display()))]
    pub async fn init(&self) -> Result<()> {
        if self.pg_dir().join("PG_VERSION").exists() {
            return Ok(());
        }
        make_private_root(&self.root)?;
        let pg_dir = self.pg_dir();
        if pg_dir.exists() {
            // a half-made cluster from an interrupted init: start over
            std::fs::remove_dir_all(&pg_dir)?;
        }
        self.make_server_dir(&pg_dir)?;
        self.make_server_dir(&self.socket_dir())?;
        let pg_dir_s = path_str(&pg_dir);
        let mut args = vec![
            "-D",
            &pg_dir_s,
            "-U",
            OWNER_ROLE,
            "--auth-local=peer",
            "--auth-host=reject",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ];
        if self.durability == Durability::Throwaway {
            args.push("--no-sync");
        }
        let (code, out) = self.run_server_binary("initdb", &args).await?;
        if code != 0 {
            tracing::error!(output = %out, "initdb failed");
            return Err(Error::Unavailable(crate::msg!(
                embedded_initdb_failed,
                folder = pg_dir.display()
            )));
        }
        self.write_config()?;
        Ok(())
    }

    fn write_config(&self) -> Result<()> {
        let os_user = nix::unistd::User::from_uid(nix::unistd::Uid::effective())
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_else(|| "root".into());
        let pg_dir = self.pg_dir();
        std::fs::write(
            pg_dir.join("pg_hba.conf"),
            format!(
                "# ClinicDesk embedded cluster: unix socket only.\n\
                 # The owner is reachable only from the OS account that owns this data dir (peer);\n\
                 # staff sign in with their SCRAM-SHA-256 passwords.\n\
                 local all {OWNER_ROLE} peer map=owner\n\
                 local all all scram-sha-256\n"
            ),
        )?;
        std::fs::write(
            pg_dir.join("pg_ident.conf"),
            format!("owner {os_user} {OWNER_ROLE}\n"),
        )?;
        let mut conf = String::from(
            "\n# --- ClinicDesk ---\nlisten_addresses = ''\nunix_socket_permissions = 0700\n\
             password_encryption = 'scram-sha-256'\nmax_connections = 60\nshared_buffers = '128MB'\n\
             log_min_duration_statement = 1000\nlog_line_prefix = '%m [%p] %u@%d '\n",
        );
        if self.durability == Durability::Throwaway {
            conf.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n");
        }
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(pg_dir.join("postgresql.conf"))?;
        std::io::Write::write_all(&mut f, conf.as_bytes())?;
        Ok(())
    }

    /// Starts the server if it is not running; recovers from a stale pid file left by a crash or power loss.
    #[tracing::instrument(skip(self), fields(root = %self.root.display()))]
    pub async fn start(&self) -> Result<()> {
        match self.state().await? {
            ClusterState::Running => return Ok(()),
            ClusterState::NotInitialized => self.init().await?,
            ClusterState::Stopped => {}
        }
        make_private_root(&self.root)?;
        self.make_server_dir(&self.pg_dir())?;
        self.make_server_dir(&self.socket_dir())?;
        self.make_private_server_log()?;
        self.remove_stale_pid_file();
        let opts = format!("-k '{}'", self.socket_dir().display());
        let (code, out) = self
            .pg_ctl(&[
                "start",
                "-D",
                &path_str(&self.pg_dir()),
                "-l",
                &path_str(&self.server_log()),
                "-w",
                "-t",
                "120",
                "-o",
                &opts,
            ])
            .await?;
        if code != 0 {
            let log_tail = server_lines_only(&tail(&self.server_log(), 20));
            tracing::error!(output = %out, server_log = %log_tail, "pg_ctl start failed");
            return Err(Error::Unavailable(crate::msg!(embedded_start_failed)));
        }
        tracing::info!("embedded cluster running");
        Ok(())
    }

    /// Stops the server cleanly (fast shutdown: open sessions are ended, committed data is kept).
    #[tracing::instrument(skip(self), fields(root = %self.root.display()))]
    pub async fn stop(&self) -> Result<()> {
        if self.state().await? != ClusterState::Running {
            return Ok(());
        }
        let (code, out) = self
            .pg_ctl(&[
                "stop",
                "-D",
                &path_str(&self.pg_dir()),
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
            ])
            .await?;
        if code != 0 {
            tracing::error!(output = %out, "pg_ctl stop failed");
            return Err(Error::Unavailable(crate::msg!(embedded_stop_unclean)));
        }
        Ok(())
    }

    /// The postmaster's pid, if running.
    pub fn postmaster_pid(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.pg_dir().join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Creates ClinicDesk's database in the cluster if missing.
    pub async fn ensure_database(&self, database: &str) -> Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect_with(&self.owner_options("postgres")).await?;
        let exists = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS "e!""#,
            database
        )
        .fetch_one(&mut conn)
        .await?;
        if !exists {
            // identifiers cannot be bound; the name is ours (a constant or a test's generated name), quoted anyway
            let sql = format!("CREATE DATABASE \"{}\"", database.replace('"', "\"\""));
            sqlx::query(&sql).execute(&mut conn).await?;
        }
        conn.close().await?;
        Ok(())
    }

    /// A pid file whose process is not a PostgreSQL server (the pid was reused after a crash) blocks startup.
    fn remove_stale_pid_file(&self) {
        if let Some(pid) = self.postmaster_pid() {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if !comm.trim().starts_with("postgres") {
                tracing::warn!(pid, "removing stale postmaster.pid");
                let _ = std::fs::remove_file(self.pg_dir().join("postmaster.pid"));
            }
        }
    }

    fn make_server_dir(&self, dir: &Path) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = server_account()? {
            nix::unistd::chown(dir, Some(uid), Some(gid))
                .map_err(|e| Error::internal(format!("chown: {e}")))?;
        }
        Ok(())
    }

    /// PostgreSQL's own log, made before the server opens it: 0600 and owned by the server's account.
    fn make_private_server_log(&self) -> Result<()> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let log = self.server_log();
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&log)?;
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o600))?;
        if let Some((uid, gid)) = server_account()? {
            nix::unistd::chown(&log, Some(uid), Some(gid))
                .map_err(|e| Error::internal(format!("chown: {e}")))?;
        }
        Ok(())
    }

    async fn pg_ctl(&self, args: &[&str]) -> Result<(i32, String)> {
        self.run_server_binary("pg_ctl", args).await
    }

    /// Runs a server binary; as root, as the `postgres` account (PostgreSQL refuses to run as root).
    async fn run_server_binary(&self, name: &str, args: &[&str]) -> Result<(i32, String)> {
        let bin = self.bindir.join(name);
        let mut cmd = if server_account()?.is_some() {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
                .arg(&bin);
            c
        } else {
            Command::new(&bin)
        };
        cmd.args(args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // pg_ctl start leaves the server running with our pipes open; read with a bound so we never hang on them.
        let child = cmd.spawn().map_err(|e| {
            Error::Unavailable(crate::msg!(
                program_not_run,
                program = bin.display(),
                detail = e
            ))
        })?;
        let output = tokio::time::timeout(Duration::from_secs(180), child.wait_with_output())
            .await
            .map_err(|_| Error::Unavailable(crate::msg!(program_timed_out, program = name)))??;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok((output.status.code().unwrap_or(-1), text))
    }
}

/// As root the server runs as `postgres`: its uid/gid. `None` when we are not root.
fn server_account() -> Result<Option<(nix::unistd::Uid, nix::unistd::Gid)>> {
    if !nix::unistd::Uid::effective().is_root() {
        return Ok(None);
    }
    let user = nix::unistd::User::from_name("postgres")
        .ok()
        .flatten()
        .ok_or_else(|| Error::Unavailable(crate::msg!(postgres_account_needed)))?;
    Ok(Some((user.uid, user.gid)))
}

/// The data dir is private whatever the umask: 0700, or as root 0710 with group `postgres` (the server account
/// must walk into it to reach its own dirs, and may not list or read anything else in it).
fn make_private_root(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    let mode = match server_account()? {
        Some((_, gid)) => {
            nix::unistd::chown(dir, None, Some(gid))
                .map_err(|e| Error::internal(format!("chown: {e}")))?;
            0o710
        }
        None => 0o700,
    };
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

/// Finds the PostgreSQL server binaries: `CLINICDESK_PG_BINDIR`, then Debian's `/usr/lib/postgresql/<newest>/bin`,
/// then `pg_config --bindir`.
pub fn find_bindir() -> Result<PathBuf> {
    let explicit = std::env::var_os("CLINICDESK_PG_BINDIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    find_bindir_in(explicit.as_deref(), Path::new("/usr/lib/postgresql"))
}

/// `find_bindir` with its inputs made explicit (an override, and the folder holding versioned installs).
pub fn find_bindir_in(explicit: Option<&Path>, versions_root: &Path) -> Result<PathBuf> {
    let has_server = |d: &Path| {
        d.join("postgres").is_file() && d.join("initdb").is_file() && d.join("pg_ctl").is_file()
    };
    if let Some(dir) = explicit {
        return if has_server(dir) {
            Ok(dir.to_path_buf())
        } else {
            Err(Error::Unavailable(crate::msg!(
                pg_bindir_invalid,
                folder = dir.display()
            )))
        };
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(versions_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            Some((
                e.file_name().to_str()?.parse::<u32>().ok()?,
                e.path().join("bin"),
            ))
        })
        .filter(|(_, d)| has_server(d))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Ok(dir);
    }
    if let Ok(out) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server(&dir) && versions_root == Path::new("/usr/lib/postgresql") {
            return Ok(dir);
        }
    }
    Err(Error::Unavailable(crate::msg!(postgres_not_installed)))
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Keeps the server's own lines of its log (prefix `… [pid] @ `: no user, no database) that name no user or role:
/// a session's lines name the user it tried, which for a failed sign-in may be whatever was typed (a password in
/// the username box).
fn server_lines_only(log: &str) -> String {
    log.lines()
        .filter(|l| {
            l.split_once("] ")
                .is_some_and(|(_, rest)| rest.starts_with("@ "))
        })
        .filter(|l| {
            let lower = l.to_lowercase();
            !lower.contains("user \"") && !lower.contains("role \"")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_failure_logs_the_servers_lines_but_not_what_a_sign_in_typed() {
        let log = "2026-11-28 10:00:00.000 UTC [10] @ LOG:  starting PostgreSQL 15\n\
                   2026-11-28 10:00:01.000 UTC [11] S3cret!pw@clinicdesk FATAL:  password authentication failed for user \"S3cret!pw\"\n\
                   2026-11-28 10:00:01.000 UTC [11] S3cret!pw@clinicdesk DETAIL:  Role \"S3cret!pw\" does not exist.\n\
                   \tConnection matched pg_hba.conf line 5: \"local all all scram-sha-256\"\n\
                   2026-11-28 10:00:01.500 UTC [12] @ LOG:@clinicdesk FATAL:  password authentication failed for user \"@ LOG:\"\n\
                   2026-11-28 10:00:02.000 UTC [10] @ FATAL:  could not create lock file";
        let kept = server_lines_only(log);
        assert!(!kept.contains("S3cret"), "{kept}");
        assert!(!kept.contains("authentication"), "{kept}");
        assert!(kept.contains("starting PostgreSQL 15"), "{kept}");
        assert!(kept.contains("could not create lock file"), "{kept}");
    }
}

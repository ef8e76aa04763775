//! The desktop app's state: which database it uses (starting the embedded cluster when that is the choice),
//! and who is signed in on this window.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clinicdesk_core::cache::{CacheTtls, Caches};
use clinicdesk_core::config::{DatabaseConfig, LocalConfig};
use clinicdesk_core::db::staff::StaffRole;
use clinicdesk_core::embedded::{self, Durability, EmbeddedCluster};
use clinicdesk_core::jobs::runner::{self, Runner};
use clinicdesk_core::jobs::JobContext;
use clinicdesk_core::services::auth::LoginThrottle;
use clinicdesk_core::services::auth::SignedIn;
use clinicdesk_core::target::DbTarget;
use clinicdesk_core::{paths, Error, Result};
use sqlx::PgPool;
use tokio::sync::{Mutex, RwLock};

pub struct AppState {
    pub config_path: PathBuf,
    target: RwLock<Option<DbTarget>>,
    start_lock: Mutex<()>,
    session: RwLock<Option<SignedIn>>,
    pub throttle: LoginThrottle,
    /// When the process started, to log how long the first screen took.
    pub started: std::time::Instant,
    first_screen_logged: std::sync::atomic::AtomicBool,
    /// Cancel flags of the exports running in this window.
    exports: std::sync::Mutex<HashMap<i64, Arc<AtomicBool>>>,
    /// The job scheduler, when this computer runs it (see `ensure_runner`).
    runner: Mutex<Option<(Runner, RunnerKind)>>,
    /// Held while this app drives the built-in cluster.
    instance_lock: std::sync::Mutex<Option<clinicdesk_core::instance::InstanceLock>>,
    /// The signed-in session's caches (cleared at every sign-in and sign-out).
    pub caches: Arc<Caches>,
}

/// Whose rights the scheduler runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerKind {
    /// The database owner's (embedded cluster, or an owner URL): runs whether or not anyone is signed in.
    Owner,
    /// The signed-in administrator's: stops at sign-out.
    Admin,
}

impl AppState {
    pub fn new() -> Self {
        AppState {
            config_path: paths::config_file(),
            target: RwLock::new(None),
            start_lock: Mutex::new(()),
            session: RwLock::new(None),
            throttle: LoginThrottle::default(),
            started: std::time::Instant::now(),
            first_screen_logged: AtomicBool::new(false),
            exports: std::sync::Mutex::new(HashMap::new()),
            runner: Mutex::new(None),
            instance_lock: std::sync::Mutex::new(None),
            caches: Caches::new(CacheTtls::default()),
        }
    }

    pub fn config(&self) -> Result<LocalConfig> {
        LocalConfig::load(&self.config_path)
    }

    /// The database target, starting the embedded cluster on first use. `CLINICDESK_DATABASE_URL` overrides.
    pub async fn target(&self) -> Result<DbTarget> {
        if let Some(t) = self.target.read().await.clone() {
            return Ok(t);
        }
        let _guard = self.start_lock.lock().await;
        if let Some(t) = self.target.read().await.clone() {
            return Ok(t);
        }
        let target = match std::env::var("CLINICDESK_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(url) => DbTarget::from_url(&url)?,
            None => match self.config()?.database {
                DatabaseConfig::Embedded => {
                    // one app per data dir, even without the single-instance plugin's D-Bus
                    self.hold_instance_lock()?;
                    let cluster = EmbeddedCluster::new(&paths::data_dir(), Durability::Durable)?;
                    cluster.start().await?;
                    cluster.ensure_database(embedded::DATABASE).await?;
                    DbTarget::Embedded {
                        cluster,
                        database: embedded::DATABASE.into(),
                    }
                }
                server => DbTarget::Server(server),
            },
        };
        *self.target.write().await = Some(target.clone());
        Ok(target)
    }

    /// Takes this data dir's instance lock once (kept until the process ends).
    fn hold_instance_lock(&self) -> Result<()> {
        let mut held = self.instance_lock.lock().expect("instance lock");
        if held.is_none() {
            *held = Some(clinicdesk_core::instance::InstanceLock::acquire(
                &paths::data_dir(),
            )?);
        }
        Ok(())
    }

    /// Forgets the current target (after the database choice changed); the next use connects anew.
    pub async fn reset_target(&self) {
        self.stop_runner(None).await;
        self.sign_out().await;
        if let Some(DbTarget::Embedded { cluster, .. }) = self.target.write().await.take() {
            if let Err(e) = cluster.stop().await {
                tracing::warn!(error = %e, "could not stop the embedded cluster");
            }
        }
    }

    pub async fn set_session(&self, signed_in: SignedIn) {
        self.caches.attach(signed_in.pool.clone());
        if let Some(old) = self.session.write().await.replace(signed_in) {
            old.pool.close().await;
        }
        self.ensure_runner().await;
    }

    /// Starts the job scheduler if this computer should run it and it is not running: with the owner's
    /// connection when there is one, else while an administrator is signed in. Reception and doctor sessions
    /// never run jobs (they hold neither the channel secrets nor the clinical aggregates the report needs).
    pub async fn ensure_runner(&self) {
        let mut slot = self.runner.lock().await;
        if slot.is_some() {
            return;
        }
        let owner = match self.target().await {
            Ok(t) => runner::owner_context(&t, owner_url().as_deref())
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = ?e, "jobs cannot use the owner's connection");
                    None
                }),
            Err(_) => None,
        };
        let (ctx, kind) = match owner {
            Some(ctx) => (ctx, RunnerKind::Owner),
            None => match self.session().await {
                Some(s) if s.session.role == StaffRole::Admin => {
                    (JobContext::new(s.pool), RunnerKind::Admin)
                }
                _ => return,
            },
        };
        match Runner::start(ctx).await {
            Ok(r) => *slot = Some((r, kind)),
            Err(e) => tracing::error!(error = ?e, "the job scheduler did not start"),
        }
    }

    /// This computer's owner connection to the database (and the URL it came from), when it has one.
    pub async fn owner(&self) -> Option<(DbTarget, Option<String>)> {
        let t = self.target().await.ok()?;
        t.owner_options().is_some().then(|| (t, owner_url()))
    }

    /// Who runs the jobs here, in a sentence for the Jobs screen, and whether it is running.
    pub async fn runner_status(&self) -> (String, bool) {
        match self.runner.lock().await.as_ref().map(|(_, k)| *k) {
            Some(RunnerKind::Owner) => ("This computer runs the jobs: it holds the clinic's database.".into(), true),
            Some(RunnerKind::Admin) => (
                "This computer runs the jobs while an administrator is signed in. For a clinic server, run `clinicctl agent` there so jobs run around the clock.".into(),
                true,
            ),
            None => (
                "This computer does not run the jobs. Run `clinicctl agent` on the clinic server, or keep an administrator signed in on one computer.".into(),
                false,
            ),
        }
    }

    async fn stop_runner(&self, only: Option<RunnerKind>) {
        let mut slot = self.runner.lock().await;
        if slot
            .as_ref()
            .is_some_and(|(_, k)| only.is_none_or(|o| o == *k))
        {
            if let Some((r, _)) = slot.take() {
                r.stop().await;
            }
        }
    }

    pub async fn session(&self) -> Option<SignedIn> {
        self.session.read().await.clone()
    }

    /// The signed-in person's connection pool.
    pub async fn pool(&self) -> Result<PgPool> {
        self.session
            .read()
            .await
            .as_ref()
            .map(|s| s.pool.clone())
            .ok_or_else(|| Error::Unauthenticated("Your session has ended. Sign in again.".into()))
    }

    pub async fn sign_out(&self) {
        self.stop_runner(Some(RunnerKind::Admin)).await;
        self.caches.detach();
        if let Some(s) = self.session.write().await.take() {
            s.pool.close().await;
        }
    }

    /// Logs, once, the time from process start to the first screen's data (the wizard or the sign-in screen).
    pub fn log_first_screen(&self, setup_required: bool) {
        if !self.first_screen_logged.swap(true, Ordering::Relaxed) {
            tracing::info!(
                elapsed_ms = self.started.elapsed().as_millis() as u64,
                setup_required,
                "first screen ready"
            );
        }
    }

    pub fn register_export(&self, id: i64) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        self.exports
            .lock()
            .expect("exports lock")
            .insert(id, flag.clone());
        flag
    }

    pub fn cancel_export(&self, id: i64) {
        if let Some(flag) = self.exports.lock().expect("exports lock").get(&id) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    pub fn finish_export(&self, id: i64) {
        self.exports.lock().expect("exports lock").remove(&id);
    }

    /// On exit: close connections and stop the embedded cluster cleanly (after a start in progress finishes, so a
    /// quit during startup does not leave the server running).
    pub async fn shutdown(&self) {
        self.stop_runner(None).await;
        self.sign_out().await;
        let _starting = self.start_lock.lock().await;
        if let Some(DbTarget::Embedded { cluster, .. }) = self.target.read().await.as_ref() {
            if let Err(e) = cluster.stop().await {
                tracing::warn!(error = %e, "embedded cluster did not stop cleanly");
            }
        }
    }
}

/// The owner URL this process was given (`CLINICDESK_DATABASE_URL`), which backups of a URL target need.
fn owner_url() -> Option<String> {
    std::env::var("CLINICDESK_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

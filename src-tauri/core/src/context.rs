//! The headless core context: which database this process uses (starting the built-in cluster when that is the
//! choice), who is signed in, that session's caches, and the policy for who runs the jobs. The desktop app holds
//! one per window; its commands take a [`Desk`] from it and call services. No Tauri here.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{Mutex, RwLock};

use crate::cache::{CacheTtls, Caches};
use crate::config::{DatabaseConfig, LocalConfig};
use crate::db::staff::StaffRole;
use crate::embedded::{self, Durability, EmbeddedCluster};
use crate::error::{Error, Result};
use crate::instance::InstanceLock;
use crate::jobs::runner::{self, Runner};
use crate::jobs::JobContext;
use crate::services::auth::{LoginThrottle, SignedIn};
use crate::target::DbTarget;

/// A signed-in person's way into the services: their connection pool and their session's caches. Services that
/// read cached data or change what is cached take a `Desk`, and invalidate what they change themselves. It
/// dereferences to the pool, so services that need only the pool take it too.
#[derive(Clone)]
pub struct Desk {
    pool: PgPool,
    caches: Arc<Caches>,
}

impl Desk {
    /// A desk with caches of its own (not listening for other PCs' writes): for tools and tests.
    pub fn new(pool: PgPool) -> Desk {
        Desk {
            pool,
            caches: Caches::new(CacheTtls::default()),
        }
    }

    pub fn with_caches(pool: PgPool, caches: Arc<Caches>) -> Desk {
        Desk { pool, caches }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn caches(&self) -> &Caches {
        &self.caches
    }
}

impl Deref for Desk {
    type Target = PgPool;

    fn deref(&self) -> &PgPool {
        &self.pool
    }
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").finish_non_exhaustive()
    }
}

/// Where this process's database is: the owner URL it was given, else the local configuration (the built-in
/// cluster in `data_dir`, started and given its database here, or a clinic server). The one start-up path of the
/// app and `clinicctl`.
pub async fn open_target(
    url: Option<&str>,
    database: &DatabaseConfig,
    data_dir: &Path,
) -> Result<DbTarget> {
    if let Some(url) = url.filter(|u| !u.is_empty()) {
        return DbTarget::from_url(url);
    }
    match database {
        DatabaseConfig::Embedded => {
            let cluster = EmbeddedCluster::new(data_dir, Durability::Durable)?;
            cluster.start().await?;
            cluster.ensure_database(embedded::DATABASE).await?;
            Ok(DbTarget::Embedded {
                cluster,
                database: embedded::DATABASE.into(),
            })
        }
        server => Ok(DbTarget::Server(server.clone())),
    }
}

/// Whose rights the scheduler runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerKind {
    /// The database owner's (embedded cluster, or an owner URL): runs whether or not anyone is signed in.
    Owner,
    /// The signed-in administrator's: stops at sign-out.
    Admin,
}

/// One process's view of the clinic: see the module comment.
pub struct Context {
    config_path: PathBuf,
    data_dir: PathBuf,
    /// The owner URL this process was given (`CLINICDESK_DATABASE_URL`), which overrides the configuration.
    owner_url: Option<String>,
    target: RwLock<Option<DbTarget>>,
    start_lock: Mutex<()>,
    session: RwLock<Option<SignedIn>>,
    pub throttle: LoginThrottle,
    /// The job scheduler, when this computer runs it (see `ensure_runner`).
    runner: Mutex<Option<(Runner, RunnerKind)>>,
    /// Held while this process drives the built-in cluster.
    instance_lock: std::sync::Mutex<Option<InstanceLock>>,
    /// The signed-in session's caches (cleared at every sign-in and sign-out).
    caches: Arc<Caches>,
}

impl Context {
    pub fn new(config_path: PathBuf, data_dir: PathBuf, owner_url: Option<String>) -> Context {
        Context {
            config_path,
            data_dir,
            owner_url: owner_url.filter(|u| !u.is_empty()),
            target: RwLock::new(None),
            start_lock: Mutex::new(()),
            session: RwLock::new(None),
            throttle: LoginThrottle::default(),
            runner: Mutex::new(None),
            instance_lock: std::sync::Mutex::new(None),
            caches: Caches::new(CacheTtls::default()),
        }
    }

    /// This computer's files and `CLINICDESK_DATABASE_URL`.
    pub fn from_environment() -> Context {
        Context::new(
            crate::paths::config_file(),
            crate::paths::data_dir(),
            std::env::var("CLINICDESK_DATABASE_URL").ok(),
        )
    }

    pub fn config(&self) -> Result<LocalConfig> {
        LocalConfig::load(&self.config_path)
    }

    /// The database target, starting the embedded cluster on first use.
    pub async fn target(&self) -> Result<DbTarget> {
        if let Some(t) = self.target.read().await.clone() {
            return Ok(t);
        }
        let _guard = self.start_lock.lock().await;
        if let Some(t) = self.target.read().await.clone() {
            return Ok(t);
        }
        let database = self.config()?.database;
        if self.owner_url.is_none() && database == DatabaseConfig::Embedded {
            // one process per data dir drives the cluster, even without the single-instance plugin's D-Bus
            self.hold_instance_lock()?;
        }
        let target = open_target(self.owner_url.as_deref(), &database, &self.data_dir).await?;
        *self.target.write().await = Some(target.clone());
        Ok(target)
    }

    fn hold_instance_lock(&self) -> Result<()> {
        let mut held = self.instance_lock.lock().expect("instance lock");
        if held.is_none() {
            *held = Some(InstanceLock::acquire(&self.data_dir)?);
        }
        Ok(())
    }

    /// Forgets the current target (after the database choice changed); the next use connects anew.
    async fn reset_target(&self) {
        self.stop_runner(None).await;
        self.sign_out().await;
        if let Some(DbTarget::Embedded { cluster, .. }) = self.target.write().await.take() {
            if let Err(e) = cluster.stop().await {
                tracing::warn!(error = %e, "could not stop the embedded cluster");
            }
        }
    }

    /// Changes this computer's database (administrators only, see `services::database::choose`); when the choice
    /// changed, signs out and forgets the old connection so the next sign-in uses the new one.
    pub async fn choose_database(
        &self,
        config: DatabaseConfig,
    ) -> Result<crate::services::database::DatabaseCheck> {
        let session = self.session().await;
        let (check, changed) =
            crate::services::database::choose(session.as_ref(), &self.config_path, config).await?;
        if changed {
            self.reset_target().await;
        }
        Ok(check)
    }

    /// What the first screen needs: is the clinic set up, which database, who is signed in.
    pub async fn status(&self, version: &str) -> Result<crate::services::setup::AppStatus> {
        let target = self.target().await?;
        Ok(crate::services::setup::AppStatus {
            setup_required: crate::services::setup::setup_required(&target, &crate::db::MIGRATOR)
                .await?,
            clinic_name: self.session().await.map(|s| s.session.clinic_name),
            database: self.config()?.database,
            database_label: target.label(),
            machine_time_zone: crate::services::settings::machine_time_zone(),
            version: version.into(),
        })
    }

    /// First-run setup on this context's database; then the jobs start here when this computer owns it.
    pub async fn complete_setup(
        &self,
        input: &crate::services::setup::SetupInput,
    ) -> Result<crate::services::setup::SetupOutcome> {
        let target = self.target().await?;
        let outcome =
            crate::services::setup::complete_setup(&target, &crate::db::MIGRATOR, input).await?;
        self.ensure_runner().await;
        Ok(outcome)
    }

    /// Signs in on this context: the new session replaces the old one, gets fresh caches and, for an
    /// administrator without an owner connection here, runs the jobs.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<crate::services::auth::Session> {
        let target = self.target().await?;
        let signed = crate::services::auth::sign_in(
            &target,
            &crate::db::MIGRATOR,
            &self.throttle,
            username,
            password,
        )
        .await?;
        let session = signed.session.clone();
        self.caches.attach(signed.pool.clone());
        if let Some(old) = self.session.write().await.replace(signed) {
            old.pool.close().await;
        }
        self.ensure_runner().await;
        Ok(session)
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
            Ok(t) => runner::owner_context(&t, self.owner_url.as_deref())
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
        t.owner_options()
            .is_some()
            .then(|| (t, self.owner_url.clone()))
    }

    /// Who runs the jobs here, in a sentence for the Jobs screen, and whether it is running.
    pub async fn runner_status(&self) -> (String, bool) {
        match self.runner.lock().await.as_ref().map(|(_, k)| *k) {
            Some(RunnerKind::Owner) => (crate::msg!(runner_owner), true),
            Some(RunnerKind::Admin) => (crate::msg!(runner_admin), true),
            None => (crate::msg!(runner_none), false),
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

    /// The Jobs screen's overview, saying who runs the jobs here.
    pub async fn jobs_overview(&self) -> Result<crate::services::jobs::JobsOverview> {
        let pool = self.pool().await?;
        let (runner, active) = self.runner_status().await;
        crate::services::jobs::overview(&pool, Some(runner), active).await
    }

    /// "Back up now": an administrator's request, run with this computer's owner connection to the built-in
    /// database (a clinic server is backed up on the server).
    pub async fn backup_now(&self) -> Result<crate::services::backups::BackupRun> {
        let signed = self
            .session()
            .await
            .ok_or_else(|| Error::Unauthenticated(crate::msg!(admin_sign_in_first)))?;
        if signed.session.role != StaffRole::Admin {
            return Err(Error::PermissionDenied(crate::msg!(backup_admin_only)));
        }
        let target = self.target().await?;
        crate::services::backups::run(
            &target,
            None,
            crate::services::backups::Trigger::Manual,
            None,
        )
        .await
    }

    /// Is the database answering? Brings the built-in server back first if it stopped; `true` when it had to (the
    /// UI then says the connection is back). The UI polls this with backoff while it shows "reconnecting…".
    pub async fn ping(&self) -> Result<bool> {
        use crate::services::connection;
        let target = self.target().await?;
        let restarted = connection::recover_embedded(&target).await?;
        match self.pool().await {
            Ok(pool) => connection::ping(&pool).await?,
            Err(_) => {
                // not signed in: reaching the server is enough
                if let Some(opts) = target.owner_options() {
                    crate::db::connect_one(&opts).await?;
                }
            }
        }
        Ok(restarted)
    }

    /// The signed-in person's session, or the sentence that says to sign in.
    pub async fn signed_in(&self) -> Result<SignedIn> {
        self.session()
            .await
            .ok_or_else(|| Error::Unauthenticated(crate::msg!(session_ended)))
    }

    /// Freed slots announced by the database from now on, for as long as someone is signed in (the window's
    /// "slot freed — N waiting").
    pub fn subscribe_freed_slots(
        &self,
    ) -> tokio::sync::broadcast::Receiver<crate::services::waitlist::FreedSlot> {
        self.caches.subscribe_freed()
    }

    /// The signed-in person's desk: their pool and their session's caches.
    pub async fn desk(&self) -> Result<Desk> {
        Ok(Desk::with_caches(
            self.signed_in().await?.pool,
            self.caches.clone(),
        ))
    }

    /// The signed-in person's connection pool.
    pub async fn pool(&self) -> Result<PgPool> {
        Ok(self.signed_in().await?.pool)
    }

    pub async fn sign_out(&self) {
        self.stop_runner(Some(RunnerKind::Admin)).await;
        self.caches.detach();
        if let Some(s) = self.session.write().await.take() {
            s.pool.close().await;
        }
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

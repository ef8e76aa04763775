//! The desktop app's state: which database it uses (starting the embedded cluster when that is the choice),
//! and who is signed in on this window.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clinicdesk_core::cache::{CacheTtls, Caches};
use clinicdesk_core::config::{DatabaseConfig, LocalConfig};
use clinicdesk_core::embedded::{self, Durability, EmbeddedCluster};
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
    /// The signed-in session's caches (cleared at every sign-in and sign-out).
    pub caches: Arc<Caches>,
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

    /// Forgets the current target (after the database choice changed); the next use connects anew.
    pub async fn reset_target(&self) {
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

    /// On exit: close connections and stop the embedded cluster cleanly.
    pub async fn shutdown(&self) {
        self.sign_out().await;
        if let Some(DbTarget::Embedded { cluster, .. }) = self.target.read().await.as_ref() {
            if let Err(e) = cluster.stop().await {
                tracing::warn!(error = %e, "embedded cluster did not stop cleanly");
            }
        }
    }
}

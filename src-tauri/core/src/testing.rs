//! Test support: one throwaway PostgreSQL cluster per test process, and a fresh database per test cloned from a
//! migrated template. Used by the core's integration tests and the app's tests.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::postgres::{PgConnectOptions, PgPool};
use tokio::sync::OnceCell;

use crate::db;
use crate::embedded::{Durability, EmbeddedCluster, OWNER_ROLE};
use crate::target::DbTarget;

/// A throwaway cluster living as long as the test process: an exit hook stops the server and removes its files.
pub struct TestCluster {
    pub cluster: EmbeddedCluster,
    _dir: tempfile::TempDir,
}

static CLUSTER: OnceCell<TestCluster> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);
const TEMPLATE: &str = "clinicdesk_template";

extern "C" fn stop_cluster_at_exit() {
    if let Some(c) = CLUSTER.get() {
        let pg = c.cluster.pg_dir();
        let bindir = crate::embedded::find_bindir().expect("bindir");
        let mut cmd = if nix::unistd::Uid::effective().is_root() {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=postgres", "--regid=postgres", "--init-groups"]).arg(bindir.join("pg_ctl"));
            c
        } else {
            std::process::Command::new(bindir.join("pg_ctl"))
        };
        let _ = cmd.args(["stop", "-m", "immediate", "-D"]).arg(pg).stdout(std::process::Stdio::null()).status();
        let _ = std::fs::remove_dir_all(c._dir.path());
    }
}

extern "C" {
    fn atexit(cb: extern "C" fn()) -> i32;
}

/// The process's throwaway cluster, started on first use, with a migrated template database.
pub async fn cluster() -> &'static TestCluster {
    CLUSTER
        .get_or_init(|| async {
            let dir = tempfile::Builder::new().prefix("clinicdesk-test-").tempdir().expect("temp dir");
            let cluster = EmbeddedCluster::new(dir.path(), Durability::Throwaway).expect("PostgreSQL server binaries");
            cluster.start().await.expect("start throwaway cluster");
            // SAFETY: registering a plain extern "C" function with the C runtime's atexit.
            unsafe { atexit(stop_cluster_at_exit) };
            cluster.ensure_database(TEMPLATE).await.expect("template db");
            let mut conn = db::connect_one(&cluster.owner_options(TEMPLATE)).await.expect("owner connection");
            db::migrate(&mut conn, &db::MIGRATOR).await.expect("migrate template");
            drop(conn);
            TestCluster { cluster, _dir: dir }
        })
        .await
}

/// A fresh database for one test.
pub struct TestDb {
    pub name: String,
    pub target: DbTarget,
}

impl TestDb {
    /// A new database cloned from the migrated template.
    pub async fn migrated() -> TestDb {
        Self::create(Some(TEMPLATE)).await
    }

    /// A new, empty database (no schema): for first-run and migration tests.
    pub async fn empty() -> TestDb {
        Self::create(None).await
    }

    async fn create(template: Option<&str>) -> TestDb {
        let c = cluster().await;
        let name = format!("t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        };
        let mut conn = db::connect_one(&c.cluster.owner_options("postgres")).await.expect("owner connection");
        // CREATE DATABASE ... TEMPLATE needs the template to have no other sessions: retry briefly.
        for attempt in 0.. {
            match sqlx::raw_sql(&sql).execute(&mut conn).await {
                Ok(_) => break,
                Err(e) if attempt < 50 => {
                    tracing::debug!(error = %e, "retrying create database");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        TestDb { target: DbTarget::Embedded { cluster: c.cluster.clone(), database: name.clone() }, name }
    }

    pub fn owner_options(&self) -> PgConnectOptions {
        self.target.owner_options().expect("embedded target has an owner")
    }

    /// A pool connected as the cluster's owner (superuser) to this database.
    pub async fn owner_pool(&self) -> PgPool {
        db::connect_pool(self.owner_options(), 4).await.expect("owner pool")
    }

    /// A pool of several connections for a new reception account (for racing desks).
    pub async fn pool_as_fresh_desk(&self) -> PgPool {
        use crate::services::staff;
        let owner = self.owner_pool().await;
        let username = unique_username("race");
        let pw = "violet-anchor-mango-29-tundra";
        staff::create(&owner, &staff::NewStaff { username: username.clone(), full_name: "Race Desk".into(), role: crate::db::staff::StaffRole::Reception, password: pw.into() })
            .await
            .expect("create desk account");
        owner.close().await;
        db::connect_pool(self.target.staff_options(&username, pw), 16).await.expect("desk pool")
    }

    /// A pool connected as a staff role with its password.
    pub async fn pool_as(&self, username: &str, password: &str) -> crate::Result<PgPool> {
        db::connect_pool(self.target.staff_options(username, password), 2).await
    }
}

/// Usernames are cluster-wide roles: make them unique per test.
pub fn unique_username(prefix: &str) -> String {
    format!("{prefix}{}x{}", std::process::id() % 100_000, COUNTER.fetch_add(1, Ordering::SeqCst))
}

pub const OWNER: &str = OWNER_ROLE;

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

/// Stops a cluster at once (`pg_ctl stop -m immediate`), synchronously: for exit hooks and `Drop`.
fn stop_immediately(cluster: &EmbeddedCluster) {
    let pg_ctl = cluster.bindir().join("pg_ctl");
    let mut cmd = if nix::unistd::Uid::effective().is_root() {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
            .arg(pg_ctl);
        c
    } else {
        std::process::Command::new(pg_ctl)
    };
    let _ = cmd
        .args(["stop", "-m", "immediate", "-D"])
        .arg(cluster.pg_dir())
        .stdout(std::process::Stdio::null())
        .status();
}

extern "C" fn stop_cluster_at_exit() {
    if let Some(c) = CLUSTER.get() {
        stop_immediately(&c.cluster);
        let _ = std::fs::remove_dir_all(c._dir.path());
    }
}

/// A migrated database in a cluster of its own, for tests that stop, kill or restart the server (the shared
/// cluster must stay up for every other test in the binary). Stopped and removed when dropped.
pub struct PrivateCluster {
    pub cluster: EmbeddedCluster,
    pub db: TestDb,
    _dir: tempfile::TempDir,
}

impl PrivateCluster {
    pub async fn start(durability: Durability) -> PrivateCluster {
        const DB: &str = "clinicdesk";
        let dir = tempfile::Builder::new()
            .prefix("clinicdesk-private-")
            .tempdir()
            .expect("temp dir");
        let cluster =
            EmbeddedCluster::new(dir.path(), durability).expect("PostgreSQL server binaries");
        cluster.start().await.expect("start private cluster");
        cluster.ensure_database(DB).await.expect("database");
        let mut conn = db::connect_one(&cluster.owner_options(DB))
            .await
            .expect("owner connection");
        db::migrate(&mut conn, &db::MIGRATOR)
            .await
            .expect("migrate");
        let db = TestDb {
            name: DB.into(),
            target: DbTarget::Embedded {
                cluster: cluster.clone(),
                database: DB.into(),
            },
        };
        PrivateCluster {
            cluster,
            db,
            _dir: dir,
        }
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        stop_immediately(&self.cluster);
    }
}

extern "C" {
    fn atexit(cb: extern "C" fn()) -> i32;
}

/// The process's throwaway cluster, started on first use, with a migrated template database.
pub async fn cluster() -> &'static TestCluster {
    CLUSTER
        .get_or_init(|| async {
            let dir = tempfile::Builder::new()
                .prefix("clinicdesk-test-")
                .tempdir()
                .expect("temp dir");
            let cluster = EmbeddedCluster::new(dir.path(), Durability::Throwaway)
                .expect("PostgreSQL server binaries");
            cluster.start().await.expect("start throwaway cluster");
            // SAFETY: registering a plain extern "C" function with the C runtime's atexit.
            unsafe { atexit(stop_cluster_at_exit) };
            cluster
                .ensure_database(TEMPLATE)
                .await
                .expect("template db");
            let mut conn = db::connect_one(&cluster.owner_options(TEMPLATE))
                .await
                .expect("owner connection");
            db::migrate(&mut conn, &db::MIGRATOR)
                .await
                .expect("migrate template");
            drop(conn);
            TestCluster { cluster, _dir: dir }
        })
        .await
}

/// A fresh database for one test.
#[derive(Clone)]
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
        let name = format!(
            "t_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        };
        let mut conn = db::connect_one(&c.cluster.owner_options("postgres"))
            .await
            .expect("owner connection");
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
        if template.is_some() {
            let mut db_conn = db::connect_one(&c.cluster.owner_options(&name))
                .await
                .expect("owner connection to the new database");
            db::secure_database(&mut db_conn)
                .await
                .expect("database grants");
        }
        TestDb {
            target: DbTarget::Embedded {
                cluster: c.cluster.clone(),
                database: name.clone(),
            },
            name,
        }
    }

    pub fn owner_options(&self) -> PgConnectOptions {
        self.target
            .owner_options()
            .expect("embedded target has an owner")
    }

    /// A pool connected as the cluster's owner (superuser) to this database.
    pub async fn owner_pool(&self) -> PgPool {
        db::connect_pool(self.owner_options(), 4)
            .await
            .expect("owner pool")
    }

    /// A pool of several connections for a new reception account (for racing desks).
    pub async fn pool_as_fresh_desk(&self) -> PgPool {
        use crate::services::staff;
        let owner = self.owner_pool().await;
        let username = unique_username("race");
        let pw = "violet-anchor-mango-29-tundra";
        staff::create(
            &owner,
            &staff::NewStaff {
                username: username.clone(),
                full_name: "Race Desk".into(),
                role: crate::db::staff::StaffRole::Reception,
                password: pw.into(),
            },
        )
        .await
        .expect("create desk account");
        owner.close().await;
        db::connect_pool(self.target.staff_options(&username, pw), 16)
            .await
            .expect("desk pool")
    }

    /// A pool connected as a staff role with its password.
    pub async fn pool_as(&self, username: &str, password: &str) -> crate::Result<PgPool> {
        db::connect_pool(self.target.staff_options(username, password), 2).await
    }
}

/// Usernames are cluster-wide roles: make them unique per test.
pub fn unique_username(prefix: &str) -> String {
    format!(
        "{prefix}{}x{}",
        std::process::id() % 100_000,
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

pub const OWNER: &str = OWNER_ROLE;

/// The password every test account uses.
pub const TEST_PASSWORD: &str = "violet-anchor-mango-29-tundra";

/// A set-up clinic in a fresh database: an administrator, a reception desk and one department.
pub struct Clinic {
    pub db: TestDb,
    /// The administrator's and the reception desk's sessions (each with caches of its own).
    pub admin: crate::context::Desk,
    pub desk: crate::context::Desk,
    pub department: i64,
}

impl Clinic {
    /// A clinic in time zone `tz` (cloned from the migrated template, set up as the wizard does).
    pub async fn new(tz: &str) -> Clinic {
        Self::set_up_in(TestDb::migrated().await, tz).await
    }

    /// The same clinic in a database of your own (e.g. in a durable cluster for crash tests); it must be migrated.
    pub async fn set_up_in(db: TestDb, tz: &str) -> Clinic {
        use crate::db::{departments::DepartmentInput, staff::StaffRole};
        use crate::services::{departments, setup, staff};
        let admin_user = unique_username("admin");
        let input = setup::SetupInput {
            clinic_name: "Riverside Clinic".into(),
            time_zone: tz.into(),
            admin_username: admin_user.clone(),
            admin_full_name: "Ada Admin".into(),
            admin_password: TEST_PASSWORD.into(),
            load_demo: false,
            locale: None,
        };
        setup::complete_setup(&db.target, &db::MIGRATOR, &input)
            .await
            .expect("setup");
        // The wizard takes the locale from the machine's LANG; tests use one fixed locale whatever the machine's.
        let owner = db.owner_pool().await;
        sqlx::query(
            "UPDATE settings SET language = 'en', date_format = 'dd/MM/yyyy', clock = '24h', first_day = 1",
        )
        .execute(&owner)
        .await
        .expect("test locale");
        owner.close().await;
        let admin = crate::context::Desk::new(
            db.pool_as(&admin_user, TEST_PASSWORD)
                .await
                .expect("admin signs in"),
        );
        let desk_user = unique_username("desk");
        let desk_input = staff::NewStaff {
            username: desk_user.clone(),
            full_name: "Front Desk".into(),
            role: StaffRole::Reception,
            password: TEST_PASSWORD.into(),
        };
        staff::create(&admin, &desk_input)
            .await
            .expect("desk account");
        let desk = crate::context::Desk::new(
            db.pool_as(&desk_user, TEST_PASSWORD)
                .await
                .expect("desk signs in"),
        );
        let department = departments::create(
            &admin,
            &DepartmentInput {
                name: "General Medicine".into(),
                description: String::new(),
            },
        )
        .await
        .expect("department")
        .id;
        Clinic {
            db,
            admin,
            desk,
            department,
        }
    }

    /// A doctor seeing patients every day 09:00–17:00 in 15-minute slots; with `login`, also a doctor staff
    /// account linked to it, whose session is returned.
    pub async fn doctor(&self, name: &str, login: bool) -> (i64, Option<crate::context::Desk>) {
        use crate::db::{availability::WeeklySession, doctors::DoctorInput, staff::StaffRole};
        use crate::services::{availability, doctors, staff};
        let username = login.then(|| unique_username("doc"));
        if let Some(u) = &username {
            let input = staff::NewStaff {
                username: u.clone(),
                full_name: name.into(),
                role: StaffRole::Doctor,
                password: TEST_PASSWORD.into(),
            };
            staff::create(&self.admin, &input)
                .await
                .expect("doctor account");
        }
        let input = DoctorInput {
            full_name: name.into(),
            department_id: self.department,
            qualification: "MBBS".into(),
            experience_years: 10,
            phone: None,
            email: None,
            consultation_fee_cents: 5000,
            slot_minutes: 15,
            staff_username: username.clone(),
        };
        let id = doctors::create(&self.admin, &input)
            .await
            .expect("doctor")
            .id;
        let t = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).expect("time");
        let week: Vec<WeeklySession> = (1..=7)
            .map(|wd| WeeklySession {
                weekday: wd,
                starts_at: t(9),
                ends_at: t(17),
            })
            .collect();
        availability::set_weekly(&self.admin, id, 15, &week)
            .await
            .expect("hours");
        let pool = match username {
            Some(u) => Some(crate::context::Desk::new(
                self.db
                    .pool_as(&u, TEST_PASSWORD)
                    .await
                    .expect("doctor signs in"),
            )),
            None => None,
        };
        (id, pool)
    }

    /// A registered patient who consents to SMS reminders.
    pub async fn patient(&self, name: &str) -> i64 {
        use crate::db::patients::{PatientInput, ReminderChannel, Sex};
        let input = PatientInput {
            full_name: name.into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1985, 6, 1).expect("date"),
            sex: Sex::Female,
            phone: Some("+44 7700 900123".into()),
            email: None,
            address: String::new(),
            emergency_contact: String::new(),
            preferred_channel: ReminderChannel::Sms,
            preferred_language: "en".into(),
            reminder_consent: true,
            opted_out: false,
            consent_method: Some(crate::db::patients::ConsentMethod::Desk),
        };
        crate::services::patients::register(&self.desk, &input)
            .await
            .expect("patient")
            .id
    }
}

/// A real SMTP server on loopback (python3-aiosmtpd) that keeps every message it accepts, for tests of the
/// email channel. Stopped when dropped.
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

/// One message as the SMTP server received it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ReceivedMail {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    /// The raw message (headers and MIME body).
    pub data: String,
}

impl SmtpSink {
    /// Starts the server; with `auth` ("user:pass") it requires that login.
    pub fn start(auth: Option<&str>) -> SmtpSink {
        use std::io::BufRead;
        let dir = tempfile::tempdir().expect("sink dir");
        let script = dir.path().join("smtp_sink.py");
        std::fs::write(&script, include_str!("testing_smtp_sink.py")).expect("write sink script");
        let mail = dir.path().join("mail");
        std::fs::create_dir(&mail).expect("mail dir");
        let port = free_port();
        let mut cmd = std::process::Command::new(system_python());
        cmd.arg(&script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--dir")
            .arg(&mail)
            .stdout(std::process::Stdio::piped());
        if let Some(a) = auth {
            cmd.arg("--auth").arg(a);
        }
        let mut child = cmd
            .spawn()
            .expect("python3 with aiosmtpd (apt install python3-aiosmtpd)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("sink output");
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        SmtpSink { port, dir, child }
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut files: Vec<(u64, std::path::PathBuf)> =
            std::fs::read_dir(self.dir.path().join("mail"))
                .expect("mail dir")
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".json")
                        .and_then(|n| n.parse().ok())
                        .map(|n| (n, e.path()))
                })
                .collect();
        files.sort();
        files
            .iter()
            .map(|(_, p)| {
                serde_json::from_slice(&std::fs::read(p).expect("read mail")).expect("mail json")
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The system's python3, which has the apt-installed aiosmtpd (a pyenv or venv python on PATH may not).
pub fn system_python() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// The command lines of the PostgreSQL processes started on `data_dir` (the postmaster names its `-D`): empty
/// when a test's server was stopped as it should be.
pub fn postgres_processes_of(data_dir: &std::path::Path) -> Vec<String> {
    let needle = data_dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains("postgres") && c.contains(&needle))
        .collect()
}

/// The desktop app the end-to-end tests drive: `CLINICDESK_E2E_APP`, else the `tauri build` binary that
/// `make app-debug` copies to `<target>/e2e-app/clinicdesk` (`cargo test` alone would rebuild a binary without
/// the bundled UI). `repo` is the workspace root.
pub fn e2e_app_binary(repo: &std::path::Path) -> std::path::PathBuf {
    let p = std::env::var_os("CLINICDESK_E2E_APP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| repo.join("target"));
            target.join("e2e-app/clinicdesk")
        });
    assert!(
        p.is_file(),
        "build the app first: `make app-debug` ({} is missing)",
        p.display()
    );
    p
}

//! What ClinicDesk leaves on disk and in its logs: a typed username is never logged or audited unless it is a staff
//! account, and the embedded cluster's files are private to their OS account whatever the umask.

use clinicdesk_core::context::Desk;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};

use clinicdesk_core::cache::{CacheTtls, Caches};
use clinicdesk_core::db;
use clinicdesk_core::embedded::{ClusterState, Durability, EmbeddedCluster};
use clinicdesk_core::services::{self, auth, setup};
use clinicdesk_core::testing::{postgres_processes_of, unique_username, TestDb};
use tracing_subscriber::fmt::format::FmtSpan;

const PW: &str = "violet-anchor-mango-29-tundra";

/// Everything the tracing subscriber writes, to read back in the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_failed_sign_in_logs_no_typed_text_except_a_known_staff_username() {
    let db = TestDb::migrated().await;
    let admin = unique_username("admin");
    setup::complete_setup(
        &db.target,
        &db::MIGRATOR,
        &setup::SetupInput {
            clinic_name: "Riverside Clinic".into(),
            time_zone: "Europe/London".into(),
            admin_username: admin.clone(),
            admin_full_name: "Ada Admin".into(),
            admin_password: PW.into(),
            load_demo: false,
            locale: None,
        },
    )
    .await
    .expect("setup");

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let throttle = auth::LoginThrottle::default();
    // a password typed into the username box (lower-cased by sign-in, so look for both spellings)
    let typed = "Hunter2-Correct-Horse";
    let err = auth::sign_in(
        &db.target,
        &db::MIGRATOR,
        &throttle,
        typed,
        "anything-at-all",
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "Username or password is incorrect.");
    // a known account with a wrong password: its username may be logged, the password never
    let wrong = "Wrong-Password-For-Admin-42";
    auth::sign_in(&db.target, &db::MIGRATOR, &throttle, &admin, wrong)
        .await
        .unwrap_err();
    let signed = auth::sign_in(&db.target, &db::MIGRATOR, &throttle, &admin, PW)
        .await
        .expect("right password signs in");

    let log = captured.text();
    assert!(
        !log.to_lowercase().contains(&typed.to_lowercase()),
        "the typed unknown username was logged:\n{log}"
    );
    assert!(
        !log.contains(wrong) && !log.contains(PW),
        "a password was logged:\n{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("sign-in failed") && l.contains(auth::UNKNOWN_ACCOUNT)),
        "the failure is logged as an unknown account:\n{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("sign-in failed") && l.contains(&admin)),
        "a known staff account's failure names it:\n{log}"
    );

    // the audit log has both failures, naming only the staff account, and never the typed text
    let owner = db.owner_pool().await;
    let rows: Vec<String> = sqlx::query_scalar("SELECT to_jsonb(a)::text FROM audit_log a")
        .fetch_all(&owner)
        .await
        .unwrap();
    assert!(
        rows.iter()
            .all(|r| !r.to_lowercase().contains(&typed.to_lowercase()) && !r.contains(wrong)),
        "{rows:?}"
    );
    let failed: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT row_id, details->>'account' FROM audit_log WHERE action = 'sign_in_failed' ORDER BY id",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0], (None, auth::UNKNOWN_ACCOUNT.to_string()));
    assert_eq!(failed[1].1, admin);
    assert!(failed[1].0.is_some(), "the known account's staff id");
    assert!(
        rows.iter().any(|r| r.contains("\"sign_in\"")),
        "the good sign-in is audited"
    );

    // nor does the admin's Diagnostics screen show it (it shows no server log at all)
    let caches = Caches::new(CacheTtls::default());
    let diagnostics =
        services::diagnostics::collect(&Desk::with_caches(signed.pool.clone(), caches), "test")
            .await
            .expect("diagnostics");
    let shown = serde_json::to_string(&diagnostics).unwrap();
    assert!(
        !shown.to_lowercase().contains(&typed.to_lowercase()),
        "{shown}"
    );
    assert!(!shown.contains("server.log"), "{shown}");
    signed.pool.close().await;
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_embedded_clusters_files_are_private_whatever_the_umask_and_stop_leaves_no_server() {
    // a permissive umask, as a desktop session may have: the files must be private anyway
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o002));
    let parent = tempfile::tempdir().unwrap();
    std::fs::set_permissions(parent.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = parent.path().join("data");
    let cluster = EmbeddedCluster::new(&root, Durability::Throwaway).expect("server binaries");
    let started = cluster.start().await;
    nix::sys::stat::umask(old);
    started.expect("cluster starts");

    let root_mode = mode(&root);
    if nix::unistd::Uid::effective().is_root() {
        // the server account may walk through, nobody else may do anything
        assert_eq!(root_mode, 0o710, "data dir as root");
        let gid = std::os::unix::fs::MetadataExt::gid(&std::fs::metadata(&root).unwrap());
        let postgres = nix::unistd::Group::from_name("postgres").unwrap().unwrap();
        assert_eq!(
            gid,
            postgres.gid.as_raw(),
            "the data dir's group is postgres"
        );
    } else {
        assert_eq!(root_mode, 0o700, "data dir");
    }
    assert_eq!(mode(&cluster.pg_dir()), 0o700, "server dir");
    assert_eq!(mode(&cluster.socket_dir()), 0o700, "socket dir");
    assert_eq!(mode(&cluster.server_log()), 0o600, "PostgreSQL's own log");

    // a failed sign-in is written to the server log with the typed name: the file stays private
    let _ = sqlx::postgres::PgPoolOptions::new()
        .connect_with(
            cluster
                .connect_options("postgres", "typed_secret_name")
                .password("x"),
        )
        .await;
    assert_eq!(mode(&cluster.server_log()), 0o600, "PostgreSQL's own log");

    assert!(!postgres_processes_of(&root).is_empty(), "the server runs");
    cluster.stop().await.expect("clean stop");
    assert_eq!(cluster.state().await.unwrap(), ClusterState::Stopped);
    assert!(
        postgres_processes_of(&root).is_empty(),
        "no server process is left: {:?}",
        postgres_processes_of(&root)
    );
}

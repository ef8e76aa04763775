//! kill -9 at known points, then restart: a real child process (this test binary re-run in "child" mode) books
//! or exports and is killed exactly at a crash point (`CLINICDESK_CRASH_AT`); the database server is killed with
//! it (power-loss style). After restart the built-in cluster comes back, no booking is lost or duplicated (a
//! retry with the same idempotency key finds the first), and no partial export file exists at the target.
//! The same for the outbox: a dispatcher killed after the gateway accepted a message, before marking it sent.

use clinicdesk_core::context::Desk;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use chrono::{Duration, NaiveTime, Utc};
use clinicdesk_core::embedded::{ClusterState, Durability, EmbeddedCluster};
use clinicdesk_core::export::{self, ExportControl, ExportRequest, ExportScope};
use clinicdesk_core::services::{scheduling as appointments, staff};
use clinicdesk_core::target::DbTarget;
use clinicdesk_core::testing::{unique_username, Clinic, PrivateCluster, TEST_PASSWORD};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const KEYS: usize = 4;

fn key(prefix: &str, i: usize) -> String {
    format!("{prefix}-0000-4000-8000-{i:012}")
}

/// Runs in the child process: books KEYS appointments with keys, printing each one it got an answer for; the
/// crash point is armed before the last one.
#[tokio::test]
#[ignore = "runs only as the child of the kill -9 test"]
async fn child() {
    let Ok(mode) = std::env::var("CRASH_CHILD") else {
        return;
    };
    let root = PathBuf::from(std::env::var("CRASH_ROOT").unwrap());
    let cluster = EmbeddedCluster::new(&root, Durability::Durable).unwrap();
    let target = DbTarget::Embedded {
        cluster,
        database: std::env::var("CRASH_DB").unwrap(),
    };
    let user = std::env::var("CRASH_USER").unwrap();
    let pool = clinicdesk_core::db::connect_pool(target.staff_options(&user, TEST_PASSWORD), 2)
        .await
        .unwrap();
    let point = std::env::var("CRASH_POINT").unwrap();
    match mode.as_str() {
        "book" => {
            let prefix = std::env::var("CRASH_PREFIX").unwrap();
            let doctor: i64 = std::env::var("CRASH_DOCTOR").unwrap().parse().unwrap();
            let patients: Vec<i64> = std::env::var("CRASH_PATIENTS")
                .unwrap()
                .split(',')
                .map(|p| p.parse().unwrap())
                .collect();
            let base: usize = std::env::var("CRASH_BASE").unwrap().parse().unwrap();
            for i in 0..KEYS {
                if i == KEYS - 1 {
                    std::env::set_var("CLINICDESK_CRASH_AT", &point);
                }
                let a = appointments::book_idempotent(
                    &Desk::new(pool.clone()),
                    &key(&prefix, i),
                    doctor,
                    patients[i],
                    slot(base + i),
                )
                .await
                .unwrap();
                println!("BOOKED {} {}", key(&prefix, i), a.id);
            }
        }
        "export" => {
            std::env::set_var("CLINICDESK_CRASH_AT", &point);
            let out = PathBuf::from(std::env::var("CRASH_OUT").unwrap());
            let patient: i64 = std::env::var("CRASH_PATIENT").unwrap().parse().unwrap();
            let started = export::start(
                &pool,
                ExportRequest {
                    scope: ExportScope::PatientHistory {
                        patient_id: patient,
                    },
                    path: out,
                    bom: false,
                },
            )
            .await
            .unwrap();
            export::run(&pool, &started, &ExportControl::default())
                .await
                .unwrap();
            println!("EXPORTED");
        }
        "dispatch" => {
            std::env::set_var("CLINICDESK_CRASH_AT", &point);
            clinicdesk_core::jobs::dispatcher::dispatch(&pool, "crashing-pc", 5)
                .await
                .unwrap();
            println!("DISPATCHED");
        }
        _ => unreachable!(),
    }
}

fn slot(i: usize) -> chrono::DateTime<Utc> {
    (Utc::now() + Duration::days(4))
        .date_naive()
        .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap())
        .and_utc()
        + Duration::minutes(15 * i as i64)
}

/// Spawns the child and waits until it stands at its crash point; returns it and what it printed on stdout.
fn spawn_until_crash_point(envs: &[(&str, String)]) -> (Child, Vec<String>) {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args([
        "--exact",
        "crash::child",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut reached = false;
    let mut seen = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        if line.starts_with("CRASH-POINT") {
            reached = true;
            break;
        }
        if seen.len() < 4 {
            seen.push(line);
        }
    }
    assert!(reached, "the child never reached its crash point: {seen:?}");
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).unwrap();
    let _ = child.wait();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let lines = stdout
        .lines()
        .map_while(Result::ok)
        // the harness prints "test child ... " before the first line of output
        .filter_map(|l| {
            let at = l.find("BOOKED").or_else(|| l.find("EXPORTED"))?;
            Some(l[at..].to_string())
        })
        .collect();
    (child, lines)
}

/// Power-loss style: the server dies with the app. Then the app's start path brings it back.
async fn kill_server_and_restart(c: &EmbeddedCluster) {
    let pid = c.postmaster_pid().expect("server running");
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    for _ in 0..100 {
        if c.state().await.unwrap() != ClusterState::Running {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // orphaned backends notice the postmaster's death and exit; until then the shared memory is busy
    let mut last = None;
    for _ in 0..40 {
        match c.start().await {
            Ok(()) => return,
            Err(e) => last = Some(e),
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    panic!("the cluster did not come back: {last:?}");
}

fn root_of(c: &EmbeddedCluster) -> String {
    c.pg_dir().parent().unwrap().display().to_string()
}

#[tokio::test]
async fn kill_9_during_booking_export_or_dispatch_loses_nothing_and_doubles_no_booking() {
    if std::env::var("CRASH_CHILD").is_ok() {
        return;
    }
    // a durable cluster like the app's (synchronous commit): a throwaway one may lose answered commits on kill -9
    let private = PrivateCluster::start(Durability::Durable).await;
    let c = private.cluster.clone();
    let clinic = Clinic::set_up_in(private.db.clone(), "Europe/London").await;
    let (doctor, doctor_pool) = clinic.doctor("Dr. Aiko Tanaka", true).await;
    let desk_user = unique_username("crash");
    staff::create(
        &clinic.admin,
        &staff::NewStaff {
            username: desk_user.clone(),
            full_name: "Crash Desk".into(),
            role: clinicdesk_core::db::staff::StaffRole::Reception,
            password: TEST_PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    let mut patients = Vec::new();
    for i in 0..(2 * KEYS) {
        patients.push(clinic.patient(&format!("Patient {i}")).await);
    }
    let db_name = clinic.db.name.clone();
    let base = |mode: &str, point: &str| {
        vec![
            ("CRASH_CHILD", mode.to_string()),
            ("CRASH_ROOT", root_of(&c)),
            ("CRASH_DB", db_name.clone()),
            ("CRASH_USER", desk_user.clone()),
            ("CRASH_POINT", point.to_string()),
            ("CRASH_DOCTOR", doctor.to_string()),
        ]
    };
    drop(doctor_pool);
    clinic.admin.close().await;
    clinic.desk.close().await;

    // 1. killed before COMMIT of the last booking, and 2. killed after its COMMIT, before the answer
    for (round, point) in ["booking_commit", "booking_committed"].iter().enumerate() {
        let prefix = format!("{:08x}-{round:04}", 0xc0ffee);
        let ps: Vec<String> = patients[round * KEYS..(round + 1) * KEYS]
            .iter()
            .map(|p| p.to_string())
            .collect();
        let mut env = base("book", point);
        env.push(("CRASH_PREFIX", prefix.clone()));
        env.push(("CRASH_PATIENTS", ps.join(",")));
        env.push(("CRASH_BASE", (round * KEYS).to_string()));
        let (_, lines) = spawn_until_crash_point(&env);
        assert_eq!(lines.len(), KEYS - 1, "answers before the kill: {lines:?}");
        kill_server_and_restart(&c).await;

        let owner = clinic.db.owner_pool().await;
        for line in &lines {
            let mut parts = line.split_whitespace().skip(1);
            let (k, id): (&str, i64) = (
                parts.next().unwrap(),
                parts.next().unwrap().parse().unwrap(),
            );
            let stored: i64 =
                sqlx::query_scalar("SELECT appointment_id FROM request_keys WHERE key = $1")
                    .bind(k)
                    .fetch_one(&owner)
                    .await
                    .unwrap();
            assert_eq!(stored, id, "an answered booking is in the database");
        }
        let last_key = key(&prefix, KEYS - 1);
        let in_db: i64 = sqlx::query_scalar("SELECT count(*) FROM request_keys WHERE key = $1")
            .bind(&last_key)
            .fetch_one(&owner)
            .await
            .unwrap();
        assert_eq!(in_db, if round == 0 { 0 } else { 1 }, "{point}");

        // the desk retries the unanswered booking with its key: exactly one appointment either way
        let desk = Desk::new(clinic.db.pool_as(&desk_user, TEST_PASSWORD).await.unwrap());
        let p = patients[round * KEYS + KEYS - 1];
        let a = appointments::book_idempotent(
            &desk,
            &last_key,
            doctor,
            p,
            slot(round * KEYS + KEYS - 1),
        )
        .await
        .unwrap();
        let b = appointments::book_idempotent(
            &desk,
            &last_key,
            doctor,
            p,
            slot(round * KEYS + KEYS - 1),
        )
        .await
        .unwrap();
        assert_eq!(a.id, b.id);
        let per_patient: i64 =
            sqlx::query_scalar("SELECT count(*) FROM appointments WHERE patient_id = ANY($1)")
                .bind(&patients[round * KEYS..(round + 1) * KEYS])
                .fetch_one(&owner)
                .await
                .unwrap();
        assert_eq!(
            per_patient, KEYS as i64,
            "no booking lost or duplicated ({point})"
        );
        desk.close().await;
        owner.close().await;
    }

    // 3. killed while the export file is being written: nothing at the target; a rerun writes it whole
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("history.csv");
    // doctors and admins export; make the crash desk's twin an admin account for this
    let admin_user = unique_username("crashadm");
    {
        let admin = clinic.db.owner_pool().await;
        staff::create(
            &admin,
            &staff::NewStaff {
                username: admin_user.clone(),
                full_name: "Crash Admin".into(),
                role: clinicdesk_core::db::staff::StaffRole::Admin,
                password: TEST_PASSWORD.into(),
            },
        )
        .await
        .unwrap();
        admin.close().await;
    }
    let mut env = base("export", "export_write");
    env.retain(|(k, _)| *k != "CRASH_USER");
    env.push(("CRASH_USER", admin_user.clone()));
    env.push(("CRASH_OUT", out.display().to_string()));
    env.push(("CRASH_PATIENT", patients[0].to_string()));
    let (_, lines) = spawn_until_crash_point(&env);
    assert!(lines.is_empty());
    kill_server_and_restart(&c).await;
    assert!(!out.exists(), "no partial file under the chosen name");
    let admin = clinic.db.pool_as(&admin_user, TEST_PASSWORD).await.unwrap();
    let started = export::start(
        &admin,
        ExportRequest {
            scope: ExportScope::PatientHistory {
                patient_id: patients[0],
            },
            path: out.clone(),
            bom: false,
        },
    )
    .await
    .unwrap();
    let outcome = export::run(&admin, &started, &ExportControl::default())
        .await
        .unwrap();
    assert_eq!(outcome.status, export::ExportStatus::Done);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("Patient ID,"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(leftovers.iter().any(|n| n == "history.csv"));
    assert!(Path::new(&out).is_file());

    // 4. killed while sending the outbox (a message accepted by the gateway, not yet marked sent): after the lease
    // expires another dispatcher takes the batch over; every message ends sent, none is lost, and only what was
    // in flight at the kill can go out twice (delivery is at least once, docs/jobs.md)
    let gateway = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&gateway)
        .await;
    sqlx::query("UPDATE channel_settings SET sms_provider = 'json', sms_url = $1")
        .bind(format!("{}/sms", gateway.uri()))
        .execute(&admin)
        .await
        .unwrap();
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE status = 'pending'")
            .fetch_one(&admin)
            .await
            .unwrap();
    assert!(
        queued >= 2 * KEYS as i64,
        "the bookings' confirmations wait in the outbox ({queued})"
    );
    let mut env = base("dispatch", "dispatch_sent");
    env.retain(|(k, _)| *k != "CRASH_USER");
    env.push(("CRASH_USER", admin_user.clone()));
    spawn_until_crash_point(&env);
    kill_server_and_restart(&c).await;
    let before_takeover = gateway.received_requests().await.unwrap().len() as i64;
    assert!(before_takeover >= 1);
    // two minutes later (the lease), on another PC
    let owner = clinic.db.owner_pool().await;
    sqlx::query("UPDATE notifications SET claimed_until = now() - interval '1 second' WHERE status = 'sending'")
        .execute(&owner)
        .await
        .unwrap();
    let admin = clinic.db.pool_as(&admin_user, TEST_PASSWORD).await.unwrap();
    clinicdesk_core::jobs::dispatcher::dispatch(&admin, "other-pc", 5)
        .await
        .unwrap();
    let (sent, other): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status <> 'sent') FROM notifications",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(
        (sent, other),
        (queued, 0),
        "every message ends sent, none lost"
    );
    let bodies: Vec<String> = gateway
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    let distinct: std::collections::HashSet<&String> = bodies.iter().collect();
    assert_eq!(
        distinct.len() as i64,
        queued,
        "each message reached the gateway"
    );
    let resent = bodies.len() as i64 - queued;
    assert!(
        resent <= before_takeover
            && resent <= clinicdesk_core::jobs::dispatcher::CONCURRENCY as i64,
        "only messages in flight at the kill went twice ({resent})"
    );
    owner.close().await;
}

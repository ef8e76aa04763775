//! Foundation behaviour against a real PostgreSQL: first-run setup, sign-in, the permission matrix (connecting as
//! each role and trying), audit rows, the embedded cluster's lifecycle and migration gating.

use clinicdesk_core::context::Desk;
use clinicdesk_core::db::{self, departments::DepartmentInput, staff::StaffRole};
use clinicdesk_core::embedded::{ClusterState, Durability, EmbeddedCluster};
use clinicdesk_core::services::{auth, departments, setup, staff};
use clinicdesk_core::testing::{unique_username, TestDb};
use clinicdesk_core::Error;
use sqlx::PgPool;

const PW: &str = "violet-anchor-mango-29-tundra";

fn setup_input(admin: &str) -> setup::SetupInput {
    setup::SetupInput {
        clinic_name: "Riverside Clinic".into(),
        time_zone: "Europe/London".into(),
        admin_username: admin.into(),
        admin_full_name: "Ada Admin".into(),
        admin_password: PW.into(),
        load_demo: false,
        locale: None,
    }
}

/// A set-up clinic with an admin, and the admin's pool.
async fn clinic() -> (TestDb, String, PgPool) {
    let db = TestDb::migrated().await;
    let admin = unique_username("admin");
    setup::complete_setup(&db.target, &db::MIGRATOR, &setup_input(&admin))
        .await
        .expect("setup");
    let pool = db.pool_as(&admin, PW).await.expect("admin signs in");
    (db, admin, pool)
}

async fn add_staff(pool: &PgPool, role: StaffRole) -> String {
    let username = unique_username(role.as_str());
    staff::create(
        pool,
        &staff::NewStaff {
            username: username.clone(),
            full_name: format!("{role:?} Person"),
            role,
            password: PW.into(),
        },
    )
    .await
    .expect("create staff");
    username
}

fn sqlstate(e: sqlx::Error) -> String {
    e.as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.to_string())
        .unwrap_or_else(|| format!("{e}"))
}

#[tokio::test]
async fn first_run_setup_creates_clinic_and_admin_once() {
    let db = TestDb::empty().await;
    assert!(setup::setup_required(&db.target, &db::MIGRATOR)
        .await
        .unwrap());
    let admin = unique_username("admin");
    let out = setup::complete_setup(&db.target, &db::MIGRATOR, &setup_input(&admin))
        .await
        .unwrap();
    assert!(out.demo_logins.is_empty());
    assert!(!setup::setup_required(&db.target, &db::MIGRATOR)
        .await
        .unwrap());

    let throttle = auth::LoginThrottle::default();
    let signed = auth::sign_in(&db.target, &db::MIGRATOR, &throttle, &admin, PW)
        .await
        .unwrap();
    assert_eq!(signed.session.role, StaffRole::Admin);
    assert_eq!(signed.session.clinic_name, "Riverside Clinic");
    assert_eq!(signed.session.idle_lock_minutes, 10);

    let again = setup::complete_setup(
        &db.target,
        &db::MIGRATOR,
        &setup_input(&unique_username("admin")),
    )
    .await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
}

#[tokio::test]
async fn setup_refuses_bad_input_field_by_field_and_writes_nothing() {
    let db = TestDb::empty().await;
    let admin = unique_username("admin");
    let cases: Vec<(&str, Box<dyn Fn(&mut setup::SetupInput)>)> = vec![
        ("clinic_name", Box::new(|i| i.clinic_name = "   ".into())),
        (
            "time_zone",
            Box::new(|i| i.time_zone = "Mars/Olympus".into()),
        ),
        (
            "admin_username",
            Box::new(|i| i.admin_username = "Pg_Admin".into()),
        ),
        (
            "admin_full_name",
            Box::new(|i| i.admin_full_name = "x".repeat(121)),
        ),
        (
            "admin_password",
            Box::new(|i| i.admin_password = "password123".into()),
        ),
        (
            "language",
            Box::new(|i| i.locale = Some(locale("fr", "dd/MM/yyyy", "24h", 1))),
        ),
        (
            "date_format",
            Box::new(|i| i.locale = Some(locale("es", "yyyy/dd/MM", "24h", 1))),
        ),
        (
            "clock",
            Box::new(|i| i.locale = Some(locale("es", "dd/MM/yyyy", "13h", 1))),
        ),
        (
            "first_day",
            Box::new(|i| i.locale = Some(locale("es", "dd/MM/yyyy", "24h", 3))),
        ),
    ];
    for (field, spoil) in cases {
        let mut input = setup_input(&admin);
        spoil(&mut input);
        match setup::complete_setup(&db.target, &db::MIGRATOR, &input).await {
            Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected a validation error, got {other:?}"),
        }
    }
    assert!(
        setup::setup_required(&db.target, &db::MIGRATOR)
            .await
            .unwrap(),
        "nothing was half-written"
    );
}

fn locale(language: &str, date_format: &str, clock: &str, first_day: i32) -> setup::SetupLocale {
    setup::SetupLocale {
        language: language.into(),
        date_format: date_format.into(),
        clock: clock.into(),
        first_day,
    }
}

#[tokio::test]
async fn the_wizard_keeps_the_locale_chosen_in_it() {
    let db = TestDb::empty().await;
    let mut input = setup_input(&unique_username("admin"));
    input.locale = Some(locale("es", "dd.MM.yyyy", "24h", 6));
    setup::complete_setup(&db.target, &db::MIGRATOR, &input)
        .await
        .expect("setup");
    let owner = db.owner_pool().await;
    let s = db::settings::get(&mut *owner.acquire().await.unwrap())
        .await
        .unwrap()
        .expect("settings written");
    assert_eq!(
        (
            s.language.as_str(),
            s.date_format.as_str(),
            s.clock.as_str(),
            s.first_day
        ),
        ("es", "dd.MM.yyyy", "24h", 6)
    );
}

#[tokio::test]
async fn demo_clinic_from_the_wizard_has_working_logins() {
    let db = TestDb::empty().await;
    let mut input = setup_input(&unique_username("admin"));
    input.load_demo = true;
    // the demo's fixed usernames are cluster-wide roles: another test process may own them, so use a fresh cluster
    let dir = tempfile::tempdir().unwrap();
    let own = EmbeddedCluster::new(dir.path(), Durability::Throwaway).unwrap();
    own.start().await.unwrap();
    own.ensure_database("clinicdesk").await.unwrap();
    let target = clinicdesk_core::target::DbTarget::Embedded {
        cluster: own.clone(),
        database: "clinicdesk".into(),
    };
    let out = setup::complete_setup(&target, &db::MIGRATOR, &input)
        .await
        .unwrap();
    let doctor = out
        .demo_logins
        .iter()
        .find(|l| l.role == StaffRole::Doctor)
        .expect("a demo doctor");
    let signed = auth::sign_in(
        &target,
        &db::MIGRATOR,
        &auth::LoginThrottle::default(),
        &doctor.username,
        &doctor.password,
    )
    .await
    .unwrap();
    assert_eq!(signed.session.role, StaffRole::Doctor);
    let appts: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments")
        .fetch_one(&signed.pool)
        .await
        .unwrap();
    assert!(appts > 50, "demo clinic has appointments ({appts})");
    signed.pool.close().await;
    own.stop().await.unwrap();
    drop(db);
}

#[tokio::test]
async fn sign_in_failures_do_not_reveal_whether_the_user_exists() {
    let (db, admin, admin_pool) = clinic().await;
    let throttle = auth::LoginThrottle::default();
    let wrong_pw = auth::sign_in(
        &db.target,
        &db::MIGRATOR,
        &throttle,
        &admin,
        "not-the-password",
    )
    .await
    .unwrap_err();
    let no_user = auth::sign_in(
        &db.target,
        &db::MIGRATOR,
        &throttle,
        "nobody_here",
        "whatever-it-is",
    )
    .await
    .unwrap_err();
    assert!(matches!(wrong_pw, Error::Unauthenticated(_)));
    assert_eq!(wrong_pw.to_string(), no_user.to_string());
    assert_eq!(wrong_pw.to_string(), "Username or password is incorrect.");

    // a deactivated account cannot sign in, with the same sentence
    let rec = add_staff(&admin_pool, StaffRole::Reception).await;
    staff::set_active(&admin_pool, &rec, false).await.unwrap();
    let inactive = auth::sign_in(&db.target, &db::MIGRATOR, &throttle, &rec, PW)
        .await
        .unwrap_err();
    assert_eq!(inactive.to_string(), "Username or password is incorrect.");
    staff::set_active(&admin_pool, &rec, true).await.unwrap();
    let back = auth::sign_in(&db.target, &db::MIGRATOR, &throttle, &rec, PW)
        .await
        .unwrap();
    assert_eq!(back.session.role, StaffRole::Reception);
}

#[tokio::test]
async fn repeated_failures_are_slowed() {
    let (db, admin, _pool) = clinic().await;
    let throttle = auth::LoginThrottle::default();
    for _ in 0..auth::FREE_FAILURES {
        let _ = auth::sign_in(
            &db.target,
            &db::MIGRATOR,
            &throttle,
            &admin,
            "wrong-password-1",
        )
        .await;
    }
    let started = std::time::Instant::now();
    let _ = auth::sign_in(
        &db.target,
        &db::MIGRATOR,
        &throttle,
        &admin,
        "wrong-password-1",
    )
    .await;
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "sixth failure waited {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn staff_management_rules() {
    let (db, admin, admin_pool) = clinic().await;
    let rec = add_staff(&admin_pool, StaffRole::Reception).await;

    let dup = staff::create(
        &admin_pool,
        &staff::NewStaff {
            username: rec.clone(),
            full_name: "Twin".into(),
            role: StaffRole::Doctor,
            password: PW.into(),
        },
    )
    .await;
    assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
    let weak = staff::create(
        &admin_pool,
        &staff::NewStaff {
            username: unique_username("weak"),
            full_name: "W".into(),
            role: StaffRole::Doctor,
            password: "12345678901".into(),
        },
    )
    .await;
    assert!(
        matches!(&weak, Err(Error::Validation { field, .. }) if field == "password"),
        "{weak:?}"
    );

    let me = staff::set_active(&admin_pool, &admin, false)
        .await
        .unwrap_err();
    assert!(matches!(&me, Error::Validation { .. }), "{me:?}");
    assert_eq!(me.to_string(), "You cannot deactivate your own account.");

    // reset password: old stops working, new works
    let new_pw = "saffron-kettle-orbit-71-quay";
    staff::reset_password(&admin_pool, &rec, new_pw)
        .await
        .unwrap();
    assert!(matches!(
        db.pool_as(&rec, PW).await,
        Err(Error::Unauthenticated(_))
    ));
    let rec_pool = db.pool_as(&rec, new_pw).await.unwrap();

    // reception cannot create staff or reset someone else's password
    let denied = staff::create(
        &rec_pool,
        &staff::NewStaff {
            username: unique_username("sneaky"),
            full_name: "S".into(),
            role: StaffRole::Admin,
            password: PW.into(),
        },
    )
    .await;
    assert!(
        matches!(denied, Err(Error::PermissionDenied(_))),
        "{denied:?}"
    );
    let denied = staff::reset_password(&rec_pool, &admin, "gravel-otter-pencil-33-moon").await;
    assert!(
        matches!(denied, Err(Error::PermissionDenied(_))),
        "{denied:?}"
    );
}

#[tokio::test]
async fn departments_cannot_be_deleted_while_they_have_doctors() {
    let (_db, _admin, pool) = clinic().await;
    let pool = Desk::new(pool);
    let d = departments::create(
        &pool,
        &DepartmentInput {
            name: " Cardiology ".into(),
            description: "Hearts".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(d.name, "Cardiology");
    let dup = departments::create(
        &pool,
        &DepartmentInput {
            name: "cardiology".into(),
            description: String::new(),
        },
    )
    .await;
    assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
    sqlx::query(
        "INSERT INTO doctors (department_id, full_name) VALUES ($1, 'Dr. Rao'), ($1, 'Dr. Okafor')",
    )
    .bind(d.id)
    .execute(pool.pool())
    .await
    .unwrap();
    let refused = departments::delete(&pool, d.id).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "Cardiology still has 2 doctors. Move them to another department first."
    );
    let empty = departments::create(
        &pool,
        &DepartmentInput {
            name: "ENT".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    departments::delete(&pool, empty.id).await.unwrap();
    assert_eq!(departments::list(&pool).await.unwrap().len(), 1);
}

/// What each role may do, tried as that role over its own connection. Each row: role, SQL, allowed?
#[tokio::test]
async fn permission_matrix_is_enforced_by_the_database() {
    let (db, admin, admin_pool) = clinic().await;
    let rec = add_staff(&admin_pool, StaffRole::Reception).await;
    let doc = add_staff(&admin_pool, StaffRole::Doctor).await;
    let other_doc = add_staff(&admin_pool, StaffRole::Doctor).await;
    let owner = db.owner_pool().await;
    let dept: i64 =
        sqlx::query_scalar("INSERT INTO departments (name) VALUES ('General') RETURNING id")
            .fetch_one(&owner)
            .await
            .unwrap();
    let mut doctor_ids = vec![];
    for u in [&doc, &other_doc] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO doctors (staff_id, department_id, full_name) SELECT id, $2, full_name FROM staff WHERE username = $1 RETURNING id",
        )
        .bind(u)
        .bind(dept)
        .fetch_one(&owner)
        .await
        .unwrap();
        doctor_ids.push(id);
    }
    let patient: i64 = sqlx::query_scalar("INSERT INTO patients (full_name, date_of_birth, sex) VALUES ('Pat Doe', '1980-01-01', 'female') RETURNING id")
        .fetch_one(&owner)
        .await
        .unwrap();
    let mut appts = vec![];
    for (i, d) in doctor_ids.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            // the first starts this minute (today, so it may be checked in), the next two hours later
            "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, date_trunc('minute', now()) + make_interval(hours => $3), date_trunc('minute', now()) + make_interval(hours => $3, mins => 15)) RETURNING id",
        )
        .bind(d)
        .bind(patient)
        .bind(i as i32 * 2)
        .fetch_one(&owner)
        .await
        .unwrap();
        appts.push(id);
    }
    sqlx::query("INSERT INTO treatments (appointment_id, visit_type, diagnosis) VALUES ($1, 'consultation', 'secret')")
        .bind(appts[1])
        .execute(&owner)
        .await
        .unwrap();
    let pools = [
        ("admin", db.pool_as(&admin, PW).await.unwrap()),
        ("reception", db.pool_as(&rec, PW).await.unwrap()),
        ("doctor", db.pool_as(&doc, PW).await.unwrap()),
    ];
    let own_appt = appts[0];
    let other_appt = appts[1];
    let my_doctor = doctor_ids[0];
    let other_doctor = doctor_ids[1];
    #[rustfmt::skip]
    let matrix: Vec<(&str, String, bool)> = vec![
        ("reception", "SELECT diagnosis FROM treatments".into(), false),
        ("reception", "SELECT prescription, notes, symptoms FROM treatments".into(), false),
        ("reception", "SELECT id, visit_type, next_visit_on FROM treatments".into(), true),
        ("doctor", "SELECT diagnosis FROM treatments".into(), true),
        ("admin", "SELECT diagnosis FROM treatments".into(), true),
        ("reception", "INSERT INTO patients (full_name, date_of_birth, sex) VALUES ('New', '1990-02-02', 'male')".into(), true),
        ("doctor", "INSERT INTO patients (full_name, date_of_birth, sex) VALUES ('New', '1990-02-02', 'male')".into(), false),
        ("reception", "INSERT INTO departments (name) VALUES ('Ward X')".into(), false),
        ("doctor", "INSERT INTO departments (name) VALUES ('Ward Y')".into(), false),
        ("admin", "INSERT INTO departments (name) VALUES ('Ward Z')".into(), true),
        ("reception", "UPDATE settings SET clinic_name = 'Hacked'".into(), false),
        ("admin", "UPDATE settings SET idle_lock_minutes = 15".into(), true),
        ("reception", "SELECT * FROM audit_log".into(), false),
        ("doctor", "SELECT * FROM audit_log".into(), false),
        ("admin", "SELECT * FROM audit_log".into(), true),
        ("admin", "DELETE FROM audit_log".into(), false),
        ("admin", "UPDATE audit_log SET actor = 'nobody'".into(), false),
        ("admin", "INSERT INTO audit_log (action, table_name) VALUES ('fake', 'x')".into(), false),
        ("reception", "INSERT INTO treatments (appointment_id, visit_type) VALUES (1, 'consultation')".into(), false),
        ("doctor", format!("INSERT INTO treatments (appointment_id, visit_type, diagnosis) VALUES ({own_appt}, 'consultation', 'flu')"), true),
        ("doctor", format!("UPDATE treatments SET diagnosis = 'changed' WHERE appointment_id = {other_appt} RETURNING id"), false),
        ("doctor", format!("INSERT INTO doctor_availability (doctor_id, weekday, starts_at, ends_at) VALUES ({my_doctor}, 1, '09:00', '12:00')"), true),
        ("doctor", format!("INSERT INTO doctor_availability (doctor_id, weekday, starts_at, ends_at) VALUES ({other_doctor}, 1, '09:00', '12:00')"), false),
        ("admin", format!("INSERT INTO doctor_availability (doctor_id, weekday, starts_at, ends_at) VALUES ({other_doctor}, 2, '09:00', '12:00')"), true),
        ("reception", "CREATE TABLE sneaky (id int)".into(), false),
        ("reception", format!("SELECT clinicdesk_create_staff('mallory', 'M', 'admin', '{}')", clinicdesk_core::security::scram::verifier(PW)), false),
        ("doctor", format!("UPDATE appointments SET status = 'checked_in' WHERE id = {other_appt} RETURNING id"), false),
        ("reception", format!("UPDATE appointments SET status = 'checked_in' WHERE id = {own_appt}"), true),
        ("reception", format!("UPDATE appointments SET status = 'booked' WHERE id = {own_appt}"), false),
        ("doctor", format!("UPDATE appointments SET status = 'completed' WHERE id = {own_appt} RETURNING id"), true),
    ];
    let mut failures = vec![];
    for (role, sql, allowed) in &matrix {
        let pool = &pools.iter().find(|(r, _)| r == role).unwrap().1;
        let result = sqlx::query(sql).fetch_all(pool).await;
        // RLS hides rows rather than erroring for UPDATE ... USING: "no row changed" counts as denied.
        let ok = match result {
            Ok(rows) => !(sql.contains("RETURNING") && rows.is_empty()),
            Err(e) => {
                let code = sqlstate(e);
                assert!(
                    ["42501", "23514", "P0001"].contains(&code.as_str()) || !allowed,
                    "{role}: {sql}: unexpected error {code}"
                );
                false
            }
        };
        if ok != *allowed {
            failures.push(format!(
                "{role}: {sql} → {}",
                if ok { "allowed" } else { "denied" }
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "permission matrix mismatches:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn writes_are_audited_with_the_session_user() {
    let (db, admin, pool) = clinic().await;
    let pool = Desk::new(pool);
    let d = departments::create(
        &pool,
        &DepartmentInput {
            name: "Audited".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    departments::update(
        &pool,
        d.id,
        &DepartmentInput {
            name: "Audited Dept".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let rows: Vec<(String, String, String, Option<String>, serde_json::Value)> = sqlx::query_as(
        "SELECT actor, action, table_name, row_id, details FROM audit_log WHERE table_name = 'departments' ORDER BY id",
    )
    .fetch_all(pool.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        (admin.as_str(), "insert")
    );
    assert_eq!(rows[0].3.as_deref(), Some(d.id.to_string().as_str()));
    assert_eq!(rows[1].1, "update");
    assert!(rows[1].4["changed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "name"));
    // sign-ins are audited too
    auth::sign_in(
        &db.target,
        &db::MIGRATOR,
        &auth::LoginThrottle::default(),
        &admin,
        PW,
    )
    .await
    .unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'sign_in' AND actor = $1",
    )
    .bind(&admin)
    .fetch_one(pool.pool())
    .await
    .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn embedded_cluster_starts_stops_and_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let c = EmbeddedCluster::new(dir.path(), Durability::Durable).unwrap();
    assert_eq!(c.state().await.unwrap(), ClusterState::NotInitialized);
    c.start().await.unwrap();
    assert_eq!(c.state().await.unwrap(), ClusterState::Running);
    c.ensure_database("clinicdesk").await.unwrap();
    let pool = db::connect_pool(c.owner_options("clinicdesk"), 1)
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('committed before the crash')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    // the app dies (kill -9) but the server lives on: the next start reuses it
    c.start().await.unwrap();
    // the whole machine dies: the server is killed too, leaving its pid file behind
    let pid = c.postmaster_pid().expect("postmaster pid");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    for _ in 0..100 {
        if std::fs::read_to_string(format!("/proc/{pid}/comm")).is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // children may linger a moment after the postmaster dies
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        c.pg_dir().join("postmaster.pid").exists(),
        "a crash leaves the pid file"
    );
    c.start().await.unwrap();
    let pool = db::connect_pool(c.owner_options("clinicdesk"), 1)
        .await
        .unwrap();
    let v: String = sqlx::query_scalar("SELECT v FROM kept")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(v, "committed before the crash");
    pool.close().await;

    c.stop().await.unwrap();
    assert_eq!(c.state().await.unwrap(), ClusterState::Stopped);
    assert!(db::connect_one(&c.owner_options("clinicdesk"))
        .await
        .is_err());
}

#[tokio::test]
async fn embedded_cluster_only_listens_on_its_socket_and_staff_need_passwords() {
    let (db, admin, _pool) = clinic().await;
    let cluster = db.target.cluster().unwrap();
    let pool = db.owner_pool().await;
    let listen: String = sqlx::query_scalar("SHOW listen_addresses")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(listen, "");
    let enc: String = sqlx::query_scalar("SHOW password_encryption")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(enc, "scram-sha-256");
    // a staff role cannot use the owner's passwordless (peer) route
    let no_pw = db::connect_one(&cluster.connect_options(&db.name, &admin)).await;
    assert!(matches!(no_pw, Err(Error::Unauthenticated(_))), "{no_pw:?}");
}

#[tokio::test]
async fn schema_upgrades_wait_for_an_administrator() {
    let (db, admin, admin_pool) = clinic().await;
    let rec = add_staff(&admin_pool, StaffRole::Reception).await;
    admin_pool.close().await;
    // a newer build: the same migrations plus one more
    let dir = tempfile::tempdir().unwrap();
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations")).unwrap()
    {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        dir.path().join("29991231000000_add_upgrade_marker.sql"),
        "CREATE TABLE upgrade_marker (id int);",
    )
    .unwrap();
    let newer = sqlx::migrate::Migrator::new(dir.path()).await.unwrap();
    let throttle = auth::LoginThrottle::default();

    let refused = auth::sign_in(&db.target, &newer, &throttle, &rec, PW)
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::NeedsUpgrade(_)), "{refused:?}");
    assert_eq!(
        refused.to_string(),
        "The database needs an upgrade — ask an administrator to sign in."
    );

    auth::sign_in(&db.target, &newer, &throttle, &admin, PW)
        .await
        .expect("admin sign-in upgrades");
    let owner = db.owner_pool().await;
    let marker: Option<String> = sqlx::query_scalar("SELECT to_regclass('upgrade_marker')::text")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(marker.as_deref(), Some("upgrade_marker"));
    auth::sign_in(&db.target, &newer, &throttle, &rec, PW)
        .await
        .expect("reception can sign in after the upgrade");

    // and this (older) build refuses a database a newer build migrated
    let ahead = auth::sign_in(&db.target, &db::MIGRATOR, &throttle, &rec, PW)
        .await
        .unwrap_err();
    assert!(matches!(ahead, Error::NeedsUpgrade(_)), "{ahead:?}");
}

#[test]
fn missing_server_binaries_are_one_sentence_naming_the_package() {
    let empty = tempfile::tempdir().unwrap();
    let err = clinicdesk_core::embedded::find_bindir_in(None, empty.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "The PostgreSQL server is not installed. Install it with: sudo apt install postgresql"
    );
    let err =
        clinicdesk_core::embedded::find_bindir_in(Some(empty.path()), empty.path()).unwrap_err();
    assert!(
        err.to_string().starts_with("CLINICDESK_PG_BINDIR="),
        "{err}"
    );
    // the machine's real installation is found
    assert!(clinicdesk_core::embedded::find_bindir()
        .unwrap()
        .join("postgres")
        .is_file());
}

#[tokio::test]
async fn an_unreachable_clinic_server_is_a_clear_message_not_a_crash() {
    use clinicdesk_core::config::{DatabaseConfig, TlsMode};
    use clinicdesk_core::services::database;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // free, nobody listens
    let cfg = DatabaseConfig::Server {
        host: "127.0.0.1".into(),
        port,
        database: "clinicdesk".into(),
        tls_mode: TlsMode::Prefer,
        ca_file: None,
    };
    let check = database::check(&cfg).await.unwrap();
    assert!(!check.ok);
    assert_eq!(
        check.message,
        "The database server cannot be reached. Check the address and the network."
    );
    let bad = DatabaseConfig::Server {
        host: "bad host!".into(),
        port: 5432,
        database: "x".into(),
        tls_mode: TlsMode::Require,
        ca_file: None,
    };
    assert!(
        matches!(database::check(&bad).await, Err(Error::Validation { field, .. }) if field == "host")
    );
    assert!(database::check(&DatabaseConfig::Embedded).await.unwrap().ok);
}

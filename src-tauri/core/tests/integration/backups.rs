//! Backups: backup → wipe → restore round trip (row counts and rows compared, staff can sign in), verify in a
//! throwaway cluster, damaged files refused cleanly, the scheduled run with pruning, and the settings' rules.

use std::path::Path;

use chrono::{Duration, NaiveTime, Utc};
use clinicdesk_core::backup::{self, Source};
use clinicdesk_core::db::backups::{BackupRecord, BackupSettings};
use clinicdesk_core::services::{backups, patients, scheduling as appointments};
use clinicdesk_core::testing::{Clinic, TestDb, TEST_PASSWORD};
use clinicdesk_core::Error;
use sqlx::{Connection, PgPool};

/// Names a restore must bring back byte for byte.
const NAMES: [&str; 4] = [
    "Robert'); DROP TABLE patients;--",
    "Zoë Ðurđević-O'Brien",
    "山田 太郎",
    "\"quoted\" \\ back\\slash",
];

async fn rows_of(pool: &PgPool) -> (Vec<String>, Vec<(i64, i64, String)>) {
    let names = sqlx::query_scalar::<_, String>("SELECT full_name FROM patients ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap();
    let appts = sqlx::query_as::<_, (i64, i64, String)>(
        "SELECT id, patient_id, status FROM appointments ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    (names, appts)
}

async fn busy_clinic() -> Clinic {
    let clinic = Clinic::new("Europe/London").await;
    let (doctor, _) = clinic.doctor("Dr. Priya Rao", true).await;
    let tomorrow = (Utc::now() + Duration::days(2)).date_naive();
    for (i, name) in NAMES.iter().enumerate() {
        let p = clinic.patient(name).await;
        let at = tomorrow
            .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap())
            .and_utc()
            + Duration::minutes(15 * i as i64);
        appointments::book(&clinic.desk, doctor, p, at)
            .await
            .unwrap();
    }
    clinic
}

fn source(db: &TestDb) -> Source {
    Source::from_target(&db.target, None).unwrap()
}

#[tokio::test]
async fn backup_wipe_restore_round_trip_keeps_every_row_and_sign_in() {
    let clinic = busy_clinic().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clinic.dump");
    let run = backups::run(
        &clinic.db.target,
        None,
        backups::Trigger::Cli,
        Some(file.clone()),
    )
    .await
    .unwrap();
    assert!(run.bytes > 0 && file.is_file());
    assert!(backup::manifest_path(&file).is_file());
    let before_counts = {
        let mut conn = clinicdesk_core::db::connect_one(&clinic.db.owner_options())
            .await
            .unwrap();
        backup::table_counts(&mut conn).await.unwrap()
    };
    let owner = clinic.db.owner_pool().await;
    let before = rows_of(&owner).await;
    assert_eq!(before.0.len(), NAMES.len());

    // "wipe": a fresh, empty database; restore into it
    let fresh = TestDb::empty().await;
    let report = backup::restore(&source(&fresh), &file, false)
        .await
        .unwrap();
    assert!(report.matched_manifest);
    let restored = fresh.owner_pool().await;
    assert_eq!(rows_of(&restored).await, before, "same rows, same order");
    let mut conn = clinicdesk_core::db::connect_one(&fresh.owner_options())
        .await
        .unwrap();
    let after_counts = backup::table_counts(&mut conn).await.unwrap();
    for (table, n) in &before_counts {
        if table != "backups" && table != "audit_log" {
            assert_eq!(after_counts.get(table), Some(n), "{table}");
        }
    }
    for name in NAMES {
        assert!(
            before.0.contains(&name.to_string()),
            "{name} round-trips exactly"
        );
    }
    // the staff sign in to the restored database with their own passwords
    let admin_user: String =
        sqlx::query_scalar("SELECT username FROM staff WHERE role = 'admin' LIMIT 1")
            .fetch_one(&restored)
            .await
            .unwrap();
    let admin = fresh.pool_as(&admin_user, TEST_PASSWORD).await.unwrap();
    let found = patients::search(&admin, "Zoë").await.unwrap();
    assert_eq!(found.len(), 1);

    // a database with data is not replaced without confirmation; with it, it is
    let again = backup::restore(&source(&fresh), &file, false).await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    admin.close().await;
    restored.close().await;
    drop(conn);
    let replaced = backup::restore(&source(&fresh), &file, true).await.unwrap();
    assert!(replaced.matched_manifest);
}

#[tokio::test]
async fn verify_restores_into_a_throwaway_cluster_and_recreates_the_staff() {
    let clinic = busy_clinic().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("v.dump");
    backups::run(
        &clinic.db.target,
        None,
        backups::Trigger::Cli,
        Some(file.clone()),
    )
    .await
    .unwrap();
    let report = backup::verify(&file).await.unwrap();
    assert!(report.matched_manifest);
    assert!(report.rows > 0);
    assert!(
        report.roles_created >= 2,
        "admin and desk roles recreated: {report:?}"
    );
}

fn flip_middle_byte(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(file, bytes).unwrap();
}

#[tokio::test]
async fn damaged_or_foreign_files_fail_cleanly() {
    let clinic = busy_clinic().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.dump");
    backups::run(
        &clinic.db.target,
        None,
        backups::Trigger::Cli,
        Some(file.clone()),
    )
    .await
    .unwrap();
    // one flipped byte: the manifest's checksum catches it before anything is restored
    let flipped = dir.path().join("flipped.dump");
    std::fs::copy(&file, &flipped).unwrap();
    std::fs::copy(
        backup::manifest_path(&file),
        backup::manifest_path(&flipped),
    )
    .unwrap();
    flip_middle_byte(&flipped);
    let e = backup::verify(&flipped).await.unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, message } if field == "file" && message.contains("damaged")),
        "{e:?}"
    );

    // truncated and without a manifest: pg_restore's own checks refuse it, as a typed error
    let cut = dir.path().join("cut.dump");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let e = backup::verify(&cut).await.unwrap_err();
    assert!(
        matches!(e, Error::Validation { .. } | Error::Unavailable(_)),
        "{e:?}"
    );

    // not a backup at all
    let junk = dir.path().join("junk.dump");
    std::fs::write(&junk, "id,name\n1,hello\n").unwrap();
    let e = backup::verify(&junk).await.unwrap_err();
    assert!(
        matches!(&e, Error::Validation { message, .. } if message.contains("not a ClinicDesk backup")),
        "{e:?}"
    );

    // a failed restore into a fresh database leaves it empty (single transaction)
    let fresh = TestDb::empty().await;
    let e = backup::restore(&source(&fresh), &cut, false).await;
    assert!(e.is_err());
    let mut conn = clinicdesk_core::db::connect_one(&fresh.owner_options())
        .await
        .unwrap();
    assert!(!backup::has_data(&mut conn).await.unwrap());
}

#[tokio::test]
async fn scheduled_backups_go_to_the_folder_and_keep_the_newest() {
    let clinic = busy_clinic().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = BackupSettings {
        enabled: true,
        run_at: NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
        folder: Some(dir.path().display().to_string()),
        keep: 2,
    };
    backups::update_settings(&clinic.admin, &settings)
        .await
        .unwrap();
    assert!(backups::last_backup(&clinic.admin).await.unwrap().is_none());
    assert!(backups::status(&clinic.admin).await.unwrap().stale);
    let mut last = None;
    for _ in 0..3 {
        let run = backups::run_scheduled(&clinic.db.target, None)
            .await
            .unwrap();
        last = Some(run);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let last = last.unwrap();
    assert_eq!((last.kept, last.pruned), (2, 1));
    let dumps: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".dump"))
        .collect();
    assert_eq!(dumps.len(), 2);
    let recorded = backups::last_backup(&clinic.admin).await.unwrap().unwrap();
    assert_eq!(recorded.path, last.path);
    assert_eq!(recorded.outcome, "ok");
    assert_eq!(recorded.trigger, "scheduled");
    let status = backups::status(&clinic.admin).await.unwrap();
    assert!(!status.stale);
    // everyone may see when the last backup was
    assert!(backups::last_backup(&clinic.desk).await.unwrap().is_some());

    // a folder that does not exist: the failure is recorded and reported, not silent
    let gone = BackupSettings {
        folder: Some("/nonexistent/clinicdesk-backups".into()),
        ..settings
    };
    backups::update_settings(&clinic.admin, &gone)
        .await
        .unwrap();
    let e = backups::run_scheduled(&clinic.db.target, None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    let recent = backups::status(&clinic.admin).await.unwrap().recent;
    assert_eq!(recent[0].outcome, "failed");
    assert!(recent[0]
        .error
        .as_deref()
        .unwrap()
        .contains("does not exist"));
}

#[tokio::test]
async fn backup_settings_are_validated_and_admin_only() {
    let clinic = Clinic::new("Europe/London").await;
    let ok = BackupSettings {
        enabled: true,
        run_at: NaiveTime::from_hms_opt(23, 30, 0).unwrap(),
        folder: None,
        keep: 14,
    };
    for (bad, field) in [
        (
            BackupSettings {
                keep: 0,
                ..ok.clone()
            },
            "keep",
        ),
        (
            BackupSettings {
                keep: 366,
                ..ok.clone()
            },
            "keep",
        ),
        (
            BackupSettings {
                folder: Some("relative/dir".into()),
                ..ok.clone()
            },
            "folder",
        ),
        (
            BackupSettings {
                folder: Some(format!("/{}", "x".repeat(1100))),
                ..ok.clone()
            },
            "folder",
        ),
    ] {
        let e = backups::update_settings(&clinic.admin, &bad)
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some(field), "{e:?}");
    }
    let e = backups::update_settings(&clinic.desk, &ok)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::PermissionDenied(_)), "{e:?}");
    let saved = backups::update_settings(&clinic.admin, &ok).await.unwrap();
    assert_eq!(saved, ok);
    // the backups record is written by the schema owner only
    let denied = sqlx::query("INSERT INTO backups (path, trigger) VALUES ('/tmp/x', 'manual')")
        .execute(clinic.admin.pool())
        .await;
    assert!(denied.is_err());
}

#[test]
fn a_backup_older_than_two_days_is_stale() {
    let now = Utc::now();
    let rec = |hours: i64| BackupRecord {
        id: 1,
        path: "/b".into(),
        bytes: 1,
        started_at: now - Duration::hours(hours),
        finished_at: Some(now - Duration::hours(hours)),
        host: "pc".into(),
        trigger: "scheduled".into(),
        outcome: "ok".into(),
        error: None,
    };
    assert!(backups::is_stale(None, now));
    assert!(!backups::is_stale(Some(&rec(47)), now));
    assert!(backups::is_stale(Some(&rec(49)), now));
}

#[test]
fn snapshot_roles_are_checked_one_by_one() {
    use clinicdesk_core::db::backups::SnapshotRole;
    let role = |name: &str, groups: &[&str], verifier: Option<&str>| SnapshotRole {
        rolname: name.into(),
        can_login: true,
        verifier: verifier.map(String::from),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    };
    let good = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy";
    assert!(
        backup::check_snapshot_role(&role("anna.k_2", &["clinicdesk_admin"], Some(good))).is_ok()
    );
    assert!(backup::check_snapshot_role(&role("bob", &["clinicdesk_reception"], None)).is_ok());
    for bad in [
        role("clinicdesk_owner", &["clinicdesk_admin"], None),
        role("postgres", &["clinicdesk_admin"], None),
        role("pg_monitor", &[], None),
        role("Bad\"name", &[], None),
        role("ab", &[], None),
        role("x".repeat(33).as_str(), &[], None),
        role("1abc", &[], None),
        role("carol", &["clinicdesk_owner"], None),
        role("carol", &["clinicdesk_staff"], None),
        role("carol", &["pg_read_server_files"], None),
        role("carol", &["clinicdesk_doctor"], Some("plaintext-password")),
        role(
            "carol",
            &["clinicdesk_doctor"],
            Some("SCRAM-SHA-256$4096:a'b$c:d"),
        ),
    ] {
        let e = backup::check_snapshot_role(&bad).unwrap_err();
        let msg = e.to_string();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "file")
                && msg.ends_with("nothing was changed.")
                && !msg.contains('\n'),
            "{bad:?}: {e:?}"
        );
    }
    assert!(backup::is_staff_username("dr.rao_2"));
    assert!(!backup::is_staff_username("clinicdesk_admin"));
}

#[test]
fn tool_commands_carry_no_password_on_their_command_line() {
    use std::os::unix::fs::PermissionsExt;
    use std::str::FromStr;
    let url = "postgresql://clinicdesk_owner:s3cr%3At%5Cx@db.clinic.lan:5433/clinicdesk?sslmode=verify-full&sslrootcert=/etc/ca.pem";
    let src = Source {
        url: url.into(),
        options: sqlx::postgres::PgConnectOptions::from_str(url).unwrap(),
        bindir: None,
    };
    let cmd = src
        .tool_command(
            "pg_dump",
            &["--format=custom", "--file", "/tmp/x.dump"],
            true,
        )
        .unwrap();
    assert!(
        !format!("{src:?}").contains("s3cr"),
        "Debug of a source hides the password"
    );
    let argv = cmd.args.join(" ");
    assert!(!argv.contains("s3cr"), "{argv}");
    assert!(
        argv.contains("postgresql://clinicdesk_owner@db.clinic.lan:5433/clinicdesk?sslmode=verify-full&sslrootcert=/etc/ca.pem"),
        "{argv}"
    );
    assert!(argv.contains("--no-password"));
    for (k, v) in &cmd.env {
        assert!(!v.to_string_lossy().contains("s3cr"), "{k}");
    }
    let (_, passfile) = cmd
        .env
        .iter()
        .find(|(k, _)| k == "PGPASSFILE")
        .expect("PGPASSFILE");
    let passfile = std::path::PathBuf::from(passfile);
    assert_eq!(
        std::fs::read_to_string(&passfile).unwrap(),
        "*:*:*:*:s3cr\\:t\\\\x\n"
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&passfile), 0o600);
    let dir = cmd.secrets_dir().unwrap().to_path_buf();
    assert_eq!(mode(&dir), 0o700);
    drop(cmd);
    assert!(
        !dir.exists(),
        "the passfile's folder is removed with the command"
    );

    // a password given as a parameter, and the same source pointed at another database
    let url2 = "postgres://owner@/clinic?host=/run/pg&password=hunter2&port=5432";
    let (clean, pw) = backup::split_password(url2);
    assert_eq!(clean, "postgres://owner@/clinic?host=/run/pg&port=5432");
    assert_eq!(pw.as_deref(), Some("hunter2"));
    assert_eq!(
        backup::url_with_database(&clean, "clinic_restore_1"),
        "postgres://owner@/clinic_restore_1?host=/run/pg&port=5432"
    );
    // no password: no passfile (libpq's own ~/.pgpass or peer authentication apply)
    let (_, none) = backup::split_password("postgresql://clinicdesk_owner@/db?host=/s");
    assert!(none.is_none());
}

/// Sets the process umask for the lifetime of the guard.
struct Umask(nix::sys::stat::Mode);
impl Umask {
    fn set(bits: u32) -> Umask {
        Umask(nix::sys::stat::umask(
            nix::sys::stat::Mode::from_bits_truncate(bits),
        ))
    }
}
impl Drop for Umask {
    fn drop(&mut self) {
        nix::sys::stat::umask(self.0);
    }
}

#[tokio::test]
async fn backup_files_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let clinic = busy_clinic().await;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let base = tempfile::tempdir().unwrap();
    let folder = base.path().join("backups");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    let settings = BackupSettings {
        enabled: true,
        run_at: NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
        folder: Some(folder.display().to_string()),
        keep: 3,
    };
    backups::update_settings(&clinic.admin, &settings)
        .await
        .unwrap();
    let out = base.path().join("explicit.dump");
    let (run, explicit) = {
        let _lax = Umask::set(0o000);
        let run = backups::run_scheduled(&clinic.db.target, None)
            .await
            .unwrap();
        let explicit = backups::run(
            &clinic.db.target,
            None,
            backups::Trigger::Cli,
            Some(out.clone()),
        )
        .await
        .unwrap();
        (run, explicit)
    };
    let file = std::path::PathBuf::from(&run.path);
    assert_eq!(mode(&folder), 0o700, "the backup folder");
    assert_eq!(mode(&file), 0o600, "the dump");
    assert_eq!(mode(&backup::manifest_path(&file)), 0o600, "its manifest");
    assert_eq!(
        mode(Path::new(&explicit.path)),
        0o600,
        "a dump at an explicit path"
    );
    assert_eq!(mode(&backup::manifest_path(&out)), 0o600);
    // nothing else was left in the folder (no partial files)
    let names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // another OS account on the PC cannot read them, even where the folder around them is open
    std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for f in [file.clone(), out.clone(), backup::manifest_path(&out)] {
        let read = std::process::Command::new("setpriv")
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "cat"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(!read.status.success(), "nobody read {}", f.display());
        assert!(
            String::from_utf8_lossy(&read.stderr).contains("Permission denied"),
            "{}",
            String::from_utf8_lossy(&read.stderr)
        );
    }
}

/// pg_dump of a database as it is (no role snapshot taken, no manifest): for crafted and foreign files.
fn raw_dump(db: &TestDb, file: &Path) {
    let cluster = db.target.cluster().unwrap();
    let status = std::process::Command::new(cluster.bindir().join("pg_dump"))
        .args(["--format=custom", "--file"])
        .arg(file)
        .args(["--dbname", &cluster.owner_url(&db.name)])
        .status()
        .unwrap();
    assert!(status.success());
}

/// What a failed restore must leave exactly as it was: the live database's counts and rows, the cluster's roles
/// (with their attributes and memberships) and its databases.
#[derive(Debug, PartialEq)]
struct World {
    counts: std::collections::BTreeMap<String, i64>,
    rows: (Vec<String>, Vec<(i64, i64, String)>),
    roles: Vec<(String, bool, bool, bool, Vec<String>)>,
    databases: Vec<String>,
}

async fn world(db: &TestDb, crafted: &[String]) -> World {
    let mut conn = clinicdesk_core::db::connect_one(&db.owner_options())
        .await
        .unwrap();
    let counts = backup::table_counts(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let owner = db.owner_pool().await;
    let rows = rows_of(&owner).await;
    // this clinic's staff, the crafted names and every clinicdesk_* role (other tests add roles of their own)
    let roles = sqlx::query_as::<_, (String, bool, bool, bool, Vec<String>)>(
        "SELECT r.rolname, r.rolsuper, r.rolcanlogin, r.rolcreaterole,
                coalesce((SELECT array_agg(g.rolname ORDER BY g.rolname) FROM pg_auth_members m
                            JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid), '{}')
           FROM pg_roles r
          WHERE r.rolname IN (SELECT username FROM staff) OR r.rolname = ANY($1) OR r.rolname = 'postgres'
             OR (r.rolname LIKE 'clinicdesk%' AND r.rolname NOT LIKE 'clinicdesk\\_restorer\\_%')
             OR starts_with(r.rolname, 'clinicdesk_restorer_' || $2)
          ORDER BY 1",
    )
    .bind(crafted)
    .bind(&db.name)
    .fetch_all(&owner)
    .await
    .unwrap();
    let databases = sqlx::query_scalar::<_, String>(
        "SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $1 || '_') ORDER BY 1",
    )
    .bind(&db.name)
    .fetch_all(&owner)
    .await
    .unwrap();
    owner.close().await;
    World {
        counts,
        rows,
        roles,
        databases,
    }
}

fn one_sentence(e: &Error) -> bool {
    let m = e.to_string();
    m.ends_with('.') && !m.contains('\n') && !m.contains(". ") && !m.contains("ERROR")
}

#[tokio::test]
async fn bad_files_are_refused_and_leave_the_live_database_and_roles_as_they_were() {
    let clinic = busy_clinic().await;
    let marker = clinic.patient("Marker Patient Kept").await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.dump");
    backups::run(
        &clinic.db.target,
        None,
        backups::Trigger::Cli,
        Some(good.clone()),
    )
    .await
    .unwrap();
    let bytes = std::fs::read(&good).unwrap();

    let mut bad: Vec<(String, std::path::PathBuf)> = Vec::new();
    // truncated, with its manifest (checksum) and without (pg_restore itself)
    let cut = dir.path().join("cut.dump");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let cut_m = dir.path().join("cut-m.dump");
    std::fs::write(&cut_m, &bytes[..bytes.len() * 2 / 3]).unwrap();
    std::fs::copy(backup::manifest_path(&good), backup::manifest_path(&cut_m)).unwrap();
    bad.push(("truncated".into(), cut));
    bad.push(("truncated, with manifest".into(), cut_m));
    // random bytes
    let random = dir.path().join("random.dump");
    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&random, noise).unwrap();
    bad.push(("random bytes".into(), random));
    // a valid pg_dump of some other database
    let other = TestDb::empty().await;
    let other_pool = other.owner_pool().await;
    sqlx::raw_sql("CREATE TABLE invoices (id int PRIMARY KEY, total numeric); INSERT INTO invoices VALUES (1, 9.5);")
        .execute(&other_pool)
        .await
        .unwrap();
    other_pool.close().await;
    let foreign = dir.path().join("foreign.dump");
    raw_dump(&other, &foreign);
    bad.push(("another application's dump".into(), foreign));

    // crafted staff lists in an otherwise genuine ClinicDesk dump
    let crafted_src = busy_clinic().await;
    backups::run(
        &crafted_src.db.target,
        None,
        backups::Trigger::Cli,
        Some(dir.path().join("src.dump")),
    )
    .await
    .unwrap();
    let src_owner = crafted_src.db.owner_pool().await;
    let outsider = clinicdesk_core::testing::unique_username("outsider");
    let boss = clinicdesk_core::testing::unique_username("boss");
    sqlx::raw_sql(&format!(
        "CREATE ROLE {outsider} NOLOGIN; CREATE ROLE {boss} LOGIN SUPERUSER; \
         GRANT clinicdesk_reception TO {boss};"
    ))
    .execute(&src_owner)
    .await
    .unwrap();
    let newbie = clinicdesk_core::testing::unique_username("newbie");
    let crafted: Vec<(&str, String, &str)> = vec![
        ("the owner", "clinicdesk_owner".into(), "{clinicdesk_admin}"),
        ("postgres", "postgres".into(), "{clinicdesk_admin}"),
        (
            "an existing non-staff role",
            outsider.clone(),
            "{clinicdesk_reception}",
        ),
        (
            "an existing superuser",
            boss.clone(),
            "{clinicdesk_reception}",
        ),
        (
            "a group outside the three",
            newbie.clone(),
            "{pg_read_server_files}",
        ),
        (
            "the staff parent group",
            newbie.clone(),
            "{clinicdesk_staff}",
        ),
    ];
    for (what, name, groups) in &crafted {
        sqlx::query("INSERT INTO backup_role_snapshot (rolname, can_login, verifier, groups) VALUES ($1, true, NULL, $2::text[])")
            .bind(name)
            .bind(groups)
            .execute(&src_owner)
            .await
            .unwrap();
        let file = dir.path().join(format!("crafted-{}.dump", bad.len()));
        raw_dump(&crafted_src.db, &file);
        sqlx::query("DELETE FROM backup_role_snapshot WHERE rolname = $1")
            .bind(name)
            .execute(&src_owner)
            .await
            .unwrap();
        bad.push((format!("crafted: {what}"), file));
    }
    // SQL in the dump that runs while its data loads (a CHECK calling a function) and tries to make a
    // superuser: it runs as the restore's unprivileged role and fails, so the file is refused
    let evil = clinicdesk_core::testing::unique_username("evil");
    sqlx::raw_sql(&format!(
        "CREATE FUNCTION public.escalate() RETURNS boolean LANGUAGE plpgsql AS $$
         BEGIN
           IF current_database() <> '{src}' THEN EXECUTE 'CREATE ROLE {evil} LOGIN SUPERUSER'; END IF;
           RETURN true;
         END $$;
         ALTER TABLE departments ADD CONSTRAINT departments_escalate CHECK (public.escalate());",
        src = crafted_src.db.name
    ))
    .execute(&src_owner)
    .await
    .unwrap();
    let escalating = dir.path().join("escalating.dump");
    raw_dump(&crafted_src.db, &escalating);
    sqlx::raw_sql("ALTER TABLE departments DROP CONSTRAINT departments_escalate; DROP FUNCTION public.escalate();")
        .execute(&src_owner)
        .await
        .unwrap();
    bad.push((
        "SQL that creates a superuser while the data loads".into(),
        escalating,
    ));
    src_owner.close().await;

    let mut names: Vec<String> = crafted.iter().map(|c| c.1.clone()).collect();
    names.push(evil.clone());
    let before = world(&clinic.db, &names).await;
    assert!(before.rows.0.contains(&"Marker Patient Kept".to_string()));
    for (what, file) in &bad {
        let e = backup::restore(&source(&clinic.db), file, true)
            .await
            .expect_err(what);
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "file") && one_sentence(&e),
            "{what}: {e:?}"
        );
        let after = world(&clinic.db, &names).await;
        assert_eq!(
            after, before,
            "{what}: the live database, the roles and the databases are unchanged"
        );
    }
    // the desk still works on the very same database, marker included
    let found = patients::search(&clinic.desk, "Marker Patient")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, marker);
    // and the genuine backup of the crafted source (its real staff list) is still accepted
    let ok = backup::restore(&source(&clinic.db), &dir.path().join("src.dump"), true).await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn a_good_backup_replaces_live_data_keeps_the_old_copy_closed_and_staff_sign_in() {
    let clinic = busy_clinic().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.dump");
    backups::run(
        &clinic.db.target,
        None,
        backups::Trigger::Cli,
        Some(file.clone()),
    )
    .await
    .unwrap();
    let owner = clinic.db.owner_pool().await;
    let at_backup = rows_of(&owner).await;
    owner.close().await;
    clinic.patient("Registered After The Backup").await;
    let admin_user: String = sqlx::query_scalar("SELECT session_user::text")
        .fetch_one(clinic.admin.pool())
        .await
        .unwrap();

    // what a restore killed half-way left behind: its new database and its temporary role
    let su = clinic.db.owner_pool().await;
    let stale_db = format!("{}_restore_19990101000000", clinic.db.name);
    let stale_role = format!("clinicdesk_restorer_{}_19990101000000", clinic.db.name);
    sqlx::raw_sql(&format!("CREATE DATABASE \"{stale_db}\""))
        .execute(&su)
        .await
        .unwrap();
    sqlx::raw_sql(&format!("CREATE ROLE \"{stale_role}\" LOGIN"))
        .execute(&su)
        .await
        .unwrap();

    // the running desks' sessions are ended by the swap
    let report = backup::restore(&source(&clinic.db), &file, true)
        .await
        .unwrap();
    let stale: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM pg_database WHERE datname = $1) + (SELECT count(*) FROM pg_roles WHERE rolname = $2)",
    )
    .bind(&stale_db)
    .bind(&stale_role)
    .fetch_one(&su)
    .await
    .unwrap();
    assert_eq!(stale, 0, "the interrupted restore's leftovers are removed");
    let restorers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_roles WHERE starts_with(rolname, 'clinicdesk_restorer_' || $1)",
    )
    .bind(&clinic.db.name)
    .fetch_one(&su)
    .await
    .unwrap();
    assert_eq!(restorers, 0, "the restore's temporary role is gone");
    su.close().await;
    assert!(report.matched_manifest);
    assert_eq!(
        report.roles_created, 0,
        "the staff roles exist on this server and are left as they are"
    );
    let previous = report
        .previous_database
        .clone()
        .expect("the replaced database is kept");

    let owner = clinic.db.owner_pool().await;
    assert_eq!(
        rows_of(&owner).await,
        at_backup,
        "exactly the backup's rows"
    );
    let mut conn = clinicdesk_core::db::connect_one(&clinic.db.owner_options())
        .await
        .unwrap();
    let grants = clinicdesk_core::db::backups::database_grants(&mut conn)
        .await
        .unwrap();
    assert!(
        grants.staff_connect && !grants.staff_temporary && !grants.public_anything,
        "{grants:?}"
    );
    conn.close().await.unwrap();

    // staff sign in with their passwords; TEMPORARY stays revoked
    let admin = clinic.db.pool_as(&admin_user, TEST_PASSWORD).await.unwrap();
    assert_eq!(patients::search(&admin, "Zoë").await.unwrap().len(), 1);
    let temp = sqlx::raw_sql("CREATE TEMP TABLE shadow (x int)")
        .execute(&admin)
        .await;
    assert!(
        temp.is_err(),
        "staff may not create temp tables in the restored database"
    );
    admin.close().await;

    // the replaced database is kept with the newer row, closed to staff
    let opts = clinic
        .db
        .target
        .staff_options(&admin_user, TEST_PASSWORD)
        .database(&previous);
    assert!(
        clinicdesk_core::db::connect_one(&opts).await.is_err(),
        "staff cannot open the replaced copy"
    );
    let kept = clinicdesk_core::db::connect_pool(clinic.db.owner_options().database(&previous), 1)
        .await
        .unwrap();
    let names = rows_of(&kept).await.0;
    assert!(names.contains(&"Registered After The Backup".to_string()));
    kept.close().await;
    let leftovers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_database WHERE starts_with(datname, $1 || '_restore_')",
    )
    .bind(&clinic.db.name)
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(leftovers, 0, "no staging database is left behind");
    sqlx::raw_sql(&format!("DROP DATABASE \"{previous}\""))
        .execute(&owner)
        .await
        .unwrap();
    owner.close().await;
}

#[tokio::test]
async fn an_owner_without_createdb_is_told_and_a_password_owner_restores_through_a_passfile() {
    let clinic = busy_clinic().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.dump");
    backups::run(
        &clinic.db.target,
        None,
        backups::Trigger::Cli,
        Some(file.clone()),
    )
    .await
    .unwrap();
    // a server-like owner: not a superuser, signs in with a password, owns its database
    let cluster = clinic.db.target.cluster().unwrap().clone();
    let lowner = clinicdesk_core::testing::unique_username("lowner");
    let db_name = format!("{lowner}_db");
    let pw = "Owner:pass\\word-91";
    let su = clinic.db.owner_pool().await;
    sqlx::raw_sql(&format!(
        "CREATE ROLE {lowner} LOGIN NOCREATEDB PASSWORD '{pw}'"
    ))
    .execute(&su)
    .await
    .unwrap();
    sqlx::raw_sql(&format!("CREATE DATABASE {db_name} OWNER {lowner}"))
        .execute(&su)
        .await
        .unwrap();
    let options = cluster.connect_options(&db_name, &lowner).password(pw);
    let mut conn = clinicdesk_core::db::connect_one(&options).await.unwrap();
    sqlx::raw_sql("CREATE TABLE marker (note text); INSERT INTO marker VALUES ('still here');")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let url = cluster.owner_url(&db_name).replace(
        "clinicdesk_owner@",
        &format!("{lowner}:Owner%3Apass%5Cword-91@"),
    );
    let src = Source {
        url,
        options: options.clone(),
        bindir: Some(cluster.bindir().to_path_buf()),
    };

    let e = backup::restore(&src, &file, true).await.unwrap_err();
    assert!(
        matches!(&e, Error::PermissionDenied(m) if m.contains("nothing was changed")),
        "{e:?}"
    );
    let mut conn = clinicdesk_core::db::connect_one(&options).await.unwrap();
    let note: String = sqlx::query_scalar("SELECT note FROM marker")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(note, "still here");
    conn.close().await.unwrap();

    // with CREATEDB the same owner restores: pg_restore gets its password from the passfile only
    sqlx::raw_sql(&format!("ALTER ROLE {lowner} CREATEDB"))
        .execute(&su)
        .await
        .unwrap();
    let report = backup::restore(&src, &file, true).await.unwrap();
    assert!(report.matched_manifest);
    let mut conn = clinicdesk_core::db::connect_one(&options).await.unwrap();
    let patients: i64 = sqlx::query_scalar("SELECT count(*) FROM patients")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(patients, NAMES.len() as i64);
    conn.close().await.unwrap();

    // with CREATEROLE too, it restores through the temporary unprivileged role (as the built-in owner does)
    sqlx::raw_sql(&format!("ALTER ROLE {lowner} CREATEROLE"))
        .execute(&su)
        .await
        .unwrap();
    let again = backup::restore(&src, &file, true).await.unwrap();
    assert!(again.matched_manifest);
    let mut conn = clinicdesk_core::db::connect_one(&options).await.unwrap();
    let owner_of_all: bool = sqlx::query_scalar(
        "SELECT (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) = current_user
            AND NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) <> current_user)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(
        owner_of_all,
        "the owner owns the restored database and everything in it"
    );
    let patients: i64 = sqlx::query_scalar("SELECT count(*) FROM patients")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(patients, NAMES.len() as i64);
    conn.close().await.unwrap();
    su.close().await;
}

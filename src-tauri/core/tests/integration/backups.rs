//! Backups: backup → wipe → restore round trip (row counts and rows compared, staff can sign in), verify in a
//! throwaway cluster, damaged files refused cleanly, the scheduled run with pruning, and the settings' rules.

use std::path::Path;

use chrono::{Duration, NaiveTime, Utc};
use clinicdesk_core::backup::{self, Source};
use clinicdesk_core::db::backups::{BackupRecord, BackupSettings};
use clinicdesk_core::services::{backups, patients, scheduling as appointments};
use clinicdesk_core::testing::{Clinic, TestDb, TEST_PASSWORD};
use clinicdesk_core::Error;
use sqlx::PgPool;

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
        .execute(&clinic.admin)
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
fn role_snapshot_parsing_ignores_anything_but_plain_role_names() {
    let sql = "SET x;\nCOPY public.backup_role_snapshot (rolname, can_login, verifier, groups) FROM stdin;\n\
               anna\tt\tSCRAM-SHA-256$4096:abc$def:ghi\t{clinicdesk_admin}\n\
               bad\"name\tt\t\\N\t{clinicdesk_admin}\n\
               bob\tf\t\\N\t{clinicdesk_reception,pg_read_server_files}\n\\.\n";
    let roles = backup::parse_role_copy(sql);
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[0].rolname, "anna");
    assert!(roles[0].verifier.is_some() && roles[0].can_login);
    assert_eq!(roles[1].groups, vec!["clinicdesk_reception".to_string()]);
    assert!(!roles[1].can_login);
}

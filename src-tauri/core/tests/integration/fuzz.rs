//! Hostile and malformed input (property-based, proptest): every command input type decoded from arbitrary JSON,
//! the validators, the services behind the commands with SQL-looking and unicode-heavy text, and the CSV writer.
//! Properties: no panic; every failure is a typed error (never `Internal`); what is accepted round-trips exactly
//! through PostgreSQL and the export; oversize input is refused with its limit in the sentence.
//!
//! Budget: a few seconds inside `make test`. Longer runs: `CLINICDESK_FUZZ_CASES=5000 cargo test --release -p
//! clinicdesk-core --test fuzz` (cases per property; see docs/operations.md).

use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use clinicdesk_core::config::DatabaseConfig;
use clinicdesk_core::db::{
    backups::BackupSettings,
    departments::DepartmentInput,
    patients::{PatientInput, ReminderChannel, Sex},
    staff::StaffRole,
    treatments::{ClinicalContent, VisitType},
};
use clinicdesk_core::export::{self, ExportControl, ExportRequest, ExportScope};
use clinicdesk_core::services::{
    backups,
    clinical::{self, TreatmentInput},
    departments, patients, scheduling as appointments, staff,
};
use clinicdesk_core::testing::{unique_username, Clinic};
use clinicdesk_core::{Error, ErrorKind};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

/// Cases per property: small by default (seconds), more with CLINICDESK_FUZZ_CASES.
fn cases(default: u32) -> u32 {
    std::env::var("CLINICDESK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(default: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: cases(default),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Text people type, people who attack, and people with names outside ASCII.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Robert'); DROP TABLE patients;--".to_string()),
        Just("' OR '1'='1".to_string()),
        Just("$$; SELECT pg_sleep(10); $$".to_string()),
        Just("\\'; COPY staff TO '/tmp/x';--".to_string()),
        Just("=HYPERLINK(\"http://evil\",\"click\")".to_string()),
        Just("@SUM(A1:A9)".to_string()),
        Just("+1-555".to_string()),
        Just("Zoë Ðurđević-O'Brien".to_string()),
        Just("山田 太郎".to_string()),
        Just("محمد بن سلمان".to_string()),
        Just("👩🏽‍⚕️ Dr. Émilie".to_string()),
        Just("a\u{0301}\u{200d}b\u{feff}c".to_string()),
        "\\PC{1,40}",
        ("[a-zA-Z '\\-]{1,20}", "[\"'`;\\\\$%_]{1,5}", "\\PC{0,10}")
            .prop_map(|(a, b, c)| format!("{a}{b}{c}")),
        any::<String>(),
    ]
}

/// Arbitrary JSON, as a compromised or buggy window could send it to a command.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        hostile_text().prop_map(Value::String),
        Just(Value::String("2026-13-45".into())),
        Just(Value::String("25:99".into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::hash_map(
                prop_oneof![
                    Just("full_name".to_string()),
                    Just("date_of_birth".to_string()),
                    Just("kind".to_string()),
                    Just("host".to_string()),
                    Just("keep".to_string()),
                    Just("diagnosis".to_string()),
                    "[a-z_]{1,12}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn decode_all(v: &Value) {
    // each command input type: decoding garbage is an error value, never a panic
    let _ = serde_json::from_value::<PatientInput>(v.clone());
    let _ = serde_json::from_value::<TreatmentInput>(v.clone());
    let _ = serde_json::from_value::<clinicdesk_core::services::clinical::HistoryFilter>(v.clone());
    let _ = serde_json::from_value::<staff::NewStaff>(v.clone());
    let _ = serde_json::from_value::<clinicdesk_core::services::setup::SetupInput>(v.clone());
    let _ = serde_json::from_value::<DatabaseConfig>(v.clone());
    let _ = serde_json::from_value::<DepartmentInput>(v.clone());
    let _ = serde_json::from_value::<clinicdesk_core::db::doctors::DoctorInput>(v.clone());
    let _ = serde_json::from_value::<clinicdesk_core::db::settings::ClinicSettings>(v.clone());
    let _ = serde_json::from_value::<clinicdesk_core::db::availability::WeeklySession>(v.clone());
    let _ = serde_json::from_value::<clinicdesk_core::db::availability::ExceptionInput>(v.clone());
    let _ = serde_json::from_value::<BackupSettings>(v.clone());
    if let Ok(cfg) = serde_json::from_value::<DatabaseConfig>(v.clone()) {
        if let Err(e) = cfg.validate() {
            assert_eq!(e.kind(), ErrorKind::Validation, "{e:?}");
        }
    }
}

fn typed(e: &Error) {
    assert!(
        !matches!(e, Error::Internal(_)),
        "an input error must be typed, got {e:?}"
    );
}

#[test]
fn command_inputs_decode_or_fail_without_panicking() {
    runner(256)
        .run(&json(), |v| {
            decode_all(&v);
            Ok(())
        })
        .unwrap();
}

#[test]
fn validators_accept_only_what_they_promise() {
    runner(256)
        .run(&(hostile_text(), 0i32..400), |(text, keep)| {
            match appointments::request_key(&text) {
                Ok(k) => prop_assert!(
                    (8..=64).contains(&k.len())
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                ),
                Err(e) => prop_assert_eq!(e.field(), Some("request_key")),
            }
            let s = BackupSettings {
                enabled: true,
                run_at: NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
                folder: Some(text.clone()),
                keep,
            };
            match backups::validate_settings(&s) {
                Ok(v) => {
                    prop_assert!((1..=365).contains(&v.keep));
                    if let Some(f) = v.folder {
                        prop_assert!(f.starts_with('/') && f.chars().count() <= 1024);
                        prop_assert!(!f.chars().any(char::is_control));
                    }
                }
                Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Validation),
            }
            let _ = clinical::valid_icd10(&text);
            let _ = clinicdesk_core::security::password::strength(&text, &[&text]);
            Ok(())
        })
        .unwrap();
}

/// What the export writes for one cell, read back by a CSV reader: exactly the neutralised text.
#[test]
fn csv_cells_round_trip_and_never_start_a_formula() {
    runner(512)
        .run(&prop::collection::vec(hostile_text(), 1..6), |cells| {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(vec![]);
            let written: Vec<String> = cells
                .iter()
                .map(|c| export::neutralise(c).into_owned())
                .collect();
            w.write_record(&written).unwrap();
            let bytes = w.into_inner().unwrap();
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(bytes.as_slice());
            let rec = r.records().next().unwrap().unwrap();
            let read: Vec<String> = rec.iter().map(String::from).collect();
            prop_assert_eq!(&read, &written);
            for c in &read {
                prop_assert!(!matches!(
                    c.chars().next(),
                    Some('=' | '+' | '-' | '@' | '\t' | '\r')
                ));
            }
            Ok(())
        })
        .unwrap();
}

fn patient_input(name: &str, address: &str) -> PatientInput {
    PatientInput {
        full_name: name.into(),
        date_of_birth: NaiveDate::from_ymd_opt(1980, 2, 29).unwrap(),
        sex: Sex::Other,
        phone: None,
        email: None,
        address: address.into(),
        emergency_contact: String::new(),
        preferred_channel: ReminderChannel::None,
        preferred_language: "en".into(),
        reminder_consent: false,
        opted_out: false,
        consent_method: None,
    }
}

fn treatment(diagnosis: &str, notes: &str) -> TreatmentInput {
    TreatmentInput {
        content: ClinicalContent {
            visit_type: VisitType::Consultation,
            symptoms: "cough".into(),
            diagnosis: diagnosis.into(),
            icd10_code: None,
            treatment_given: String::new(),
            prescription: vec![],
            notes: notes.into(),
            next_visit_on: None,
        },
        next_visit_in_days: None,
    }
}

/// Names and clinical text through the services, PostgreSQL and the CSV export: exact round trips.
#[test]
fn hostile_names_round_trip_through_the_database_and_the_export() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (clinic, doctor, doctor_pool) = rt.block_on(async {
        let c = Clinic::new("UTC").await;
        let (d, pool) = c.doctor("Dr. Fuzz", true).await;
        (c, d, pool.unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    let n = std::sync::atomic::AtomicI64::new(0);
    runner(24)
        .run(
            &(hostile_text(), hostile_text(), hostile_text()),
            |(name, address, diagnosis)| {
                let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                rt.block_on(async {
                    let p = match patients::register(&clinic.desk, &patient_input(&name, &address))
                        .await
                    {
                        Ok(p) => p,
                        Err(e) => {
                            typed(&e);
                            assert_eq!(e.kind(), ErrorKind::Validation, "{e:?}");
                            return;
                        }
                    };
                    assert_eq!(p.full_name, name.trim(), "name round-trips");
                    assert_eq!(p.address, address.trim(), "address round-trips");
                    let again = patients::get(&clinic.desk, p.id).await.unwrap();
                    assert_eq!(again.full_name, p.full_name);
                    if let Err(e) = patients::search(&clinic.desk, &name).await {
                        typed(&e);
                    }
                    let day = Utc::now().date_naive() + Duration::days(2 + i / 30);
                    let at = day
                        .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap())
                        .and_utc()
                        + Duration::minutes(15 * (i % 30));
                    let appt = appointments::book(&clinic.desk, doctor, p.id, at)
                        .await
                        .unwrap();
                    match clinical::record(&doctor_pool, appt.id, &treatment(&diagnosis, &name))
                        .await
                    {
                        Ok(_) => {}
                        Err(e) => {
                            typed(&e);
                            return;
                        }
                    }
                    let out = dir.path().join(format!("h{i}.csv"));
                    let started = export::start(
                        &doctor_pool,
                        ExportRequest {
                            scope: ExportScope::PatientHistory { patient_id: p.id },
                            path: out.clone(),
                            bom: false,
                        },
                    )
                    .await
                    .unwrap();
                    let outcome = export::run(&doctor_pool, &started, &ExportControl::default())
                        .await
                        .unwrap();
                    assert_eq!(outcome.rows, 1);
                    let mut r = csv::Reader::from_path(&out).unwrap();
                    let row = r.records().next().unwrap().unwrap();
                    assert_eq!(&row[2], export::neutralise(name.trim()).as_ref());
                    assert_eq!(&row[8], export::neutralise(diagnosis.trim()).as_ref());
                    assert_eq!(&row[11], export::neutralise(name.trim()).as_ref());
                });
                Ok(())
            },
        )
        .unwrap();
}

/// Departments and staff accounts (role names!) from hostile text: accepted exactly, or refused as a field.
#[test]
fn departments_and_usernames_from_hostile_text() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let clinic = rt.block_on(Clinic::new("UTC"));
    runner(24)
        .run(&(hostile_text(), hostile_text()), |(name, username)| {
            rt.block_on(async {
                let input = DepartmentInput {
                    name: format!("{name}{}", unique_username("")),
                    description: name.clone(),
                };
                match departments::create(&clinic.admin, &input).await {
                    Ok(d) => {
                        assert_eq!(d.name, input.name.trim());
                        assert_eq!(d.description, input.description.trim());
                    }
                    Err(e) => {
                        typed(&e);
                        assert!(e.field().is_some(), "{e:?}");
                    }
                }
                let s = staff::NewStaff {
                    username: username.clone(),
                    full_name: "Fuzz Person".into(),
                    role: StaffRole::Reception,
                    password: "violet-anchor-mango-29-tundra".into(),
                };
                match staff::create(&clinic.admin, &s).await {
                    Ok(made) => {
                        assert!(made.username.chars().all(|c| c.is_ascii_lowercase()
                            || c.is_ascii_digit()
                            || c == '_'
                            || c == '.'));
                    }
                    Err(e) => {
                        typed(&e);
                        assert!(
                            matches!(e, Error::Validation { .. } | Error::Conflict(_)),
                            "{e:?}"
                        );
                    }
                }
            });
            Ok(())
        })
        .unwrap();
}

/// Oversize input is refused before it reaches the database, and the sentence names the limit.
#[tokio::test]
async fn oversize_input_is_refused_with_its_limit() {
    let clinic = Clinic::new("UTC").await;
    let huge = "x".repeat(1_000_000);
    let e = patients::register(&clinic.desk, &patient_input(&huge, ""))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, message } if field == "full_name" && message.contains("120")),
        "{e:?}"
    );
    let e = patients::register(&clinic.desk, &patient_input("Ann Lee", &huge))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, message } if field == "address" && message.contains("500")),
        "{e:?}"
    );
    let e = patients::search(&clinic.desk, &huge).await.unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, message } if field == "query" && message.contains("120")),
        "{e:?}"
    );
    let e = departments::create(
        &clinic.admin,
        &DepartmentInput {
            name: huge.clone(),
            description: String::new(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e:?}");
    assert!(e.to_string().contains("80"), "{e}");

    let (doctor, pool) = clinic.doctor("Dr. Big", true).await;
    let p = clinic.patient("Ann Lee").await;
    let at = (Utc::now() + Duration::days(2))
        .date_naive()
        .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap())
        .and_utc();
    let a = appointments::book(&clinic.desk, doctor, p, at)
        .await
        .unwrap();
    let e = clinical::record(&pool.unwrap(), a.id, &treatment("Flu", &huge))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, .. } if field == "notes"),
        "{e:?}"
    );
    assert!(
        e.to_string().chars().any(|c| c.is_ascii_digit()),
        "names its limit: {e}"
    );
}

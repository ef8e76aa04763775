//! The clinical record and CSV export against a real PostgreSQL: one record per appointment, amendments that
//! keep history, who may write and read what (tried as each role), the export's exact bytes, atomic writes,
//! cancellation, and the export and audit records.

use chrono::{Duration, NaiveDate, Utc};
use clinicdesk_core::db::{
    appointments::AppointmentStatus,
    treatments::{ClinicalContent, PrescriptionLine, VisitType},
};
use clinicdesk_core::export::{self, ExportControl, ExportRequest, ExportScope, ExportStatus};
use clinicdesk_core::services::{
    clinical::{self, HistoryFilter, TreatmentInput},
    patients, scheduling as appts,
};
use clinicdesk_core::testing::Clinic;
use clinicdesk_core::Error;
use sqlx::PgPool;

fn input(diagnosis: &str) -> TreatmentInput {
    TreatmentInput {
        content: ClinicalContent {
            visit_type: VisitType::Consultation,
            symptoms: "cough".into(),
            diagnosis: diagnosis.into(),
            icd10_code: Some("j06.9".into()),
            treatment_given: "Advice".into(),
            prescription: vec![PrescriptionLine {
                medicine: "Paracetamol".into(),
                dose: "1 g".into(),
                frequency: "four times daily".into(),
                duration: "3 days".into(),
                instructions: "after food".into(),
            }],
            notes: String::new(),
            next_visit_on: None,
        },
        next_visit_in_days: Some(14),
    }
}

/// Books `n` visits for a patient with a doctor on the day after tomorrow (UTC clinic), 09:00, 09:15, …
async fn book_visits(c: &Clinic, doctor: i64, patient: i64, n: usize) -> Vec<i64> {
    let day = Utc::now().date_naive() + Duration::days(2);
    let slots = appts::free_slots(&c.desk, doctor, day, 1).await.unwrap()[0]
        .slots
        .clone();
    let mut ids = vec![];
    for s in slots.iter().take(n) {
        ids.push(
            appts::book(&c.desk, doctor, patient, s.starts_at)
                .await
                .unwrap()
                .id,
        );
    }
    ids
}

#[tokio::test]
async fn one_record_per_appointment_only_by_its_doctor_and_it_completes_the_visit() {
    let c = Clinic::new("UTC").await;
    let (rao, rao_pool) = c.doctor("Dr. Rao", true).await;
    let (_oka, oka_pool) = c.doctor("Dr. Okafor", true).await;
    let (rao_pool, oka_pool) = (rao_pool.unwrap(), oka_pool.unwrap());
    let pat = c.patient("Pat Doe").await;
    let ids = book_visits(&c, rao, pat, 3).await;

    let denied = clinical::record(&oka_pool, ids[0], &input("flu"))
        .await
        .unwrap_err();
    assert!(matches!(denied, Error::PermissionDenied(_)), "{denied:?}");
    let t = clinical::record(
        &rao_pool,
        ids[0],
        &input("Acute upper respiratory infection"),
    )
    .await
    .unwrap();
    assert_eq!(
        (t.version, t.content.icd10_code.as_deref()),
        (1, Some("J06.9"))
    );
    assert_eq!(
        t.content.next_visit_on,
        Some(Utc::now().date_naive() + Duration::days(16)),
        "in 14 days from the visit"
    );
    let a = appts::for_patient(&c.desk, pat)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.id == ids[0])
        .unwrap();
    assert_eq!(
        a.status,
        AppointmentStatus::Completed,
        "saving completes the appointment"
    );
    let again = clinical::record(&rao_pool, ids[0], &input("again"))
        .await
        .unwrap_err();
    assert!(matches!(again, Error::Conflict(_)), "{again:?}");

    // a cancelled appointment has no visit to record — refused by the service and by the database
    appts::cancel(&c.desk, ids[1], "Patient unwell")
        .await
        .unwrap();
    assert!(matches!(
        clinical::record(&rao_pool, ids[1], &input("x")).await,
        Err(Error::Validation { .. })
    ));
    let raw = sqlx::query("INSERT INTO treatments (appointment_id, visit_type, diagnosis) VALUES ($1, 'consultation', 'x')")
        .bind(ids[1])
        .execute(rao_pool.pool())
        .await
        .unwrap_err();
    assert_eq!(
        raw.as_database_error().unwrap().code().as_deref(),
        Some("42501"),
        "RLS refuses it"
    );

    let mut bad = input("x");
    bad.content.icd10_code = Some("U07.1".into());
    assert!(
        matches!(clinical::record(&rao_pool, ids[2], &bad).await, Err(Error::Validation { field, .. }) if field == "icd10_code")
    );
    let mut bad = input("x");
    bad.content.next_visit_on = Some(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
    assert!(
        matches!(
            clinical::record(&rao_pool, ids[2], &bad).await,
            Err(Error::Validation { .. })
        ),
        "both a date and days"
    );
    let untouched = appts::for_patient(&c.desk, pat)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.id == ids[2])
        .unwrap();
    assert_eq!(
        untouched.status,
        AppointmentStatus::Booked,
        "a refused record leaves the appointment as it was"
    );
}

#[tokio::test]
async fn amendments_keep_every_version_and_only_author_or_admin_amend() {
    let c = Clinic::new("UTC").await;
    let (rao, rao_pool) = c.doctor("Dr. Rao", true).await;
    let (_oka, oka_pool) = c.doctor("Dr. Okafor", true).await;
    let (rao_pool, oka_pool) = (rao_pool.unwrap(), oka_pool.unwrap());
    let pat = c.patient("Pat Doe").await;
    let ids = book_visits(&c, rao, pat, 1).await;
    let t = clinical::record(&rao_pool, ids[0], &input("Flu"))
        .await
        .unwrap();

    let v2 = clinical::amend(&rao_pool, t.id, &input("Influenza A"))
        .await
        .unwrap();
    assert_eq!(
        (v2.version, v2.content.diagnosis.as_str()),
        (2, "Influenza A")
    );
    assert!(matches!(
        clinical::amend(&oka_pool, t.id, &input("Nope")).await,
        Err(Error::PermissionDenied(_))
    ));
    assert!(matches!(
        clinical::amend(&c.desk, t.id, &input("Nope")).await,
        Err(Error::PermissionDenied(_))
    ));
    let v3 = clinical::amend(&c.admin, t.id, &input("Influenza A, confirmed"))
        .await
        .unwrap();
    assert_eq!(v3.version, 3);

    let history = clinical::amendments(&rao_pool, t.id).await.unwrap();
    assert_eq!(
        history.iter().map(|a| a.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert_eq!(history[1].previous.diagnosis, "Flu");
    assert_eq!(history[1].changed, vec!["diagnosis"]);
    assert_eq!(history[0].previous.diagnosis, "Influenza A");
    let owner = c.db.owner_pool().await;
    let tamper = sqlx::query("UPDATE treatment_amendments SET changed = '{}'")
        .execute(&owner)
        .await;
    assert!(
        tamper.is_err(),
        "amendment history cannot be rewritten, even by the owner"
    );
}

#[tokio::test]
async fn history_shows_clinical_content_to_doctors_only_and_audits_the_read() {
    let c = Clinic::new("UTC").await;
    let (rao, rao_pool) = c.doctor("Dr. Rao", true).await;
    let rao_pool = rao_pool.unwrap();
    let pat = c.patient("Pat Doe").await;
    let ids = book_visits(&c, rao, pat, 2).await;
    clinical::record(&rao_pool, ids[0], &input("Migraine"))
        .await
        .unwrap();
    clinical::record(&rao_pool, ids[1], &input("Sprained ankle"))
        .await
        .unwrap();

    let doc_view = clinical::history(&rao_pool, pat, &HistoryFilter::default())
        .await
        .unwrap();
    assert_eq!(doc_view.len(), 2);
    assert_eq!(doc_view[0].appointment.id, ids[1], "newest first");
    assert_eq!(
        doc_view[0].clinical.as_ref().unwrap().diagnosis,
        "Sprained ankle"
    );
    let filtered = clinical::history(
        &rao_pool,
        pat,
        &HistoryFilter {
            text: Some("migr".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(filtered.len(), 1);

    let desk_view = clinical::history(&c.desk, pat, &HistoryFilter::default())
        .await
        .unwrap();
    assert_eq!(desk_view.len(), 2);
    assert!(
        desk_view.iter().all(|v| v.clinical.is_none()),
        "reception sees visits without clinical content"
    );
    assert_eq!(desk_view[0].visit_type, Some(VisitType::Consultation));
    assert!(
        desk_view[0].next_visit_on.is_some(),
        "…but sees when to recall the patient"
    );

    let reads: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'read_history' AND row_id = $1",
    )
    .bind(pat.to_string())
    .fetch_one(c.admin.pool())
    .await
    .unwrap();
    assert_eq!(
        reads, 2,
        "both clinical reads audited (the reception read has no clinical content)"
    );
    let recalls = clinical::recalls(&c.desk).await.unwrap();
    assert!(
        recalls.is_empty(),
        "next visits are 16 days out: not due this week"
    );
}

async fn export_to(
    pool: &PgPool,
    scope: ExportScope,
    path: &std::path::Path,
    control: &ExportControl,
) -> clinicdesk_core::Result<export::ExportOutcome> {
    let started = export::start(
        pool,
        ExportRequest {
            scope,
            path: path.to_path_buf(),
            bom: false,
        },
    )
    .await?;
    export::run(pool, &started, control).await
}

#[tokio::test]
async fn export_bytes_quote_unicode_and_neutralise_formulas() {
    let c = Clinic::new("UTC").await;
    let (rao, rao_pool) = c.doctor("Dr. Rao", true).await;
    let rao_pool = rao_pool.unwrap();
    let pat = c.patient("Zoë O'Brien").await;
    let mrn = patients::get(&c.desk, pat).await.unwrap().mrn;
    let ids = book_visits(&c, rao, pat, 2).await;
    let mut tricky = input("=HYPERLINK(\"http://evil\")");
    tricky.content.icd10_code = None;
    tricky.content.symptoms = "line one\nline \"two\", with comma".into();
    tricky.content.notes = "@SUM(1)".into();
    tricky.content.prescription = vec![];
    tricky.next_visit_in_days = None;
    clinical::record(&rao_pool, ids[0], &tricky).await.unwrap();
    clinical::record(&rao_pool, ids[1], &input("Grippe — ça va"))
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.csv");
    let out = export_to(
        &rao_pool,
        ExportScope::PatientHistory { patient_id: pat },
        &path,
        &ExportControl::default(),
    )
    .await
    .unwrap();
    assert_eq!((out.status, out.rows), (ExportStatus::Done, 2));
    let day = (Utc::now().date_naive() + Duration::days(2)).to_string();
    let next = (Utc::now().date_naive() + Duration::days(16)).to_string();
    let expected = format!(
        "Patient ID,MRN,Patient name,Doctor,Department,Appointment date,Visit type,Symptoms,Diagnosis,Treatment,Prescription,Notes,Next visit suggested\r\n\
         {pat},{mrn},Zoë O'Brien,Dr. Rao,General Medicine,{day} 09:15,Consultation,cough,Grippe — ça va (J06.9),Advice,\"Paracetamol 1 g, four times daily, 3 days (after food)\",,{next}\r\n\
         {pat},{mrn},Zoë O'Brien,Dr. Rao,General Medicine,{day} 09:00,Consultation,\"line one\nline \"\"two\"\", with comma\",\"'=HYPERLINK(\"\"http://evil\"\")\",Advice,,'@SUM(1),\r\n"
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
    assert_eq!(out.bytes as usize, bytes.len());

    // the BOM option
    let bom_path = dir.path().join("excel.csv");
    let started = export::start(
        &rao_pool,
        ExportRequest {
            scope: ExportScope::PatientHistory { patient_id: pat },
            path: bom_path.clone(),
            bom: true,
        },
    )
    .await
    .unwrap();
    export::run(&rao_pool, &started, &ExportControl::default())
        .await
        .unwrap();
    assert!(std::fs::read(&bom_path)
        .unwrap()
        .starts_with(b"\xEF\xBB\xBFPatient ID,"));

    // recorded and audited
    let (status, rows, recorded_bytes): (String, i64, i64) =
        sqlx::query_as("SELECT status, rows_written, bytes FROM exports WHERE id = $1")
            .bind(out.export_id)
            .fetch_one(c.admin.pool())
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), rows, recorded_bytes),
        ("done", 2, bytes.len() as i64)
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'export_done' AND row_id = $1",
    )
    .bind(pat.to_string())
    .fetch_one(c.admin.pool())
    .await
    .unwrap();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn failed_or_cancelled_exports_leave_no_file_and_bad_targets_are_refused() {
    let c = Clinic::new("UTC").await;
    let (rao, rao_pool) = c.doctor("Dr. Rao", true).await;
    let rao_pool = rao_pool.unwrap();
    let pat = c.patient("Pat Doe").await;
    for id in book_visits(&c, rao, pat, 3).await {
        clinical::record(&rao_pool, id, &input("Flu"))
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.csv");
    let scope = ExportScope::PatientHistory { patient_id: pat };

    // the disk fills up after one row: no file under the chosen name, no temporary file left behind
    let failing = ExportControl {
        fail_after_rows: Some(1),
        ..Default::default()
    };
    let out = export_to(&rao_pool, scope.clone(), &path, &failing)
        .await
        .unwrap();
    assert_eq!(out.status, ExportStatus::Failed);
    assert!(out.message.contains("disk is full"), "{}", out.message);
    assert!(!path.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no partial or temporary file"
    );

    // an existing good file is never replaced by a failed export
    std::fs::write(&path, "previous export").unwrap();
    export_to(&rao_pool, scope.clone(), &path, &failing)
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous export");

    let cancelled = ExportControl::default();
    cancelled
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let out = export_to(
        &rao_pool,
        scope.clone(),
        &dir.path().join("c.csv"),
        &cancelled,
    )
    .await
    .unwrap();
    assert_eq!(out.status, ExportStatus::Cancelled);
    assert!(!dir.path().join("c.csv").exists());

    let statuses: Vec<String> = sqlx::query_scalar("SELECT status FROM exports ORDER BY id")
        .fetch_all(c.admin.pool())
        .await
        .unwrap();
    assert_eq!(statuses, vec!["failed", "failed", "cancelled"]);

    let field = |r: clinicdesk_core::Result<export::ExportOutcome>| match r {
        Err(Error::Validation { field, message }) => (field, message),
        other => panic!("expected a validation error, got {other:?}"),
    };
    let (f, m) = field(
        export_to(
            &rao_pool,
            scope.clone(),
            dir.path(),
            &ExportControl::default(),
        )
        .await,
    );
    assert_eq!(f, "path");
    assert!(m.contains("is a folder"), "{m}");
    let (_, m) = field(
        export_to(
            &rao_pool,
            scope.clone(),
            &dir.path().join("missing/x.csv"),
            &ExportControl::default(),
        )
        .await,
    );
    assert!(m.contains("does not exist"), "{m}");
    let denied = export_to(
        &c.desk,
        scope.clone(),
        &dir.path().join("r.csv"),
        &ExportControl::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(denied, Error::PermissionDenied(_)),
        "reception may not export clinical history: {denied:?}"
    );
    let denied = export_to(
        &rao_pool,
        ExportScope::Visits {
            from: Utc::now().date_naive(),
            to: Utc::now().date_naive(),
        },
        &dir.path().join("v.csv"),
        &ExportControl::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(denied, Error::PermissionDenied(_)),
        "bulk export is for administrators"
    );
    let raw = sqlx::query("INSERT INTO exports (kind, path) VALUES ('visits', '/tmp/all.csv')")
        .execute(rao_pool.pool())
        .await
        .unwrap_err();
    assert_eq!(
        raw.as_database_error().unwrap().code().as_deref(),
        Some("42501"),
        "…and the database says so too"
    );
    let bulk = export_to(
        &c.admin,
        ExportScope::Visits {
            from: Utc::now().date_naive(),
            to: Utc::now().date_naive() + Duration::days(7),
        },
        &dir.path().join("v.csv"),
        &ExportControl::default(),
    )
    .await
    .unwrap();
    assert_eq!(bulk.rows, 3);
}

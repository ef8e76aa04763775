//! Exports (`exports`): every file of medical data that left the system — who, what, where, how many rows —
//! and the rows such a file is made of, streamed.

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream::BoxStream;
use sqlx::types::Json;
use sqlx::PgConnection;

use crate::db::treatments::{PrescriptionLine, VisitType};
use crate::error::Result;

pub async fn insert(
    db: &mut PgConnection,
    kind: &str,
    patient_id: Option<i64>,
    path: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO exports (kind, patient_id, path) VALUES ($1, $2, $3) RETURNING id",
        kind,
        patient_id,
        path
    )
    .fetch_one(db)
    .await?)
}

pub async fn finish(
    db: &mut PgConnection,
    id: i64,
    status: &str,
    rows: i64,
    bytes: i64,
    error: Option<&str>,
) -> Result<()> {
    sqlx::query!(
        "UPDATE exports SET status = $2, rows_written = $3, bytes = $4, error = $5, finished_at = now() WHERE id = $1",
        id,
        status,
        rows,
        bytes,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

/// One line of an export: a completed visit with its treatment.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub patient_id: i64,
    pub mrn: String,
    pub patient_name: String,
    pub doctor_name: String,
    pub department: String,
    pub starts_at: DateTime<Utc>,
    pub visit_type: VisitType,
    pub symptoms: String,
    pub diagnosis: String,
    pub icd10_code: Option<String>,
    pub treatment_given: String,
    pub prescription: Json<Vec<PrescriptionLine>>,
    pub notes: String,
    pub next_visit_on: Option<NaiveDate>,
}

/// Streams the visits of one patient (newest first) or of a date range (oldest first), constant memory.
pub fn stream<'a>(
    db: &'a mut PgConnection,
    patient_id: Option<i64>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> BoxStream<'a, std::result::Result<ExportRow, sqlx::Error>> {
    sqlx::query_as!(
        ExportRow,
        r#"SELECT p.id AS patient_id, p.mrn, p.full_name AS patient_name, d.full_name AS doctor_name, dep.name AS department,
                  a.starts_at, t.visit_type AS "visit_type: VisitType", t.symptoms, t.diagnosis, t.icd10_code, t.treatment_given,
                  t.prescription AS "prescription: Json<Vec<PrescriptionLine>>", t.notes, t.next_visit_on
             FROM treatments t
             JOIN appointments a ON a.id = t.appointment_id
             JOIN patients p ON p.id = a.patient_id
             JOIN doctors d ON d.id = a.doctor_id
             JOIN departments dep ON dep.id = d.department_id
            WHERE ($1::bigint IS NULL OR a.patient_id = $1)
              AND ($2::timestamptz IS NULL OR a.starts_at >= $2)
              AND ($3::timestamptz IS NULL OR a.starts_at < $3)
            ORDER BY CASE WHEN $1::bigint IS NULL THEN NULL ELSE a.starts_at END DESC, a.starts_at, a.id"#,
        patient_id,
        from,
        to
    )
    .fetch(db)
}

/// Paths of exports started in the last `days` days (their folders are where temp files could be left).
pub async fn recent_paths(db: &mut PgConnection, days: i32) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "SELECT DISTINCT path FROM exports WHERE created_at > now() - make_interval(days => $1)",
        days
    )
    .fetch_all(db)
    .await?)
}

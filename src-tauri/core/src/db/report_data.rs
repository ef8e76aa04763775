//! What the monthly report reads: a fixed set of set-based queries over a month for *all* doctors at once, so
//! the number of queries does not grow with doctors or appointments. Patients appear by MRN only.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::error::Result;

pub struct ReportDoctor {
    pub id: i64,
    pub full_name: String,
    pub email: Option<String>,
    pub department: String,
}

#[derive(Default, Clone)]
pub struct StatusTotals {
    pub doctor_id: i64,
    pub total: i64,
    pub booked: i64,
    pub completed: i64,
    pub cancelled: i64,
    pub no_show: i64,
    pub unique_patients: i64,
}

pub struct DayCount {
    pub doctor_id: i64,
    pub day: NaiveDate,
    pub n: i64,
}

pub struct Diagnosis {
    pub doctor_id: i64,
    pub label: String,
    pub n: i64,
}

pub struct ApptLine {
    pub doctor_id: i64,
    pub starts_at: DateTime<Utc>,
    pub mrn: String,
    pub status: String,
}

pub struct TreatmentLine {
    pub doctor_id: i64,
    pub starts_at: DateTime<Utc>,
    pub mrn: String,
    pub visit_type: String,
    pub icd10_code: Option<String>,
    pub diagnosis: String,
}

pub async fn active_doctors(db: &mut PgConnection) -> Result<Vec<ReportDoctor>> {
    Ok(sqlx::query_as!(
        ReportDoctor,
        "SELECT d.id, d.full_name, d.email, dep.name AS department
           FROM doctors d JOIN departments dep ON dep.id = d.department_id
          WHERE d.active ORDER BY d.full_name, d.id"
    )
    .fetch_all(db)
    .await?)
}

pub async fn status_totals(
    db: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<StatusTotals>> {
    Ok(sqlx::query_as!(
        StatusTotals,
        r#"SELECT doctor_id,
                  count(*) AS "total!",
                  count(*) FILTER (WHERE status IN ('booked', 'checked_in')) AS "booked!",
                  count(*) FILTER (WHERE status = 'completed') AS "completed!",
                  count(*) FILTER (WHERE status = 'cancelled') AS "cancelled!",
                  count(*) FILTER (WHERE status = 'no_show') AS "no_show!",
                  count(DISTINCT patient_id) FILTER (WHERE status <> 'cancelled') AS "unique_patients!"
             FROM appointments WHERE starts_at >= $1 AND starts_at < $2
            GROUP BY doctor_id"#,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

/// Visits (not cancelled) per doctor per local day.
pub async fn per_day(
    db: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    tz: &str,
) -> Result<Vec<DayCount>> {
    Ok(sqlx::query_as!(
        DayCount,
        r#"SELECT doctor_id, (starts_at AT TIME ZONE $3)::date AS "day!", count(*) AS "n!"
             FROM appointments WHERE starts_at >= $1 AND starts_at < $2 AND status <> 'cancelled'
            GROUP BY 1, 2 ORDER BY 1, 2"#,
        from,
        to,
        tz
    )
    .fetch_all(db)
    .await?)
}

/// Each doctor's five most frequent diagnoses (by ICD-10 code, else by the diagnosis text).
pub async fn top_diagnoses(
    db: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Diagnosis>> {
    Ok(sqlx::query_as!(
        Diagnosis,
        r#"SELECT doctor_id AS "doctor_id!", label AS "label!", n AS "n!" FROM (
             SELECT a.doctor_id, coalesce(t.icd10_code, nullif(lower(left(btrim(t.diagnosis), 80)), ''), 'not recorded') AS label,
                    count(*) AS n,
                    row_number() OVER (PARTITION BY a.doctor_id ORDER BY count(*) DESC,
                        coalesce(t.icd10_code, nullif(lower(left(btrim(t.diagnosis), 80)), ''), 'not recorded')) AS rk
               FROM treatments t JOIN appointments a ON a.id = t.appointment_id
              WHERE a.starts_at >= $1 AND a.starts_at < $2
              GROUP BY 1, 2) x
            WHERE rk <= 5 ORDER BY doctor_id, n DESC, label"#,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

pub async fn appointment_lines(
    db: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ApptLine>> {
    Ok(sqlx::query_as!(
        ApptLine,
        "SELECT a.doctor_id, a.starts_at, p.mrn, a.status
           FROM appointments a JOIN patients p ON p.id = a.patient_id
          WHERE a.starts_at >= $1 AND a.starts_at < $2 ORDER BY a.doctor_id, a.starts_at, a.id",
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

pub async fn treatment_lines(
    db: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<TreatmentLine>> {
    Ok(sqlx::query_as!(
        TreatmentLine,
        r#"SELECT a.doctor_id, a.starts_at, p.mrn, t.visit_type, t.icd10_code, left(t.diagnosis, 120) AS "diagnosis!"
             FROM treatments t JOIN appointments a ON a.id = t.appointment_id JOIN patients p ON p.id = a.patient_id
            WHERE a.starts_at >= $1 AND a.starts_at < $2 ORDER BY a.doctor_id, a.starts_at, t.id"#,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

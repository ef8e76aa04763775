//! Treatments (`treatments`) and their amendments (`treatment_amendments`): the clinical record of a visit.
//! Reception may read only a treatment's non-clinical columns, so its history query selects nothing else.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::PgConnection;

use crate::db::appointments::AppointmentStatus;
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum VisitType {
    Consultation,
    FollowUp,
    Emergency,
    Procedure,
}

impl VisitType {
    pub fn label(self) -> &'static str {
        match self {
            VisitType::Consultation => "Consultation",
            VisitType::FollowUp => "Follow-up",
            VisitType::Emergency => "Emergency",
            VisitType::Procedure => "Procedure",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PrescriptionLine {
    pub medicine: String,
    pub dose: String,
    pub frequency: String,
    pub duration: String,
    pub instructions: String,
}

impl PrescriptionLine {
    /// "Amoxicillin 500 mg, twice daily, 7 days (after food)"
    pub fn describe(&self) -> String {
        let head = [self.medicine.as_str(), self.dose.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let mut parts = vec![head];
        parts.extend(
            [&self.frequency, &self.duration]
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string()),
        );
        let mut out = parts.join(", ");
        if !self.instructions.is_empty() {
            out.push_str(&format!(" ({})", self.instructions));
        }
        out
    }
}

/// The clinical content of a treatment, as recorded or amended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ClinicalContent {
    pub visit_type: VisitType,
    pub symptoms: String,
    pub diagnosis: String,
    pub icd10_code: Option<String>,
    pub treatment_given: String,
    pub prescription: Vec<PrescriptionLine>,
    pub notes: String,
    pub next_visit_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Treatment {
    pub id: i64,
    pub appointment_id: i64,
    #[serde(flatten)]
    pub content: ClinicalContent,
    pub recorded_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Amendment {
    /// The version this entry preserves (the one that was replaced).
    pub version: i32,
    pub amended_by: String,
    pub amended_at: DateTime<Utc>,
    pub changed: Vec<String>,
    pub previous: ClinicalContent,
}

struct TreatmentRow {
    id: i64,
    appointment_id: i64,
    visit_type: VisitType,
    symptoms: String,
    diagnosis: String,
    icd10_code: Option<String>,
    treatment_given: String,
    prescription: Json<Vec<PrescriptionLine>>,
    notes: String,
    next_visit_on: Option<NaiveDate>,
    recorded_by: String,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<TreatmentRow> for Treatment {
    fn from(r: TreatmentRow) -> Self {
        Treatment {
            id: r.id,
            appointment_id: r.appointment_id,
            content: ClinicalContent {
                visit_type: r.visit_type,
                symptoms: r.symptoms,
                diagnosis: r.diagnosis,
                icd10_code: r.icd10_code,
                treatment_given: r.treatment_given,
                prescription: r.prescription.0,
                notes: r.notes,
                next_visit_on: r.next_visit_on,
            },
            recorded_by: r.recorded_by,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The treatment columns; `$where` completes the statement.
macro_rules! select_treatment {
    ($where:literal, $arg:expr) => {
        sqlx::query_as!(
            TreatmentRow,
            r#"SELECT id, appointment_id, visit_type AS "visit_type: VisitType", symptoms, diagnosis, icd10_code, treatment_given,
                      prescription AS "prescription: Json<Vec<PrescriptionLine>>", notes, next_visit_on, recorded_by, version,
                      created_at, updated_at
                 FROM treatments WHERE "# + $where,
            $arg
        )
    };
}

pub async fn for_appointment(
    db: &mut PgConnection,
    appointment_id: i64,
) -> Result<Option<Treatment>> {
    Ok(select_treatment!("appointment_id = $1", appointment_id)
        .fetch_optional(db)
        .await?
        .map(Into::into))
}

pub async fn get(db: &mut PgConnection, id: i64) -> Result<Option<Treatment>> {
    Ok(select_treatment!("id = $1", id)
        .fetch_optional(db)
        .await?
        .map(Into::into))
}

pub async fn insert(
    db: &mut PgConnection,
    appointment_id: i64,
    c: &ClinicalContent,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO treatments (appointment_id, visit_type, symptoms, diagnosis, icd10_code, treatment_given, prescription,
                                 notes, next_visit_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        appointment_id,
        c.visit_type as VisitType,
        c.symptoms,
        c.diagnosis,
        c.icd10_code,
        c.treatment_given,
        Json(&c.prescription) as _,
        c.notes,
        c.next_visit_on
    )
    .fetch_one(db)
    .await?)
}

/// Amends a treatment; the table's trigger keeps the previous version. Returns false when no row was visible
/// for update (another doctor's appointment).
pub async fn amend(db: &mut PgConnection, id: i64, c: &ClinicalContent) -> Result<bool> {
    let r = sqlx::query!(
        "UPDATE treatments SET visit_type = $2, symptoms = $3, diagnosis = $4, icd10_code = $5, treatment_given = $6,
                prescription = $7, notes = $8, next_visit_on = $9
          WHERE id = $1",
        id,
        c.visit_type as VisitType,
        c.symptoms,
        c.diagnosis,
        c.icd10_code,
        c.treatment_given,
        Json(&c.prescription) as _,
        c.notes,
        c.next_visit_on
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn amendments(db: &mut PgConnection, treatment_id: i64) -> Result<Vec<Amendment>> {
    Ok(sqlx::query!(
        r#"SELECT version, amended_by, amended_at, changed, previous AS "previous: Json<ClinicalContent>"
             FROM treatment_amendments WHERE treatment_id = $1 ORDER BY version DESC"#,
        treatment_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| Amendment { version: r.version, amended_by: r.amended_by, amended_at: r.amended_at, changed: r.changed, previous: r.previous.0 })
    .collect())
}

/// One completed visit with its clinical content (doctors and administrators).
#[derive(Debug, Clone)]
pub struct ClinicalVisitRow {
    pub appointment_id: i64,
    pub status: AppointmentStatus,
    pub visit_type: Option<VisitType>,
    pub next_visit_on: Option<NaiveDate>,
    pub symptoms: Option<String>,
    pub diagnosis: Option<String>,
    pub icd10_code: Option<String>,
    pub treatment_given: Option<String>,
    pub prescription: Option<Json<Vec<PrescriptionLine>>>,
    pub notes: Option<String>,
    pub recorded_by: Option<String>,
    pub version: Option<i32>,
}

/// The patient's completed visits with their treatments, filtered, newest first.
pub async fn clinical_history(
    db: &mut PgConnection,
    patient_id: i64,
    doctor_id: Option<i64>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    text: Option<&str>,
) -> Result<Vec<ClinicalVisitRow>> {
    Ok(sqlx::query_as!(
        ClinicalVisitRow,
        r#"SELECT a.id AS appointment_id, a.status AS "status: AppointmentStatus",
                  t.visit_type AS "visit_type?: VisitType", t.next_visit_on AS "next_visit_on?", t.symptoms AS "symptoms?",
                  t.diagnosis AS "diagnosis?", t.icd10_code, t.treatment_given AS "treatment_given?",
                  t.prescription AS "prescription?: Json<Vec<PrescriptionLine>>", t.notes AS "notes?",
                  t.recorded_by AS "recorded_by?", t.version AS "version?"
             FROM appointments a
             JOIN doctors d ON d.id = a.doctor_id
             LEFT JOIN treatments t ON t.appointment_id = a.id
            WHERE a.patient_id = $1 AND a.status IN ('completed', 'checked_in')
              AND ($2::bigint IS NULL OR a.doctor_id = $2)
              AND ($3::timestamptz IS NULL OR a.starts_at >= $3)
              AND ($4::timestamptz IS NULL OR a.starts_at < $4)
              AND ($5::text IS NULL OR concat_ws(' ', d.full_name, t.symptoms, t.diagnosis, t.icd10_code, t.treatment_given,
                                                  t.prescription::text, t.notes) ILIKE '%' || $5 || '%')
            ORDER BY a.starts_at DESC"#,
        patient_id,
        doctor_id,
        from,
        to,
        text
    )
    .fetch_all(db)
    .await?)
}

/// The same visits without clinical columns (reception may not read them).
pub async fn visit_history(
    db: &mut PgConnection,
    patient_id: i64,
    doctor_id: Option<i64>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    text: Option<&str>,
) -> Result<Vec<(i64, Option<VisitType>, Option<NaiveDate>)>> {
    Ok(sqlx::query!(
        r#"SELECT a.id, t.visit_type AS "visit_type?: VisitType", t.next_visit_on AS "next_visit_on?"
             FROM appointments a
             JOIN doctors d ON d.id = a.doctor_id
             LEFT JOIN treatments t ON t.appointment_id = a.id
            WHERE a.patient_id = $1 AND a.status IN ('completed', 'checked_in')
              AND ($2::bigint IS NULL OR a.doctor_id = $2)
              AND ($3::timestamptz IS NULL OR a.starts_at >= $3)
              AND ($4::timestamptz IS NULL OR a.starts_at < $4)
              AND ($5::text IS NULL OR d.full_name ILIKE '%' || $5 || '%')
            ORDER BY a.starts_at DESC"#,
        patient_id,
        doctor_id,
        from,
        to,
        text
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.id, r.visit_type, r.next_visit_on))
    .collect())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Recall {
    pub patient_id: i64,
    pub patient_name: String,
    pub patient_mrn: String,
    pub phone: Option<String>,
    pub next_visit_on: NaiveDate,
    pub doctor_id: i64,
    pub doctor_name: String,
    pub overdue: bool,
}

/// Suggested next visits due by `until` (and overdue ones from the last 90 days) for patients with nothing booked
/// since that visit.
pub async fn recalls(
    db: &mut PgConnection,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<Recall>> {
    Ok(sqlx::query_as!(
        Recall,
        r#"SELECT DISTINCT ON (p.id) p.id AS patient_id, p.full_name AS patient_name, p.mrn AS patient_mrn, p.phone,
                  t.next_visit_on AS "next_visit_on!", d.id AS doctor_id, d.full_name AS doctor_name,
                  t.next_visit_on < $1 AS "overdue!"
             FROM treatments t
             JOIN appointments a ON a.id = t.appointment_id
             JOIN patients p ON p.id = a.patient_id
             JOIN doctors d ON d.id = a.doctor_id
            WHERE t.next_visit_on BETWEEN $1 - 90 AND $2
              AND p.blacklisted_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM appointments later
                               WHERE later.patient_id = a.patient_id AND later.starts_at > a.starts_at
                                 AND later.status IN ('booked', 'checked_in', 'completed'))
            ORDER BY p.id, t.next_visit_on"#,
        today,
        until
    )
    .fetch_all(db)
    .await?)
}

//! The clinical record: doctors document their own visits (saving completes the appointment), later changes are
//! amendments that keep every earlier version, and the history follows the patient. Reception sees the visits
//! without their clinical content — because the database will not let that role read it.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use crate::clock::Clock;
use crate::db::{
    appointments::{self, AppointmentStatus},
    staff,
    treatments::{
        self, Amendment, ClinicalContent, PrescriptionLine, Recall, Treatment, VisitType,
    },
};
use crate::error::{Error, Result};
use crate::schedule;
use crate::services::scheduling::Appointment;

/// What a doctor submits: the clinical content, with the next visit given as a date or …
#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct TreatmentInput {
    #[serde(flatten)]
    pub content: ClinicalContent,
    /// … "in N days" from the visit.
    pub next_visit_in_days: Option<i32>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ClinicalDetails {
    pub symptoms: String,
    pub diagnosis: String,
    pub icd10_code: Option<String>,
    pub treatment_given: String,
    pub prescription: Vec<PrescriptionLine>,
    pub notes: String,
    pub recorded_by: String,
    pub version: i32,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Visit {
    pub appointment: Appointment,
    pub visit_type: Option<VisitType>,
    pub next_visit_on: Option<NaiveDate>,
    /// None for roles that may not read clinical content.
    pub clinical: Option<ClinicalDetails>,
}

#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
pub struct HistoryFilter {
    pub doctor_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub text: Option<String>,
}

/// ICD-10(-CM) code shape: letter (not U), two characters, optional dot and up to four more. The code list itself
/// is not shipped (no public-domain list is on the registries this project may use), so the shape is what is checked.
pub fn valid_icd10(code: &str) -> bool {
    let b = code.as_bytes();
    let letter = |c: u8| c.is_ascii_uppercase() && c != b'U';
    if b.len() < 3
        || !letter(b[0])
        || !b[1].is_ascii_digit()
        || !(b[2].is_ascii_digit() || b[2] == b'A' || b[2] == b'B')
    {
        return false;
    }
    match &b[3..] {
        [] => true,
        [b'.', rest @ ..] => {
            (1..=4).contains(&rest.len()) && rest.iter().all(|&c| c.is_ascii_digit() || letter(c))
        }
        _ => false,
    }
}

fn clean(form: &TreatmentInput, visit_date: NaiveDate) -> Result<ClinicalContent> {
    let input = &form.content;
    let text =
        |field: &str, label: &str, v: &str, max: usize| super::optional_text(field, label, v, max);
    let icd10_code = match input.icd10_code.as_deref().map(|c| c.trim().to_uppercase()) {
        Some(c) if c.is_empty() => None,
        Some(c) if valid_icd10(&c) => Some(c),
        Some(_) => return Err(Error::validation("icd10_code", crate::msg!(icd10_shape))),
        None => None,
    };
    if input.prescription.len() > 30 {
        return Err(Error::validation(
            "prescription",
            crate::msg!(prescription_max_lines),
        ));
    }
    let mut prescription = vec![];
    for (i, line) in input.prescription.iter().enumerate() {
        let l = PrescriptionLine {
            medicine: super::optional_text("prescription", "Medicine", &line.medicine, 200)?,
            dose: super::optional_text("prescription", "Dose", &line.dose, 100)?,
            frequency: super::optional_text("prescription", "Frequency", &line.frequency, 100)?,
            duration: super::optional_text("prescription", "Duration", &line.duration, 100)?,
            instructions: super::optional_text(
                "prescription",
                "Instructions",
                &line.instructions,
                300,
            )?,
        };
        if l.medicine.is_empty() {
            if l == PrescriptionLine::default() {
                continue;
            }
            return Err(Error::validation(
                "prescription",
                crate::msg!(prescription_line_medicine, line = i + 1),
            ));
        }
        prescription.push(l);
    }
    let next_visit_on = match (input.next_visit_on, form.next_visit_in_days) {
        (Some(_), Some(_)) => {
            return Err(Error::validation(
                "next_visit_on",
                crate::msg!(next_visit_date_or_days),
            ))
        }
        (Some(d), None) if d <= visit_date => {
            return Err(Error::validation(
                "next_visit_on",
                crate::msg!(next_visit_after),
            ))
        }
        (Some(d), None) => Some(d),
        (None, Some(n)) if !(1..=3650).contains(&n) => {
            return Err(Error::validation(
                "next_visit_in_days",
                crate::msg!(next_visit_days_range),
            ))
        }
        (None, Some(n)) => Some(visit_date + Duration::days(n as i64)),
        (None, None) => None,
    };
    let c = ClinicalContent {
        visit_type: input.visit_type,
        symptoms: text("symptoms", "Symptoms", &input.symptoms, 4000)?,
        diagnosis: text("diagnosis", "Diagnosis", &input.diagnosis, 4000)?,
        icd10_code,
        treatment_given: text("treatment_given", "Treatment", &input.treatment_given, 4000)?,
        prescription,
        notes: text("notes", "Notes", &input.notes, 8000)?,
        next_visit_on,
    };
    if c.diagnosis.is_empty() && c.treatment_given.is_empty() && c.notes.is_empty() {
        return Err(Error::validation(
            "diagnosis",
            crate::msg!(visit_record_empty),
        ));
    }
    Ok(c)
}

/// Records the treatment of the signed-in doctor's own appointment and completes the appointment, together.
#[tracing::instrument(skip(pool, input))]
pub async fn record(
    pool: &PgPool,
    appointment_id: i64,
    input: &TreatmentInput,
) -> Result<Treatment> {
    let mut tx = pool.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let appt = appointments::get(&mut tx, appointment_id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(appointment_missing)))?;
    let mine = crate::db::doctors::current_id(&mut tx).await?;
    if mine != Some(appt.doctor_id) {
        return Err(Error::PermissionDenied(crate::msg!(
            visit_record_own_doctor,
            doctor = appt.doctor_name
        )));
    }
    let content = clean(input, schedule::local_date(clock.tz, appt.starts_at))?;
    let locked = appointments::lock(&mut tx, appointment_id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(appointment_missing)))?;
    match locked.status {
        AppointmentStatus::Booked | AppointmentStatus::CheckedIn => {}
        AppointmentStatus::Completed => {
            return Err(Error::Conflict(crate::msg!(visit_record_exists)));
        }
        other => {
            return Err(Error::validation(
                "appointment_id",
                crate::msg!(visit_no_record_status, status = other.label()),
            ));
        }
    }
    // the record first: the database completes a booked visit straight away once its record exists
    let id = treatments::insert(&mut tx, appointment_id, &content)
        .await
        .map_err(|e| match e {
            Error::Conflict(_) => Error::Conflict(crate::msg!(visit_record_exists)),
            e => e,
        })?;
    appointments::set_status(&mut tx, appointment_id, AppointmentStatus::Completed).await?;
    let t = treatments::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("treatment vanished"))?;
    tx.commit().await?;
    Ok(t)
}

/// Amends a treatment (its author or an administrator; the database keeps the previous version).
#[tracing::instrument(skip(pool, input))]
pub async fn amend(pool: &PgPool, treatment_id: i64, input: &TreatmentInput) -> Result<Treatment> {
    let mut tx = pool.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let current = treatments::get(&mut tx, treatment_id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(treatment_record_missing)))?;
    let appt = appointments::get(&mut tx, current.appointment_id)
        .await?
        .ok_or_else(|| Error::internal("appointment vanished"))?;
    let content = clean(input, schedule::local_date(clock.tz, appt.starts_at))?;
    if !treatments::amend(&mut tx, treatment_id, &content).await? {
        return Err(Error::PermissionDenied(crate::msg!(
            visit_amend_author_only
        )));
    }
    let t = treatments::get(&mut tx, treatment_id)
        .await?
        .ok_or_else(|| Error::internal("treatment vanished"))?;
    tx.commit().await?;
    Ok(t)
}

pub async fn for_appointment(pool: &PgPool, appointment_id: i64) -> Result<Option<Treatment>> {
    treatments::for_appointment(&mut *pool.acquire().await?, appointment_id).await
}

pub async fn amendments(pool: &PgPool, treatment_id: i64) -> Result<Vec<Amendment>> {
    treatments::amendments(&mut *pool.acquire().await?, treatment_id).await
}

/// Whether the signed-in role may read clinical content (doctors and administrators).
pub(crate) async fn reads_clinical(conn: &mut PgConnection) -> Result<bool> {
    Ok(
        staff::session_is_member_of(&mut *conn, "clinicdesk_doctor").await?
            || staff::session_is_member_of(&mut *conn, "clinicdesk_admin").await?,
    )
}

/// The patient's visits, newest first. Clinical reads are audited.
#[tracing::instrument(skip(pool, filter))]
pub async fn history(pool: &PgPool, patient_id: i64, filter: &HistoryFilter) -> Result<Vec<Visit>> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let from = filter.from.map(|d| schedule::utc_range(clock.tz, d, 1).0);
    let to = filter.to.map(|d| schedule::utc_range(clock.tz, d, 1).1);
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > 200) {
        return Err(Error::validation(
            "text",
            crate::msg!(history_search_too_long),
        ));
    }
    let appts: std::collections::HashMap<i64, Appointment> =
        appointments::for_patient(&mut conn, patient_id)
            .await?
            .into_iter()
            .map(|r| (r.id, Appointment::new(&clock, r)))
            .collect();
    let mut out = vec![];
    if reads_clinical(&mut conn).await? {
        for r in
            treatments::clinical_history(&mut conn, patient_id, filter.doctor_id, from, to, text)
                .await?
        {
            let Some(appointment) = appts.get(&r.appointment_id).cloned() else {
                continue;
            };
            let clinical = r.recorded_by.clone().map(|recorded_by| ClinicalDetails {
                symptoms: r.symptoms.clone().unwrap_or_default(),
                diagnosis: r.diagnosis.clone().unwrap_or_default(),
                icd10_code: r.icd10_code.clone(),
                treatment_given: r.treatment_given.clone().unwrap_or_default(),
                prescription: r.prescription.clone().map(|j| j.0).unwrap_or_default(),
                notes: r.notes.clone().unwrap_or_default(),
                recorded_by,
                version: r.version.unwrap_or(1),
            });
            out.push(Visit {
                appointment,
                visit_type: r.visit_type,
                next_visit_on: r.next_visit_on,
                clinical,
            });
        }
        sqlx::query!("SELECT audit_event('read_history', 'patients', $1, jsonb_build_object('visits', $2::int))", patient_id.to_string(), out.len() as i32)
            .execute(&mut *conn)
            .await?;
    } else {
        for (id, visit_type, next_visit_on) in
            treatments::visit_history(&mut conn, patient_id, filter.doctor_id, from, to, text)
                .await?
        {
            let Some(appointment) = appts.get(&id).cloned() else {
                continue;
            };
            out.push(Visit {
                appointment,
                visit_type,
                next_visit_on,
                clinical: None,
            });
        }
    }
    Ok(out)
}

/// Follow-ups for reception: suggested next visits due this week or overdue, with nothing booked since.
pub async fn recalls(pool: &PgPool) -> Result<Vec<Recall>> {
    let mut conn = pool.acquire().await?;
    let today = Clock::load(&mut conn).await?.today();
    treatments::recalls(&mut conn, today, today + Duration::days(7)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icd10_shapes() {
        for ok in ["I10", "E11.9", "S93.401", "O9A.1", "Z00.00", "M54.5"] {
            assert!(valid_icd10(ok), "{ok}");
        }
        for bad in [
            "U07.1",
            "123",
            "I1",
            "E11.",
            "E11.12345",
            "e11.9",
            "I10 ",
            "II0",
        ] {
            assert!(!valid_icd10(bad), "{bad}");
        }
    }
}

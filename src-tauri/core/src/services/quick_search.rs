//! Global quick search (Ctrl+K): patients by name, phone or MRN, doctors by name, and today's appointments by
//! patient, MRN or doctor — one box that finds whatever the desk is looking for.

use serde::Serialize;

use crate::clock::Clock;
use crate::context::Desk;
use crate::db::{self, doctors::Doctor, patients::PatientHit};
use crate::error::Result;
use crate::schedule;
use crate::services::scheduling::Appointment;

/// Results per group.
pub const LIMIT: usize = 8;

#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct QuickResults {
    pub patients: Vec<PatientHit>,
    pub doctors: Vec<Doctor>,
    pub appointments: Vec<Appointment>,
}

fn fold(s: &str) -> String {
    s.to_lowercase()
}

#[tracing::instrument(skip(desk, query))]
pub async fn search(desk: &Desk, query: &str) -> Result<QuickResults> {
    let q = query.trim();
    if q.chars().count() < 2 || q.chars().count() > 120 {
        return Ok(QuickResults::default());
    }
    let needle = fold(q);
    let mut patients = super::patients::search(desk, q).await?;
    patients.truncate(LIMIT);
    let all = super::doctors::list(desk, false).await?;
    let doctors: Vec<Doctor> = all
        .iter()
        .filter(|d| {
            fold(&d.full_name).contains(&needle) || fold(&d.department_name).contains(&needle)
        })
        .take(LIMIT)
        .cloned()
        .collect();
    let mut conn = desk.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let (from, to) = schedule::utc_range(clock.tz, clock.today(), 1);
    let appointments = db::appointments::in_range(&mut conn, from, to)
        .await?
        .into_iter()
        .map(|r| Appointment::new(&clock, r))
        .filter(|a| {
            fold(&a.patient_name).contains(&needle)
                || fold(&a.patient_mrn).contains(&needle)
                || fold(&a.doctor_name).contains(&needle)
        })
        .take(LIMIT)
        .collect();
    Ok(QuickResults {
        patients,
        doctors,
        appointments,
    })
}

//! The DNA (did not attend) report: the patients with no-shows in a period, their counts and last dates, per
//! doctor. Reception and administrators see every doctor's; a doctor sees their own.

use chrono::{Months, NaiveDate};
use serde::Serialize;
use sqlx::PgConnection;

use crate::clock::Clock;
use crate::db::{self, appointments::NoShowRow};
use crate::error::{Error, Result};
use crate::schedule;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct NoShowPatient {
    pub patient_id: i64,
    pub patient_name: String,
    pub patient_mrn: String,
    pub phone: Option<String>,
    pub no_shows: i64,
    /// Clinic-local date of the latest no-show in the period.
    pub last_no_show: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DoctorNoShows {
    pub doctor_id: i64,
    pub doctor_name: String,
    /// All no-shows with this doctor in the period.
    pub no_shows: i64,
    /// Most no-shows first, then the latest.
    pub patients: Vec<NoShowPatient>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct NoShowReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Only doctors with no-shows in the period, by name.
    pub doctors: Vec<DoctorNoShows>,
    pub total: i64,
}

/// The period's checks: the end not before the start, at most one year (`to` before `from` + 12 months).
pub fn check_period(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if to < from {
        return Err(Error::validation("to", crate::msg!(export_dates_reversed)));
    }
    if from
        .checked_add_months(Months::new(12))
        .is_none_or(|limit| to >= limit)
    {
        return Err(Error::validation("to", crate::msg!(period_max_year)));
    }
    Ok(())
}

/// Whose no-shows the signed-in person may see: a doctor only their own (asking for nobody means their own),
/// the desk and administrators anyone's (None = every doctor).
pub(crate) async fn scope(conn: &mut PgConnection, doctor_id: Option<i64>) -> Result<Option<i64>> {
    if db::staff::session_is_member_of(conn, "clinicdesk_admin").await?
        || db::staff::session_is_member_of(conn, "clinicdesk_reception").await?
    {
        return Ok(doctor_id);
    }
    let own = db::doctors::current_id(conn)
        .await?
        .ok_or_else(|| Error::PermissionDenied(crate::msg!(account_not_doctor)))?;
    match doctor_id {
        Some(d) if d != own => Err(Error::PermissionDenied(crate::msg!(no_shows_own_only))),
        _ => Ok(Some(own)),
    }
}

/// The rows of a period (clinic-local days `from`..=`to`), already checked and scoped.
pub(crate) async fn rows(
    conn: &mut PgConnection,
    clock: &Clock,
    from: NaiveDate,
    to: NaiveDate,
    doctor_id: Option<i64>,
) -> Result<Vec<NoShowRow>> {
    let (start, _) = schedule::utc_range(clock.tz, from, 1);
    let (_, end) = schedule::utc_range(clock.tz, to, 1);
    db::appointments::no_shows(conn, start, end, doctor_id).await
}

/// The DNA report for `from`..=`to` (clinic-local days), one doctor or all.
#[tracing::instrument(skip(pool))]
pub async fn no_show_report(
    pool: &sqlx::PgPool,
    from: NaiveDate,
    to: NaiveDate,
    doctor_id: Option<i64>,
) -> Result<NoShowReport> {
    check_period(from, to)?;
    let mut conn = pool.acquire().await?;
    let doctor_id = scope(&mut conn, doctor_id).await?;
    let clock = Clock::load(&mut conn).await?;
    let mut doctors: Vec<DoctorNoShows> = vec![];
    for r in rows(&mut conn, &clock, from, to, doctor_id).await? {
        if doctors.last().is_none_or(|d| d.doctor_id != r.doctor_id) {
            doctors.push(DoctorNoShows {
                doctor_id: r.doctor_id,
                doctor_name: r.doctor_name.clone(),
                no_shows: 0,
                patients: vec![],
            });
        }
        let d = doctors.last_mut().expect("pushed above");
        d.no_shows += r.no_shows;
        d.patients.push(NoShowPatient {
            patient_id: r.patient_id,
            patient_name: r.patient_name,
            patient_mrn: r.patient_mrn,
            phone: r.phone,
            no_shows: r.no_shows,
            last_no_show: schedule::local_date(clock.tz, r.last_at),
        });
    }
    Ok(NoShowReport {
        from,
        to,
        total: doctors.iter().map(|d| d.no_shows).sum(),
        doctors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_are_ordered_and_at_most_a_year() {
        assert!(check_period(d(2026, 1, 1), d(2026, 1, 1)).is_ok());
        assert!(check_period(d(2026, 1, 1), d(2026, 12, 31)).is_ok());
        assert!(check_period(d(2024, 2, 29), d(2025, 2, 27)).is_ok());
        for (from, to, why) in [
            (d(2026, 1, 2), d(2026, 1, 1), "before the start"),
            (d(2026, 1, 1), d(2027, 1, 1), "at most one year"),
            (d(2026, 3, 1), d(2028, 1, 1), "at most one year"),
        ] {
            let e = check_period(from, to).unwrap_err();
            assert!(
                matches!(&e, Error::Validation { field, message } if field == "to" && message.contains(why)),
                "{from}..{to}: {e:?}"
            );
        }
    }
}

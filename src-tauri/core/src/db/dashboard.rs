//! The dashboards' aggregate reads over appointments and patients: one grouped pass per window, so the
//! numbers stay fast on a million appointments (see docs/caching-and-diagnostics.md for the plans).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::db::appointments::AppointmentStatus;
use crate::error::Result;

/// Appointments in a window, counted per clinic-local day, doctor and status.
#[derive(Debug, Clone)]
pub struct DayDoctorStatus {
    pub day: NaiveDate,
    pub doctor_id: i64,
    pub status: AppointmentStatus,
    pub n: i64,
}

/// Counts per (day, doctor, status) from `first_day`; `day_starts` are the UTC instants at which each clinic-local
/// day starts, from `first_day` through the day after the last (so DST days are 23 or 25 hours long). Bucketing
/// with `width_bucket` over those instants is several times cheaper per row than `AT TIME ZONE`.
pub async fn appointment_counts(
    db: &mut PgConnection,
    first_day: NaiveDate,
    day_starts: &[DateTime<Utc>],
) -> Result<Vec<DayDoctorStatus>> {
    let (Some(from), Some(to)) = (day_starts.first(), day_starts.last()) else {
        return Ok(vec![]);
    };
    Ok(sqlx::query!(
        r#"SELECT width_bucket(a.starts_at, $3::timestamptz[]) AS "bucket!", a.doctor_id,
                  a.status AS "status: AppointmentStatus", count(*) AS "n!"
             FROM appointments a
            WHERE a.starts_at >= $1 AND a.starts_at < $2
            GROUP BY 1, 2, 3"#,
        from,
        to,
        day_starts
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| DayDoctorStatus {
        day: first_day + chrono::Duration::days(r.bucket as i64 - 1),
        doctor_id: r.doctor_id,
        status: r.status,
        n: r.n,
    })
    .collect())
}

/// (active doctors, patients)
pub async fn totals(db: &mut PgConnection) -> Result<(i64, i64)> {
    let r = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM doctors WHERE active) AS "doctors!",
                  (SELECT count(*) FROM patients) AS "patients!""#
    )
    .fetch_one(db)
    .await?;
    Ok((r.doctors, r.patients))
}

/// New patients per clinic-local week (weeks start on Monday) since `from`.
pub async fn new_patients_per_week(
    db: &mut PgConnection,
    from: DateTime<Utc>,
    tz: &str,
) -> Result<Vec<(NaiveDate, i64)>> {
    Ok(sqlx::query!(
        r#"SELECT date_trunc('week', created_at AT TIME ZONE $2)::date AS "week!", count(*) AS "n!"
             FROM patients WHERE created_at >= $1 GROUP BY 1"#,
        from,
        tz
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.week, r.n))
    .collect())
}

/// Distinct patients whose appointment with `doctor_id` was completed in [from, to).
pub async fn patients_seen(
    db: &mut PgConnection,
    doctor_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(DISTINCT patient_id) AS "n!" FROM appointments
            WHERE doctor_id = $1 AND starts_at >= $2 AND starts_at < $3 AND status = 'completed'"#,
        doctor_id,
        from,
        to
    )
    .fetch_one(db)
    .await?)
}

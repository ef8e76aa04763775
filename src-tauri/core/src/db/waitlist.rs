//! Waitlist entries (`waitlist_entries`): patients waiting for a slot with a doctor or in a department. Closing
//! is stamped (who, when) by the table's trigger; the match query is one indexed statement per freed slot.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::PgConnection;

use crate::error::Result;

/// An entry as stored, with names for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistRow {
    pub id: i64,
    pub patient_id: i64,
    pub patient_name: String,
    pub patient_mrn: String,
    pub doctor_id: Option<i64>,
    pub doctor_name: Option<String>,
    pub department_id: i64,
    pub department_name: String,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub time_from: Option<NaiveTime>,
    pub time_to: Option<NaiveTime>,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_reason: Option<String>,
    pub appointment_id: Option<i64>,
}

macro_rules! select_rows {
    ($where:literal, $($arg:expr),*) => {
        sqlx::query_as!(
            WaitlistRow,
            r#"SELECT w.id, w.patient_id, p.full_name AS patient_name, p.mrn AS patient_mrn,
                      w.doctor_id, d.full_name AS "doctor_name?", dep.id AS "department_id!", dep.name AS "department_name!",
                      w.window_from, w.window_to, w.time_from, w.time_to, w.note, w.created_by, w.created_at,
                      w.closed_at, w.closed_reason, w.appointment_id
                 FROM waitlist_entries w
                 JOIN patients p ON p.id = w.patient_id
                 LEFT JOIN doctors d ON d.id = w.doctor_id
                 JOIN departments dep ON dep.id = coalesce(w.department_id, d.department_id)
                WHERE "# + $where,
            $($arg),*
        )
    };
}

pub struct NewEntry<'a> {
    pub patient_id: i64,
    pub doctor_id: Option<i64>,
    pub department_id: Option<i64>,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub time_from: Option<NaiveTime>,
    pub time_to: Option<NaiveTime>,
    pub note: &'a str,
}

pub async fn insert(db: &mut PgConnection, e: &NewEntry<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO waitlist_entries (patient_id, doctor_id, department_id, window_from, window_to, time_from,
                                       time_to, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        e.patient_id,
        e.doctor_id,
        e.department_id,
        e.window_from,
        e.window_to,
        e.time_from,
        e.time_to,
        e.note
    )
    .fetch_one(db)
    .await?)
}

pub async fn get(db: &mut PgConnection, id: i64) -> Result<Option<WaitlistRow>> {
    Ok(select_rows!("w.id = $1", id).fetch_optional(db).await?)
}

/// Open entries whose window has not ended (oldest first); with `include_closed`, the last 200 closed ones too.
pub async fn list(
    db: &mut PgConnection,
    today: NaiveDate,
    include_closed: bool,
) -> Result<Vec<WaitlistRow>> {
    Ok(select_rows!(
        "(w.closed_at IS NULL AND w.window_to >= $1)
            OR ($2 AND w.id IN (SELECT c.id FROM waitlist_entries c
                                 WHERE c.closed_at IS NOT NULL OR c.window_to < $1
                                 ORDER BY c.id DESC LIMIT 200))
         ORDER BY w.closed_at IS NOT NULL OR w.window_to < $1, w.created_at, w.id",
        today,
        include_closed
    )
    .fetch_all(db)
    .await?)
}

/// The open entries a freed slot can serve: the slot's doctor or that doctor's department, the slot's local date
/// inside the window (and the window not ended), the slot inside the preferred times. Oldest entry first.
#[allow(clippy::too_many_arguments)]
pub async fn matching(
    db: &mut PgConnection,
    doctor_id: i64,
    department_id: i64,
    date: NaiveDate,
    today: NaiveDate,
    local_start: NaiveTime,
    local_end: NaiveTime,
    limit: i64,
) -> Result<Vec<WaitlistRow>> {
    Ok(select_rows!(
        "w.closed_at IS NULL
           AND (w.doctor_id = $1 OR w.department_id = $2)
           AND w.window_from <= $3 AND w.window_to >= $3 AND w.window_to >= $4
           AND (w.time_from IS NULL OR (w.time_from <= $5 AND w.time_to >= $6))
         ORDER BY w.created_at, w.id
         LIMIT $7",
        doctor_id,
        department_id,
        date,
        today,
        local_start,
        local_end,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// Locks an open entry for closing; returns (patient, open). A closed entry is not locked (the update policy
/// hides it from FOR UPDATE; a desk waiting on the lock also lands here when the other desk closed it): it is
/// read plainly and reported closed.
pub async fn lock(db: &mut PgConnection, id: i64) -> Result<Option<(i64, bool)>> {
    let locked = sqlx::query_scalar!(
        "SELECT patient_id FROM waitlist_entries WHERE id = $1 AND closed_at IS NULL FOR UPDATE",
        id
    )
    .fetch_optional(&mut *db)
    .await?;
    if let Some(patient_id) = locked {
        return Ok(Some((patient_id, true)));
    }
    Ok(
        sqlx::query_scalar!("SELECT patient_id FROM waitlist_entries WHERE id = $1", id)
            .fetch_optional(db)
            .await?
            .map(|p| (p, false)),
    )
}

/// Closes an open entry: `booked` with the appointment, or `closed` by hand. The trigger stamps who and when.
pub async fn close(
    db: &mut PgConnection,
    id: i64,
    reason: &str,
    appointment_id: Option<i64>,
) -> Result<bool> {
    Ok(sqlx::query!(
        "UPDATE waitlist_entries SET closed_reason = $2, appointment_id = $3
          WHERE id = $1 AND closed_at IS NULL",
        id,
        reason,
        appointment_id
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Marks open entries whose window ended before `today` as expired (the weekly cleanup).
pub async fn expire(db: &mut PgConnection, today: NaiveDate) -> Result<u64> {
    Ok(sqlx::query!(
        "UPDATE waitlist_entries SET closed_reason = 'expired' WHERE closed_at IS NULL AND window_to < $1",
        today
    )
    .execute(db)
    .await?
    .rows_affected())
}

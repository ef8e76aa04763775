//! Doctors' availability: the weekly template (`doctor_availability`) and dated exceptions and clinic holidays
//! (`doctor_availability_exceptions`).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;
use crate::schedule::{DatedException, ExceptionKind, SlotTime, WeeklyWindow};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct WeeklySession {
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AvailabilityException {
    pub id: i64,
    pub doctor_id: Option<i64>,
    pub on_date: NaiveDate,
    pub kind: ExceptionKind,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct ExceptionInput {
    pub doctor_id: Option<i64>,
    pub on_date: NaiveDate,
    pub kind: ExceptionKind,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub reason: String,
}

impl From<&WeeklySession> for WeeklyWindow {
    fn from(s: &WeeklySession) -> Self {
        WeeklyWindow {
            weekday: s.weekday as u32,
            start: s.starts_at,
            end: s.ends_at,
        }
    }
}

impl From<&AvailabilityException> for DatedException {
    fn from(e: &AvailabilityException) -> Self {
        DatedException {
            on_date: e.on_date,
            kind: e.kind,
            start: e.starts_at,
            end: e.ends_at,
        }
    }
}

/// Weekly sessions of several doctors at once: (doctor_id, session).
pub async fn weekly_for(
    db: &mut PgConnection,
    doctor_ids: &[i64],
) -> Result<Vec<(i64, WeeklySession)>> {
    Ok(sqlx::query!(
        "SELECT doctor_id, weekday, starts_at, ends_at FROM doctor_availability
          WHERE doctor_id = ANY($1) ORDER BY doctor_id, weekday, starts_at",
        doctor_ids
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        (
            r.doctor_id,
            WeeklySession {
                weekday: r.weekday,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
            },
        )
    })
    .collect())
}

/// The exception columns; `$where` completes the statement.
macro_rules! select_exceptions {
    ($where:literal, $($arg:expr),*) => {
        sqlx::query_as!(
            AvailabilityException,
            r#"SELECT id, doctor_id, on_date, kind AS "kind: ExceptionKind", starts_at, ends_at, reason
                 FROM doctor_availability_exceptions WHERE "# + $where,
            $($arg),*
        )
    };
}

/// Exceptions of these doctors, and clinic holidays, between two dates (inclusive).
pub async fn exceptions_for(
    db: &mut PgConnection,
    doctor_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<AvailabilityException>> {
    Ok(select_exceptions!(
        "(doctor_id = ANY($1) OR doctor_id IS NULL) AND on_date BETWEEN $2 AND $3 ORDER BY on_date, starts_at NULLS FIRST",
        doctor_ids,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

pub async fn holidays_from(
    db: &mut PgConnection,
    from: NaiveDate,
) -> Result<Vec<AvailabilityException>> {
    Ok(
        select_exceptions!("doctor_id IS NULL AND on_date >= $1 ORDER BY on_date", from)
            .fetch_all(db)
            .await?,
    )
}

pub async fn replace_weekly(
    db: &mut PgConnection,
    doctor_id: i64,
    sessions: &[WeeklySession],
) -> Result<()> {
    sqlx::query!(
        "DELETE FROM doctor_availability WHERE doctor_id = $1",
        doctor_id
    )
    .execute(&mut *db)
    .await?;
    let weekdays: Vec<i16> = sessions.iter().map(|s| s.weekday).collect();
    let starts: Vec<NaiveTime> = sessions.iter().map(|s| s.starts_at).collect();
    let ends: Vec<NaiveTime> = sessions.iter().map(|s| s.ends_at).collect();
    sqlx::query!(
        "INSERT INTO doctor_availability (doctor_id, weekday, starts_at, ends_at)
         SELECT $1, * FROM UNNEST($2::smallint[], $3::time[], $4::time[])",
        doctor_id,
        &weekdays,
        &starts,
        &ends
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_slot_minutes(db: &mut PgConnection, doctor_id: i64, minutes: i32) -> Result<()> {
    sqlx::query!(
        "UPDATE doctors SET slot_minutes = $2 WHERE id = $1 AND slot_minutes <> $2",
        doctor_id,
        minutes
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn insert_exception(
    db: &mut PgConnection,
    e: &ExceptionInput,
) -> Result<AvailabilityException> {
    Ok(sqlx::query_as!(
        AvailabilityException,
        r#"INSERT INTO doctor_availability_exceptions (doctor_id, on_date, kind, starts_at, ends_at, reason)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING id, doctor_id, on_date, kind AS "kind: ExceptionKind", starts_at, ends_at, reason"#,
        e.doctor_id,
        e.on_date,
        e.kind as ExceptionKind,
        e.starts_at,
        e.ends_at,
        e.reason
    )
    .fetch_one(db)
    .await?)
}

pub async fn get_exception(
    db: &mut PgConnection,
    id: i64,
) -> Result<Option<AvailabilityException>> {
    Ok(select_exceptions!("id = $1", id).fetch_optional(db).await?)
}

pub async fn delete_exception(db: &mut PgConnection, id: i64) -> Result<bool> {
    Ok(sqlx::query!(
        "DELETE FROM doctor_availability_exceptions WHERE id = $1",
        id
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// The free slots (for a visit of `minutes` and the `buffer` after it; `None`: each doctor's default visit) of several doctors over the clinic-local
/// days `[from, from + days)` in zone `tz`, computed by
/// the database in one statement (`clinicdesk_free_slots`: the arithmetic of [`crate::schedule`] in SQL), earliest
/// first: `(doctor id, slot)`.
pub async fn free_slots(
    db: &mut PgConnection,
    doctor_ids: &[i64],
    from: NaiveDate,
    days: i32,
    now: DateTime<Utc>,
    tz: &str,
    minutes: Option<i32>,
    buffer: Option<i32>,
) -> Result<Vec<(i64, SlotTime)>> {
    Ok(sqlx::query!(
        r#"SELECT doctor_id AS "doctor_id!", starts_at AS "starts_at!", ends_at AS "ends_at!",
                  local_date AS "local_date!", local_time AS "local_time!", local_end AS "local_end!"
             FROM clinicdesk_free_slots($1, $2, $3, $4, $5, $6, $7)"#,
        doctor_ids,
        from,
        days,
        now,
        tz,
        minutes,
        buffer
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        (
            r.doctor_id,
            SlotTime {
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                date: r.local_date,
                time: r.local_time,
                end_time: r.local_end,
            },
        )
    })
    .collect())
}

/// The earliest free slot among `doctor_ids` over the clinic-local days `[from, from + days)` (ties: the doctor
/// first by name), computed by the database like [`free_slots`], a day at a time (`clinicdesk_first_free_slot`).
pub async fn first_free(
    db: &mut PgConnection,
    doctor_ids: &[i64],
    from: NaiveDate,
    days: i32,
    now: DateTime<Utc>,
    tz: &str,
    minutes: Option<i32>,
    buffer: Option<i32>,
) -> Result<Option<(i64, SlotTime)>> {
    Ok(sqlx::query!(
        r#"SELECT f.doctor_id AS "doctor_id!", f.starts_at AS "starts_at!", f.ends_at AS "ends_at!",
                  f.local_date AS "local_date!", f.local_time AS "local_time!", f.local_end AS "local_end!"
             FROM clinicdesk_first_free_slot($1, $2, $3, $4, $5, $6, $7) f"#,
        doctor_ids,
        from,
        days,
        now,
        tz,
        minutes,
        buffer
    )
    .fetch_optional(db)
    .await?
    .map(|r| {
        (
            r.doctor_id,
            SlotTime {
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                date: r.local_date,
                time: r.local_time,
                end_time: r.local_end,
            },
        )
    }))
}

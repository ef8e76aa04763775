//! The waitlist: patients waiting for an earlier slot with a doctor or in a department, within a date window and
//! optionally a time of day. A freed slot (cancelled or moved-away appointment, announced on the cache channel
//! by the database) is matched against the open entries with one indexed query; "Book" books the waiting
//! patient through the normal booking rules and closes the entry in the same transaction, so the exclusion
//! constraints decide a race with an ordinary booking. Entries expire at the end of their window (every read
//! filters them out; the weekly cleanup marks them).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use crate::clock::Clock;
use crate::context::Desk;
use crate::db::{
    appointments, doctors,
    waitlist::{self as db, NewEntry, WaitlistRow},
};
use crate::error::{Error, Result};
use crate::schedule;
use crate::services::scheduling::{
    book_in, invalidate, retrying, visit_minutes, Appointment, BookingRequest,
};

/// How many matching entries the desk is shown for one slot (oldest first).
pub const MATCH_LIMIT: i64 = 50;

/// A slot an appointment gave up: its doctor and the time it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FreedSlot {
    pub doctor_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl FreedSlot {
    /// Parses the `slot_freed:<doctor>:<start epoch>:<end epoch>` NOTIFY payload the appointments trigger sends.
    pub fn from_payload(payload: &str) -> Option<FreedSlot> {
        let mut parts = payload.split(':');
        if parts.next()? != "slot_freed" {
            return None;
        }
        let doctor_id = parts.next()?.parse().ok()?;
        let start: i64 = parts.next()?.parse().ok()?;
        let end: i64 = parts.next()?.parse().ok()?;
        Some(FreedSlot {
            doctor_id,
            starts_at: DateTime::from_timestamp(start, 0)?,
            ends_at: DateTime::from_timestamp(end, 0)?,
        })
    }
}

/// What the desk fills in to put a patient on the waitlist: a doctor or a department (one of them), the dates,
/// optionally a clinic-local time of day (both ends), and a short note.
#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct WaitlistInput {
    pub patient_id: i64,
    pub doctor_id: Option<i64>,
    pub department_id: Option<i64>,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub time_from: Option<NaiveTime>,
    pub time_to: Option<NaiveTime>,
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum WaitlistStatus {
    Open,
    Booked,
    Closed,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct WaitlistEntry {
    pub id: i64,
    pub patient_id: i64,
    pub patient_name: String,
    pub patient_mrn: String,
    /// None: any doctor of the department.
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
    pub status: WaitlistStatus,
    pub appointment_id: Option<i64>,
}

impl WaitlistEntry {
    fn new(today: NaiveDate, r: WaitlistRow) -> WaitlistEntry {
        let status = match r.closed_reason.as_deref() {
            Some("booked") => WaitlistStatus::Booked,
            Some("expired") => WaitlistStatus::Expired,
            Some(_) => WaitlistStatus::Closed,
            None if r.window_to < today => WaitlistStatus::Expired,
            None => WaitlistStatus::Open,
        };
        WaitlistEntry {
            id: r.id,
            patient_id: r.patient_id,
            patient_name: r.patient_name,
            patient_mrn: r.patient_mrn,
            doctor_id: r.doctor_id,
            doctor_name: r.doctor_name,
            department_id: r.department_id,
            department_name: r.department_name,
            window_from: r.window_from,
            window_to: r.window_to,
            time_from: r.time_from,
            time_to: r.time_to,
            note: r.note,
            created_by: r.created_by,
            created_at: r.created_at,
            status,
            appointment_id: r.appointment_id,
        }
    }
}

/// A freed slot and the open entries it can serve (oldest first, at most `MATCH_LIMIT`).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SlotMatches {
    pub slot: FreedSlot,
    pub doctor_name: String,
    pub date: NaiveDate,
    /// "14:00–14:30 on Tue 3 Dec" clinic-local.
    pub label: String,
    /// Still free and bookable (in the future, the doctor's full slot length, nobody booked it since).
    pub free: bool,
    pub entries: Vec<WaitlistEntry>,
}

/// The checks behind "Bad input" (issue 15): a window that is over or starts in the past, ends before it starts
/// or reaches more than a year ahead; preferred times with one end or ending before they start; a long note.
fn validate(today: NaiveDate, input: &WaitlistInput) -> Result<String> {
    let note = crate::services::optional_text("note", "The note", &input.note, 200)?;
    if input.doctor_id.is_some() == input.department_id.is_some() {
        return Err(Error::validation(
            "doctor_id",
            crate::msg!(waitlist_entries_target),
        ));
    }
    if input.window_from < today {
        return Err(Error::validation(
            "window_from",
            crate::msg!(waitlist_window_past),
        ));
    }
    if input.window_to < input.window_from {
        return Err(Error::validation(
            "window_to",
            crate::msg!(waitlist_entries_window),
        ));
    }
    let last = today + Duration::days(365);
    if input.window_to > last {
        return Err(Error::validation(
            "window_to",
            crate::msg!(waitlist_window_until, until = Clock::day_label(last)),
        ));
    }
    match (input.time_from, input.time_to) {
        (None, None) => {}
        (Some(from), Some(to)) if to > from => {}
        (Some(_), Some(_)) => {
            return Err(Error::validation(
                "time_to",
                crate::msg!(waitlist_times_order),
            ))
        }
        _ => {
            return Err(Error::validation(
                "time_to",
                crate::msg!(waitlist_times_both),
            ))
        }
    }
    Ok(note)
}

/// Puts a patient on the waitlist.
#[tracing::instrument(skip(pool, input), fields(patient_id = input.patient_id))]
pub async fn add(pool: &PgPool, input: &WaitlistInput) -> Result<WaitlistEntry> {
    let mut tx = pool.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let note = validate(clock.today(), input)?;
    let id = db::insert(
        &mut tx,
        &NewEntry {
            patient_id: input.patient_id,
            doctor_id: input.doctor_id,
            department_id: input.department_id,
            window_from: input.window_from,
            window_to: input.window_to,
            time_from: input.time_from,
            time_to: input.time_to,
            note: &note,
        },
    )
    .await?;
    let row = db::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("a waitlist entry vanished after its insert"))?;
    tx.commit().await?;
    Ok(WaitlistEntry::new(clock.today(), row))
}

/// The open entries (oldest first); with `include_closed`, the recent closed and expired ones after them.
pub async fn list(pool: &PgPool, include_closed: bool) -> Result<Vec<WaitlistEntry>> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let today = clock.today();
    Ok(db::list(&mut conn, today, include_closed)
        .await?
        .into_iter()
        .map(|r| WaitlistEntry::new(today, r))
        .collect())
}

/// Takes an entry off the waitlist by hand (the patient no longer waits).
#[tracing::instrument(skip(pool))]
pub async fn close(pool: &PgPool, id: i64) -> Result<WaitlistEntry> {
    let mut tx = pool.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let (_, open) = db::lock(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(waitlist_entry_missing)))?;
    if !open {
        return Err(Error::Conflict(crate::msg!(waitlist_entries_final)));
    }
    db::close(&mut tx, id, "closed", None).await?;
    let row = db::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("a waitlist entry vanished while closing"))?;
    tx.commit().await?;
    Ok(WaitlistEntry::new(clock.today(), row))
}

/// The open entries a freed slot can serve. An entry matches when it names the slot's doctor or that doctor's
/// department, the slot's clinic-local date lies in its window and the slot lies inside its preferred times.
/// A slot that is past, shorter than the doctor's default visit, or booked again since is not `free` and
/// matches nobody.
pub async fn matches(pool: &PgPool, slot: &FreedSlot) -> Result<SlotMatches> {
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    matches_on(&mut conn, &clock, slot).await
}

async fn matches_on(
    conn: &mut PgConnection,
    clock: &Clock,
    slot: &FreedSlot,
) -> Result<SlotMatches> {
    let doctor = doctors::get(&mut *conn, slot.doctor_id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(waitlist_entries_doctor_id_fkey)))?;
    let date = schedule::local_date(clock.tz, slot.starts_at);
    // the waiting patient is booked the doctor's default visit (as any booking without a type)
    let minutes = visit_minutes(&mut *conn, &doctor, None).await?;
    let fits = slot.ends_at - slot.starts_at >= Duration::minutes(minutes as i64);
    let free = doctor.active
        && fits
        && slot.starts_at > clock.now
        && appointments::blocking(
            &mut *conn,
            Some(doctor.id),
            None,
            slot.starts_at,
            slot.ends_at,
        )
        .await?
        .is_none();
    let entries = if free {
        let local = |at: DateTime<Utc>| at.with_timezone(&clock.tz).time();
        db::matching(
            &mut *conn,
            doctor.id,
            doctor.department_id,
            date,
            clock.today(),
            local(slot.starts_at),
            local(slot.ends_at),
            MATCH_LIMIT,
        )
        .await?
        .into_iter()
        .map(|r| WaitlistEntry::new(clock.today(), r))
        .collect()
    } else {
        Vec::new()
    };
    Ok(SlotMatches {
        slot: slot.clone(),
        doctor_name: doctor.full_name,
        date,
        label: clock.when(slot.starts_at, slot.ends_at),
        free,
        entries,
    })
}

/// Books the waiting patient of entry `entry_id` into the slot of `doctor_id` starting at `starts_at` (the
/// normal booking rules and constraints) and closes the entry with that appointment, in one transaction. When
/// someone else took the slot first the sentence says who; the entry stays open.
#[tracing::instrument(skip(desk))]
pub async fn book(
    desk: &Desk,
    entry_id: i64,
    doctor_id: i64,
    starts_at: DateTime<Utc>,
) -> Result<Appointment> {
    let r = retrying(|| book_once(desk, entry_id, doctor_id, starts_at)).await;
    invalidate(desk, Some(doctor_id), &r).await;
    r
}

async fn book_once(
    pool: &PgPool,
    entry_id: i64,
    doctor_id: i64,
    starts_at: DateTime<Utc>,
) -> Result<Appointment> {
    let mut tx = pool.begin().await?;
    let (patient_id, open) = db::lock(&mut tx, entry_id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(waitlist_entry_missing)))?;
    if !open {
        return Err(Error::Conflict(crate::msg!(waitlist_taken_elsewhere)));
    }
    let visit = BookingRequest::at(doctor_id, patient_id, starts_at);
    match book_in(&mut tx, &visit, None).await? {
        Ok(a) => {
            db::close(&mut tx, entry_id, "booked", Some(a.id)).await?;
            tx.commit().await?;
            Ok(a)
        }
        Err(overlap) => {
            drop(tx);
            Err(overlap.sentence(pool, &visit).await)
        }
    }
}

/// Marks the open entries whose window ended before the clinic's today as expired; returns how many.
pub async fn expire(conn: &mut PgConnection) -> Result<u64> {
    let clock = Clock::load(&mut *conn).await?;
    db::expire(conn, clock.today()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(from: NaiveDate, to: NaiveDate) -> WaitlistInput {
        WaitlistInput {
            patient_id: 1,
            doctor_id: Some(1),
            department_id: None,
            window_from: from,
            window_to: to,
            time_from: None,
            time_to: None,
            note: String::new(),
        }
    }

    fn field(r: Result<String>) -> String {
        r.expect_err("should be refused")
            .field()
            .unwrap_or("")
            .to_string()
    }

    #[test]
    fn bad_windows_times_and_notes_are_field_errors() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let d = |n: i64| today + Duration::days(n);
        assert!(validate(today, &input(d(0), d(0))).is_ok());
        assert!(validate(today, &input(d(0), d(365))).is_ok());
        assert_eq!(field(validate(today, &input(d(-1), d(3)))), "window_from");
        assert_eq!(field(validate(today, &input(d(5), d(4)))), "window_to");
        assert_eq!(field(validate(today, &input(d(1), d(366)))), "window_to");
        let mut both = input(d(0), d(1));
        both.department_id = Some(2);
        assert_eq!(field(validate(today, &both)), "doctor_id");
        let mut one_time = input(d(0), d(1));
        one_time.time_from = NaiveTime::from_hms_opt(9, 0, 0);
        assert_eq!(field(validate(today, &one_time)), "time_to");
        one_time.time_to = NaiveTime::from_hms_opt(8, 0, 0);
        assert_eq!(field(validate(today, &one_time)), "time_to");
        let mut long = input(d(0), d(1));
        long.note = "x".repeat(201);
        assert_eq!(field(validate(today, &long)), "note");
        long.note = "é".repeat(200);
        assert!(validate(today, &long).is_ok());
    }

    #[test]
    fn freed_slot_payloads_parse() {
        let s = FreedSlot::from_payload("slot_freed:4:1796112000:1796113800").unwrap();
        assert_eq!(s.doctor_id, 4);
        assert_eq!((s.ends_at - s.starts_at).num_minutes(), 30);
        assert_eq!(FreedSlot::from_payload("appointments:4"), None);
        assert_eq!(FreedSlot::from_payload("slot_freed:x:1:2"), None);
    }
}

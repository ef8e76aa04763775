//! Scheduling at the front desk: free slots, booking, rescheduling, cancelling, status changes, walk-ins and the
//! Today board. The database refuses overlaps (exclusion constraints), bookings outside the rules (booking guard)
//! and illegal status moves (trigger); these modules check each rule once for a clear sentence first. Each
//! patient message (booked, moved, cancelled) is composed and queued by the database's own trigger on the
//! appointment's write, in the same transaction.
//!
//! - `slots`: doctors' working windows and busy times (`Schedules`), free slots, first available;
//! - `booking`: book (with idempotency keys), reschedule, walk-in, and the conflict sentence;
//! - `series`: recurring series (preview with conflicts and alternatives, atomic booking, cancel this and later);
//! - `status`: cancel, check-in, no-show, completion;
//! - `board`: the Today board, a doctor's calendar, a patient's appointments;
//! - `flow`: the flow board's states, waiting times and the doctor's "call next";
//! - `no_shows`: the DNA (no-show) report.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use crate::clock::Clock;
use crate::db::appointments::{self, AppointmentRow, AppointmentStatus};
use crate::db::doctors::Doctor;
use crate::error::{Error, Result};

mod board;
mod booking;
mod flow;
pub(crate) mod no_shows;
mod series;
mod slots;
mod status;

pub use board::{doctor_calendar, for_patient, today_board};
pub use booking::{
    book, book_idempotent, book_visit, request_key, reschedule, walk_in, BookingRequest,
};
pub(crate) use booking::{book_in, invalidate};
pub use flow::{
    average_minutes, call_next, doctor_flows, flow_state, wait_minutes, DoctorFlow, FlowCard,
    FlowState,
};
pub use no_shows::{check_period, no_show_report, DoctorNoShows, NoShowPatient, NoShowReport};
pub use series::{
    book_series, cancel_series, preview_series, Occurrence, RepeatUnit, SeriesRequest,
};
pub use slots::{
    compute_free_slots, compute_free_starts, first_available, free_slots, free_starts,
};
pub(crate) use slots::{visit_minutes, Schedules};
pub use status::{cancel, set_status};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Appointment {
    pub id: i64,
    pub doctor_id: i64,
    pub doctor_name: String,
    pub department_name: String,
    pub patient_id: i64,
    pub patient_name: String,
    pub patient_mrn: String,
    pub patient_blacklisted: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Clinic-local date and times.
    pub date: NaiveDate,
    pub time: String,
    pub end_time: String,
    pub status: AppointmentStatus,
    pub cancel_reason: Option<String>,
    pub overbooked: bool,
    /// Booked and its start has passed.
    pub late: bool,
    /// The appointment type, its name and colour (`None` for a plain slot).
    pub type_id: Option<i64>,
    pub type_name: Option<String>,
    pub type_colour: Option<String>,
    /// The visit reason the desk typed ("" when none); never in patient messages.
    pub reason: String,
    /// The recurring series it belongs to, if any.
    pub series_id: Option<i64>,
}

impl Appointment {
    /// The view of a stored appointment in the clinic's time zone.
    pub fn new(clock: &Clock, r: AppointmentRow) -> Appointment {
        let local = r.starts_at.with_timezone(&clock.tz);
        Appointment {
            late: r.status == AppointmentStatus::Booked && r.starts_at < clock.now,
            date: local.date_naive(),
            time: local.format("%H:%M").to_string(),
            end_time: clock.hm(r.ends_at),
            id: r.id,
            doctor_id: r.doctor_id,
            doctor_name: r.doctor_name,
            department_name: r.department_name,
            patient_id: r.patient_id,
            patient_name: r.patient_name,
            patient_mrn: r.patient_mrn,
            patient_blacklisted: r.patient_blacklisted,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            status: r.status,
            cancel_reason: r.cancel_reason,
            overbooked: r.overbooked,
            type_id: r.type_id,
            type_name: r.type_name,
            type_colour: r.type_colour,
            reason: r.reason,
            series_id: r.series_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Slot {
    pub doctor_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub date: NaiveDate,
    /// "HH:MM" clinic-local
    pub time: String,
    pub end_time: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SlotDay {
    pub date: NaiveDate,
    pub label: String,
    pub slots: Vec<Slot>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BoardColumn {
    pub doctor: Doctor,
    pub appointments: Vec<Appointment>,
    /// The flow of the day: one card per appointment (same order), the waiting count and the average wait.
    pub flow: DoctorFlow,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TodayBoard {
    pub date: NaiveDate,
    pub label: String,
    /// Minutes of waiting after which a card is marked (Settings).
    pub wait_alert_minutes: i32,
    pub columns: Vec<BoardColumn>,
}

pub(crate) async fn fetch_view(
    conn: &mut PgConnection,
    clock: &Clock,
    id: i64,
) -> Result<Appointment> {
    appointments::get(conn, id)
        .await?
        .map(|r| Appointment::new(&clock, r))
        .ok_or_else(|| Error::NotFound(crate::msg!(appointment_missing)))
}

/// Runs a use case again when its transaction lost a deadlock (two desks inserting overlapping rows for the
/// same patient can each wait on the other's exclusion check; PostgreSQL aborts one of them).
pub(crate) async fn retrying<T, F, Fut>(f: F) -> Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        match f().await {
            Err(Error::Contended(m)) if attempt < 5 => {
                attempt += 1;
                tracing::debug!(attempt, reason = %m, "retrying after a collision");
                // a growing pause with jitter: two desks that deadlocked (exclusion checks of rows inserted at
                // the same moment) must not retry in step and collide again
                let jitter = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| u64::from(d.subsec_nanos()) % 10);
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt + jitter)).await;
            }
            other => return other,
        }
    }
}

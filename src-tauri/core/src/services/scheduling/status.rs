//! Status changes: cancel (with a reason), check-in, no-show and completion. The allowed moves are checked here
//! for a clear sentence and again by the database's trigger, which is the rule.

use super::*;
use crate::cache::Change;
use crate::clock::Clock;
use crate::context::Desk;
use crate::db::appointments::{self, AppointmentStatus};
use crate::error::{Error, Result};

#[tracing::instrument(skip(desk, reason))]
pub async fn cancel(desk: &Desk, id: i64, reason: &str) -> Result<Appointment> {
    let reason = crate::services::required_text("reason", "A reason for cancelling", reason, 500)?;
    let mut tx = desk.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let status = appointments::lock(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(appointment_missing)))?
        .status;
    if !matches!(
        status,
        AppointmentStatus::Booked | AppointmentStatus::CheckedIn
    ) {
        return Err(Error::validation(
            "status",
            crate::msg!(cancel_not_allowed, status = status.label()),
        ));
    }
    appointments::cancel(&mut tx, id, &reason).await?;
    let view = fetch_view(&mut tx, &clock, id).await?;
    tx.commit().await?;
    desk.caches()
        .invalidate(Change::Appointment(Some(view.doctor_id)))
        .await;
    Ok(view)
}

/// check-in, no-show, complete: the allowed moves are checked here for a clear sentence and again by the
/// database's trigger, which is the rule.
#[tracing::instrument(skip(desk))]
pub async fn set_status(desk: &Desk, id: i64, to: AppointmentStatus) -> Result<Appointment> {
    let allowed_from: &[AppointmentStatus] = match to {
        AppointmentStatus::CheckedIn => &[AppointmentStatus::Booked],
        AppointmentStatus::NoShow => &[AppointmentStatus::Booked, AppointmentStatus::CheckedIn],
        AppointmentStatus::Completed => &[AppointmentStatus::CheckedIn],
        _ => return Err(Error::validation("status", crate::msg!(use_cancel))),
    };
    let mut tx = desk.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let locked = appointments::lock(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(appointment_missing)))?;
    let status = locked.status;
    if !allowed_from.contains(&status) {
        return Err(Error::validation(
            "status",
            crate::msg!(
                status_move_refused,
                status = status.label(),
                to = to.label()
            ),
        ));
    }
    time_rule(&clock, to, locked.starts_at)?;
    appointments::set_status(&mut tx, id, to).await?;
    let view = fetch_view(&mut tx, &clock, id).await?;
    tx.commit().await?;
    desk.caches()
        .invalidate(Change::Appointment(Some(view.doctor_id)))
        .await;
    Ok(view)
}

/// The front desk's time rules, in the clinic's zone (the database holds the same ones): a patient checks in only
/// on the appointment's day, and an appointment becomes a no-show only once it has started.
pub(crate) fn time_rule(
    clock: &Clock,
    to: AppointmentStatus,
    starts_at: DateTime<Utc>,
) -> Result<()> {
    match to {
        AppointmentStatus::CheckedIn
            if crate::schedule::local_date(clock.tz, starts_at) != clock.today() =>
        {
            Err(Error::constraint("appointments_check_in_day"))
        }
        AppointmentStatus::NoShow if clock.now < starts_at => {
            Err(Error::constraint("appointments_no_show_early"))
        }
        _ => Ok(()),
    }
}

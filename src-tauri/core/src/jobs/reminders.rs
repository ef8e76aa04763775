//! Reminders: one message per booked appointment of the day (or of tomorrow, the evening before), by the
//! patient's preferred channel with fallback, never to a patient who has not consented, and no clinical detail.
//! Each message's dedupe key (appointment × kind × date) means a rerun never queues a message twice. The
//! database composes them (`clinicdesk_enqueue_reminders`): this job only says which day. The same-day messages
//! can be turned off (`job_settings.same_day_enabled`) for a clinic that reminds by its rules only. The daily run
//! also plans the reminder rules' reminders that booking did not (bulk loads; catch-up): `clinicdesk_plan_reminders`.

use chrono::NaiveDate;

use super::{Counts, JobContext};
use crate::db::{job_settings, notifications, reminder_rules};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SameDay,
    DayBefore,
}

pub async fn run(ctx: &JobContext, date: NaiveDate, kind: Kind) -> Result<Counts> {
    let mut conn = ctx.pool.acquire().await?;
    let tag = match kind {
        Kind::SameDay => "day",
        Kind::DayBefore => "eve",
    };
    let mut counts = Counts::new();
    // the clinic may remind by its rules only: the same-day run then plans and digests without sending its own
    if kind == Kind::DayBefore || job_settings::get(&mut conn).await?.same_day_enabled {
        let r = notifications::enqueue_reminders(&mut conn, date, tag).await?;
        counts.insert("appointments".into(), r.appointments);
        counts.insert("queued".into(), r.queued);
        counts.insert("already_queued".into(), r.already_queued);
        counts.insert("no_consent_or_contact".into(), r.no_contact);
    }
    if kind == Kind::SameDay {
        let plan = reminder_rules::plan(&mut conn).await?;
        counts.insert("rules_planned".into(), plan.planned);
        counts.insert("rules_too_late".into(), plan.too_late);
        // "Today 42 appointments — Dr. Rao 12, Dr. Lee 9" for the staff chat, when it is set up and wanted
        let digest = notifications::enqueue_staff_digest(&mut conn, date).await?;
        counts.insert("digest".into(), digest as i64);
    }
    Ok(counts)
}

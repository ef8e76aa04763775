//! Reminders: one message per booked appointment of the day (or of tomorrow, the evening before), by the
//! patient's preferred channel with fallback, never to a patient who has not consented, and no clinical detail.
//! Each message's dedupe key (appointment × kind × date) means a rerun never queues a message twice.

use chrono::{Duration, NaiveDate, Utc};

use super::{Counts, JobContext};
use crate::db::channel_settings;
use crate::db::notifications::{self, NewMessage, NotificationKind};
use crate::db::{self, appointments};
use crate::error::Result;
use crate::services::appointments::{compose_message, Clock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SameDay,
    DayBefore,
}

const BATCH: usize = 1000;

pub async fn run(ctx: &JobContext, date: NaiveDate, kind: Kind) -> Result<Counts> {
    let mut conn = ctx.pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let settings = db::settings::get(&mut conn).await?;
    let clinic = settings
        .map(|s| s.clinic_name)
        .unwrap_or_else(|| "the clinic".into());
    let from = super::local_instant(clock.tz, date, chrono::NaiveTime::MIN);
    let to = super::local_instant(clock.tz, date + Duration::days(1), chrono::NaiveTime::MIN);
    let targets = appointments::reminder_targets(&mut conn, from, to, Utc::now()).await?;

    let tag = match kind {
        Kind::SameDay => "day",
        Kind::DayBefore => "eve",
    };
    let mut counts = Counts::new();
    let mut queued = 0u64;
    let mut without_contact = 0i64;
    let messages: Vec<(String, _)> = targets
        .iter()
        .filter_map(|t| {
            let m = compose_message(
                &clock,
                "reminder",
                &clinic,
                &t.doctor_name,
                &t.patient_name,
                t.reminder_consent,
                t.preferred_channel,
                t.phone.as_deref(),
                t.email.as_deref(),
                t.starts_at,
            );
            if m.is_none() {
                without_contact += 1;
            }
            m.map(|m| (format!("reminder:{}:{tag}:{date}", t.id), (t.id, m)))
        })
        .collect();
    for chunk in messages.chunks(BATCH) {
        let batch: Vec<NewMessage<'_>> = chunk
            .iter()
            .map(|(key, (id, m))| NewMessage {
                dedupe_key: key.clone(),
                kind: NotificationKind::Reminder,
                channel: m.channel,
                recipient: &m.recipient,
                subject: m.subject.clone(),
                body: m.body.clone(),
                body_html: None,
                appointment_id: Some(*id),
            })
            .collect();
        queued += notifications::enqueue_many(&mut conn, &batch).await?;
    }
    counts.insert("appointments".into(), targets.len() as i64);
    counts.insert("queued".into(), queued as i64);
    counts.insert(
        "already_queued".into(),
        messages.len() as i64 - queued as i64,
    );
    counts.insert("no_consent_or_contact".into(), without_contact);

    if kind == Kind::SameDay {
        counts.insert(
            "digest".into(),
            staff_digest(&mut conn, &clock, date, from, to).await? as i64,
        );
    }
    Ok(counts)
}

/// "Today 42 appointments — Dr. Rao 12, Dr. Lee 9" for the staff chat, when the chat is set up and wanted.
async fn staff_digest(
    conn: &mut sqlx::PgConnection,
    clock: &Clock,
    date: NaiveDate,
    from: chrono::DateTime<Utc>,
    to: chrono::DateTime<Utc>,
) -> Result<bool> {
    let wanted = db::job_settings::get(conn).await?.staff_digest_enabled;
    if !wanted
        || channel_settings::get(conn)
            .await?
            .chat_webhook_url
            .is_empty()
    {
        return Ok(false);
    }
    let per_doctor = appointments::count_per_doctor(conn, from, to).await?;
    let total: i64 = per_doctor.iter().map(|(_, n)| n).sum();
    let day = if date == clock.today() {
        "Today".to_string()
    } else {
        Clock::day_label(date)
    };
    let list = per_doctor
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let body = if total == 0 {
        format!("{day}: no appointments.")
    } else {
        format!(
            "{day} {total} appointment{} — {list}",
            if total == 1 { "" } else { "s" }
        )
    };
    notifications::enqueue(
        conn,
        &NewMessage {
            dedupe_key: format!("digest:{date}"),
            kind: NotificationKind::Digest,
            channel: "chat",
            recipient: "staff chat",
            subject: String::new(),
            body,
            body_html: None,
            appointment_id: None,
        },
    )
    .await
}

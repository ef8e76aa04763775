//! The outbox (`notifications`): messages composed and written by the database itself (triggers on the
//! appointment's write, the job functions called here) in the same transaction as their cause, sent later by the
//! dispatcher. No staff session can insert one. A unique dedupe key makes every message exist at most once; a lease (`claimed_until`) makes every
//! message go out through one dispatcher at a time.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, sqlx::Type,
)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum MessageChannel {
    Email,
    Sms,
    Chat,
}

impl MessageChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageChannel::Email => "email",
            MessageChannel::Sms => "sms",
            MessageChannel::Chat => "chat",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum NotificationStatus {
    Pending,
    Sending,
    Sent,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum NotificationKind {
    Confirmation,
    Reminder,
    Digest,
    Report,
    ExportReady,
    Test,
}

/// What `clinicdesk_enqueue_reminders` did for one day.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReminderCounts {
    pub appointments: i64,
    pub queued: i64,
    pub already_queued: i64,
    pub no_contact: i64,
}

/// Queues the reminders of a clinic-local day (`tag`: "day" for the morning of, "eve" for the evening before).
/// The database composes every message from the appointment and patient rows; a rerun queues nothing twice.
pub async fn enqueue_reminders(
    db: &mut PgConnection,
    date: NaiveDate,
    tag: &str,
) -> Result<ReminderCounts> {
    let r = sqlx::query!(
        r#"SELECT appointments AS "appointments!", queued AS "queued!", already_queued AS "already_queued!",
                  no_contact AS "no_contact!"
             FROM clinicdesk_enqueue_reminders($1, $2)"#,
        date,
        tag
    )
    .fetch_one(db)
    .await?;
    Ok(ReminderCounts {
        appointments: r.appointments,
        queued: r.queued,
        already_queued: r.already_queued,
        no_contact: r.no_contact,
    })
}

/// Queues the staff chat's digest for a day (counts per doctor, no patient). True when one was queued.
pub async fn enqueue_staff_digest(db: &mut PgConnection, date: NaiveDate) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT clinicdesk_enqueue_staff_digest($1) AS "queued!""#,
        date
    )
    .fetch_one(db)
    .await?)
}

/// Queues a month's stored reports by email (each doctor's to the doctor, the summary to the report
/// recipients). Returns how many were new.
pub async fn enqueue_report_emails(db: &mut PgConnection, month: NaiveDate) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"SELECT clinicdesk_enqueue_report_emails($1) AS "n!""#,
        month
    )
    .fetch_one(db)
    .await?)
}

/// A message claimed for sending.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub kind: NotificationKind,
    pub channel: MessageChannel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub body_html: Option<String>,
    pub attempts: i32,
}

/// Claims due messages for `host` for `lease_seconds`: up to `limit` pending ones whose time has come, and up to
/// `limit` whose sender died mid-send (lease expired). Other dispatchers skip the locked rows instead of waiting.
/// Each half reads its own partial index, so the sent history (kept for months) is never scanned.
pub async fn claim_due(
    db: &mut PgConnection,
    host: &str,
    limit: i64,
    lease_seconds: i32,
) -> Result<Vec<Outgoing>> {
    Ok(sqlx::query_as!(
        Outgoing,
        r#"WITH due AS (SELECT id FROM notifications
                         WHERE status = 'pending' AND next_attempt_at <= now()
                         ORDER BY next_attempt_at, id LIMIT $2
                         FOR UPDATE SKIP LOCKED),
                abandoned AS (SELECT id FROM notifications
                               WHERE status = 'sending' AND claimed_until < now()
                               LIMIT $2
                               FOR UPDATE SKIP LOCKED)
           UPDATE notifications n
              SET status = 'sending', claimed_by = $1, claimed_until = now() + make_interval(secs => $3),
                  attempts = n.attempts + 1
            WHERE n.id IN (SELECT id FROM due UNION ALL SELECT id FROM abandoned)
        RETURNING n.id, n.kind AS "kind: NotificationKind", n.channel AS "channel: MessageChannel", n.recipient, n.subject,
                  n.body, n.body_html, n.attempts"#,
        host,
        limit,
        lease_seconds as f64
    )
    .fetch_all(db)
    .await?)
}

/// Extends this host's lease on the messages it is still sending, so a slow batch is not taken over (and sent
/// twice) by another PC while it is being worked.
pub async fn renew_lease(
    db: &mut PgConnection,
    host: &str,
    ids: &[i64],
    lease_seconds: i32,
) -> Result<u64> {
    Ok(sqlx::query!(
        "UPDATE notifications SET claimed_until = now() + make_interval(secs => $3)
          WHERE id = ANY($1) AND status = 'sending' AND claimed_by = $2",
        ids,
        host,
        lease_seconds as f64
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Records delivered messages (only while this host still holds their lease).
pub async fn mark_sent(db: &mut PgConnection, host: &str, ids: &[i64]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(sqlx::query!(
        "UPDATE notifications SET status = 'sent', sent_at = now(), last_error = NULL, claimed_until = NULL
          WHERE id = ANY($1) AND status = 'sending' AND claimed_by = $2",
        ids,
        host
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Records a failed attempt: retried at `retry_at`, or failed for good when `None`.
pub async fn mark_failed(
    db: &mut PgConnection,
    host: &str,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<()> {
    sqlx::query!(
        "UPDATE notifications
            SET status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at = coalesce($4, next_attempt_at), last_error = left($3, 500), claimed_until = NULL
          WHERE id = $1 AND status = 'sending' AND claimed_by = $2",
        id,
        host,
        error,
        retry_at
    )
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct OutboxFilter {
    pub status: Option<NotificationStatus>,
    pub channel: Option<MessageChannel>,
    /// Created on or after this date (UTC day boundaries are close enough for a filter; the list shows instants).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: NotificationKind,
    pub channel: MessageChannel,
    pub recipient: String,
    pub subject: String,
    pub status: NotificationStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

macro_rules! select_items {
    ($tail:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            OutboxItem,
            r#"SELECT id, kind AS "kind: NotificationKind", channel AS "channel: MessageChannel", recipient, subject,
                      status AS "status: NotificationStatus", attempts, next_attempt_at, last_error, created_at, sent_at
                 FROM notifications "# + $tail
            $(, $arg)*
        )
    };
}

pub async fn list(db: &mut PgConnection, f: &OutboxFilter) -> Result<Vec<OutboxItem>> {
    Ok(select_items!(
        "WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR channel = $2)
           AND ($3::date IS NULL OR created_at >= $3::date) AND ($4::date IS NULL OR created_at < $4::date + 1)
         ORDER BY created_at DESC, id DESC LIMIT $5",
        f.status as Option<NotificationStatus>,
        f.channel as Option<MessageChannel>,
        f.from,
        f.to,
        f.limit.clamp(1, 1000)
    )
    .fetch_all(db)
    .await?)
}

pub async fn get(db: &mut PgConnection, id: i64) -> Result<Option<OutboxItem>> {
    Ok(select_items!("WHERE id = $1", id)
        .fetch_optional(db)
        .await?)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub cancelled: i64,
}

pub async fn counts(db: &mut PgConnection) -> Result<OutboxCounts> {
    Ok(sqlx::query_as!(
        OutboxCounts,
        r#"SELECT count(*) FILTER (WHERE status = 'pending') AS "pending!",
                  count(*) FILTER (WHERE status = 'sending') AS "sending!",
                  count(*) FILTER (WHERE status = 'sent') AS "sent!",
                  count(*) FILTER (WHERE status = 'failed') AS "failed!",
                  count(*) FILTER (WHERE status = 'cancelled') AS "cancelled!"
             FROM notifications"#
    )
    .fetch_one(db)
    .await?)
}

/// A failed or cancelled message goes back in the queue, due now. False when it is in another state.
pub async fn retry(db: &mut PgConnection, id: i64) -> Result<bool> {
    Ok(sqlx::query!(
        "UPDATE notifications SET status = 'pending', next_attempt_at = now(), last_error = NULL
          WHERE id = $1 AND status IN ('failed', 'cancelled')",
        id
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Messages waiting out a backoff after a failed attempt become due now ("Send now": the administrator has just
/// fixed what failed). Messages that never failed keep their time. Returns how many.
pub async fn retry_waiting_now(db: &mut PgConnection) -> Result<u64> {
    Ok(sqlx::query!(
        "UPDATE notifications SET next_attempt_at = now()
          WHERE status = 'pending' AND attempts > 0 AND next_attempt_at > now()"
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// A message not yet sent is withdrawn. False when it is sending, sent or already cancelled.
pub async fn cancel(db: &mut PgConnection, id: i64) -> Result<bool> {
    Ok(sqlx::query!(
        "UPDATE notifications SET status = 'cancelled' WHERE id = $1 AND status IN ('pending', 'failed')",
        id
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Deletes sent messages older than `days`; returns how many.
pub async fn prune_sent(db: &mut PgConnection, days: i32) -> Result<u64> {
    Ok(sqlx::query!(
        "DELETE FROM notifications WHERE status = 'sent' AND sent_at < now() - make_interval(days => $1)",
        days
    )
    .execute(db)
    .await?
    .rows_affected())
}

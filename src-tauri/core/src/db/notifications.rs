//! The outbox (`notifications`): messages written in the same transaction as their cause, sent later by the
//! dispatcher. A unique dedupe key makes every message exist at most once; a lease (`claimed_until`) makes every
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

pub struct NewMessage<'a> {
    pub dedupe_key: String,
    pub kind: NotificationKind,
    pub channel: &'a str,
    pub recipient: &'a str,
    pub subject: String,
    pub body: String,
    pub body_html: Option<String>,
    pub appointment_id: Option<i64>,
}

/// Enqueues a message; a second message with the same dedupe key is ignored. True when it was new.
pub async fn enqueue(db: &mut PgConnection, m: &NewMessage<'_>) -> Result<bool> {
    let r = sqlx::query!(
        "INSERT INTO notifications (dedupe_key, kind, channel, recipient, subject, body, body_html, appointment_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
        m.dedupe_key,
        m.kind as NotificationKind,
        m.channel,
        m.recipient,
        m.subject,
        m.body,
        m.body_html,
        m.appointment_id
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Enqueues many messages in one statement; returns how many were new.
pub async fn enqueue_many(db: &mut PgConnection, msgs: &[NewMessage<'_>]) -> Result<u64> {
    if msgs.is_empty() {
        return Ok(0);
    }
    let col = |f: fn(&NewMessage<'_>) -> String| msgs.iter().map(f).collect::<Vec<_>>();
    let keys = col(|m| m.dedupe_key.clone());
    let kinds: Vec<NotificationKind> = msgs.iter().map(|m| m.kind).collect();
    let channels = col(|m| m.channel.to_string());
    let recipients = col(|m| m.recipient.to_string());
    let subjects = col(|m| m.subject.clone());
    let bodies = col(|m| m.body.clone());
    let htmls: Vec<Option<String>> = msgs.iter().map(|m| m.body_html.clone()).collect();
    let appts: Vec<Option<i64>> = msgs.iter().map(|m| m.appointment_id).collect();
    let r = sqlx::query!(
        r#"INSERT INTO notifications (dedupe_key, kind, channel, recipient, subject, body, body_html, appointment_id)
           SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                $8::bigint[])
           ON CONFLICT (dedupe_key) DO NOTHING"#,
        &keys,
        &kinds as &[NotificationKind],
        &channels,
        &recipients,
        &subjects,
        &bodies,
        &htmls as &[Option<String>],
        &appts as &[Option<i64>]
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected())
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

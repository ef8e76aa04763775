//! The outbox (`notifications`): messages written in the same transaction as their cause, sent later by the
//! dispatcher. A unique dedupe key makes every message exist at most once.

use sqlx::PgConnection;

use crate::error::Result;

pub struct NewMessage<'a> {
    pub dedupe_key: String,
    pub channel: &'a str,
    pub recipient: &'a str,
    pub subject: String,
    pub body: String,
    pub appointment_id: Option<i64>,
}

/// Enqueues a message; a second message with the same dedupe key is ignored.
pub async fn enqueue(db: &mut PgConnection, m: &NewMessage<'_>) -> Result<()> {
    sqlx::query!(
        "INSERT INTO notifications (dedupe_key, channel, recipient, subject, body, appointment_id)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING",
        m.dedupe_key,
        m.channel,
        m.recipient,
        m.subject,
        m.body,
        m.appointment_id
    )
    .execute(db)
    .await?;
    Ok(())
}

//! Idempotency keys (`request_keys`): a write a client may retry commits its key with it, so the retry finds the
//! first result instead of writing twice.

use sqlx::PgConnection;

use crate::error::Result;

/// The appointment an earlier booking with this key created (only the caller's own keys are visible).
pub async fn booked_with(db: &mut PgConnection, key: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
        "SELECT appointment_id FROM request_keys WHERE key = $1 AND kind = 'book_appointment'",
        key
    )
    .fetch_optional(db)
    .await?
    .flatten())
}

pub async fn record_booking(db: &mut PgConnection, key: &str, appointment_id: i64) -> Result<()> {
    sqlx::query!(
        "INSERT INTO request_keys (key, kind, appointment_id) VALUES ($1, 'book_appointment', $2)",
        key,
        appointment_id
    )
    .execute(db)
    .await?;
    Ok(())
}

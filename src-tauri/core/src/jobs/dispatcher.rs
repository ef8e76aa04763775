//! The outbox dispatcher: claims due messages (`FOR UPDATE SKIP LOCKED` plus a lease, so any number of PCs can
//! drain one outbox and each message goes out through one of them), sends them concurrently, and records sent,
//! retry-later (backoff 1 m, 5 m, 30 m, 2 h) or failed-for-good with the reason.
//!
//! Delivery is at least once in one narrow case: if the process dies after a server accepted a message and
//! before it was marked sent, the lease expires and the message is sent again. Marks are written in small
//! groups as sends complete, so that window holds at most a few in-flight messages. The lease is renewed while a
//! batch is being sent, so a slow batch is never taken over and sent twice by another PC.

use chrono::{Duration, Utc};
use futures_util::stream::{self, StreamExt};
use sqlx::PgPool;

use super::Counts;
use crate::channels::{Channels, Envelope, SendError};
use crate::db::channel_settings;
use crate::db::notifications::{self, Outgoing};
use crate::error::Result;

/// Messages claimed per round trip.
pub const BATCH: i64 = 200;
/// Messages in flight at once.
pub const CONCURRENCY: usize = 32;
/// How long a claim lasts before another dispatcher may take the message over.
pub const LEASE_SECONDS: i32 = 120;
/// After this many failed attempts a transient failure becomes permanent.
pub const MAX_ATTEMPTS: i32 = 5;
/// Successful sends are marked in groups of this size (and at the end of each batch).
const MARK_EVERY: usize = 16;

/// Renews the lease on a claimed batch every third of the lease while it is being sent; stops when dropped.
struct LeaseKeeper(tokio::task::JoinHandle<()>);

impl LeaseKeeper {
    fn start(pool: PgPool, host: &str, ids: Vec<i64>) -> LeaseKeeper {
        let host = host.to_string();
        LeaseKeeper(tokio::spawn(async move {
            let every = std::time::Duration::from_secs(LEASE_SECONDS as u64 / 3);
            loop {
                tokio::time::sleep(every).await;
                let renewed = match pool.acquire().await {
                    Ok(mut conn) => {
                        notifications::renew_lease(&mut conn, &host, &ids, LEASE_SECONDS).await
                    }
                    Err(e) => Err(e.into()),
                };
                match renewed {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = ?e, "outbox lease renewal failed"),
                }
            }
        }))
    }
}

impl Drop for LeaseKeeper {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// When to try again after the `attempts`-th failure, or `None` to give up.
pub fn backoff(attempts: i32) -> Option<Duration> {
    match attempts {
        1 => Some(Duration::minutes(1)),
        2 => Some(Duration::minutes(5)),
        3 => Some(Duration::minutes(30)),
        4 => Some(Duration::hours(2)),
        _ => None,
    }
}

/// Drains what is due now (up to `max_batches` claims). Returns sent / retry / failed counts.
pub async fn dispatch(pool: &PgPool, host: &str, max_batches: usize) -> Result<Counts> {
    let mut counts = Counts::new();
    let mut channels: Option<Channels> = None;
    for _ in 0..max_batches {
        let batch = {
            let mut conn = pool.acquire().await?;
            notifications::claim_due(&mut conn, host, BATCH, LEASE_SECONDS).await?
        };
        if batch.is_empty() {
            break;
        }
        if channels.is_none() {
            let config = channel_settings::get(&mut *pool.acquire().await?).await?;
            channels = Some(Channels::new(&config));
        }
        let ch = channels.as_ref().expect("channels built above");
        send_batch(pool, host, ch, batch, &mut counts).await?;
    }
    Ok(counts)
}

async fn send_batch(
    pool: &PgPool,
    host: &str,
    channels: &Channels,
    batch: Vec<Outgoing>,
    counts: &mut Counts,
) -> Result<()> {
    let _lease = LeaseKeeper::start(pool.clone(), host, batch.iter().map(|m| m.id).collect());
    let mut results = stream::iter(batch)
        .map(|m| async move {
            let envelope = Envelope {
                channel: m.channel,
                recipient: &m.recipient,
                subject: &m.subject,
                body: &m.body,
                body_html: m.body_html.as_deref(),
            };
            let r = channels.send(&envelope).await;
            (m.id, m.attempts, r)
        })
        .buffer_unordered(CONCURRENCY);
    let mut sent = Vec::with_capacity(MARK_EVERY);
    let mut conn = pool.acquire().await?;
    while let Some((id, attempts, result)) = results.next().await {
        match result {
            Ok(()) => {
                // kill -9 tests stop here: the gateway has the message, the outbox does not know yet
                crate::crash::point("dispatch_sent");
                sent.push(id);
                if sent.len() >= MARK_EVERY {
                    notifications::mark_sent(&mut conn, host, &sent).await?;
                    *counts.entry("sent".into()).or_default() += sent.len() as i64;
                    sent.clear();
                }
            }
            Err(e) => {
                let (retry_at, reason) = match (&e, backoff(attempts)) {
                    (SendError::Transient(r), Some(wait)) => (Some(Utc::now() + wait), r.clone()),
                    (SendError::Transient(r), None) => (
                        None,
                        crate::msg!(send_gave_up, attempts = attempts, reason = r),
                    ),
                    (SendError::Permanent(r), _) => (None, r.clone()),
                };
                // The reason names the server or the address problem; the recipient is the admin's to see in
                // the outbox, not the log's.
                tracing::warn!(notification = id, attempts, retry = retry_at.is_some(), reason = %reason, "send failed");
                notifications::mark_failed(&mut conn, host, id, &reason, retry_at).await?;
                let key = if retry_at.is_some() {
                    "retry"
                } else {
                    "failed"
                };
                *counts.entry(key.into()).or_default() += 1;
            }
        }
    }
    if !sent.is_empty() {
        notifications::mark_sent(&mut conn, host, &sent).await?;
        *counts.entry("sent".into()).or_default() += sent.len() as i64;
    }
    Ok(())
}

/// Sends one test message with `config` right now (not through the outbox), for the settings screen.
pub async fn send_test(
    config: &channel_settings::ChannelConfig,
    channel: notifications::MessageChannel,
    recipient: &str,
    clinic: &str,
) -> std::result::Result<(), SendError> {
    let body = format!("This is a test message from ClinicDesk at {clinic}. If you can read it, this channel works.");
    let recipient = if channel == notifications::MessageChannel::Chat {
        "staff chat"
    } else {
        recipient.trim()
    };
    Channels::new(config)
        .send(&Envelope {
            channel,
            recipient,
            subject: &format!("{clinic}: ClinicDesk test message"),
            body: &body,
            body_html: None,
        })
        .await
}

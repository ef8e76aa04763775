//! Connection faults: is the database answering, how long to wait before the next try, and bringing the
//! built-in cluster back when its server died under a running app. The pools themselves recover: sqlx tests a
//! pooled connection before handing it out and replaces broken ones, so the first query after the server is
//! back succeeds without a restart.

use std::time::Duration;

use sqlx::PgPool;

use crate::embedded::ClusterState;
use crate::error::Result;
use crate::target::DbTarget;

/// One round trip: `Ok` when the database answers.
pub async fn ping(pool: &PgPool) -> Result<()> {
    sqlx::query_scalar!(r#"SELECT 1 AS "one!""#)
        .fetch_one(pool)
        .await?;
    Ok(())
}

/// The wait before retry number `attempt` (0-based): 0.5 s doubling to at most 10 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1u64 << attempt.min(5)))
        .min(Duration::from_secs(10))
}

/// For the built-in cluster: starts its server again if it is not running (a crash, a killed process, a
/// stop from outside). Recovery from the write-ahead log is PostgreSQL's own. A no-op for a clinic server.
pub async fn recover_embedded(target: &DbTarget) -> Result<bool> {
    if let Some(cluster) = target.cluster() {
        if cluster.state().await? != ClusterState::Running {
            tracing::warn!("built-in database not running: starting it again");
            cluster.start().await?;
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(10), Duration::from_secs(10));
        assert_eq!(backoff(u32::MAX), Duration::from_secs(10));
    }
}

//! Signing in is connecting to PostgreSQL as the staff member's own role; this module does that, gates old
//! schemas, slows repeated failures, and describes the signed-in session.
//!
//! What was typed in the username box is never logged nor audited: it may be a password typed one box too early.
//! The sign-in span records the username only once it is known to be a staff account; a failure (in the log, and
//! in the audit log where this computer has the owner's connection) names a known staff account and otherwise
//! says [`UNKNOWN_ACCOUNT`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::migrate::Migrator;
use sqlx::PgPool;

use crate::db::{self, staff::StaffRole, SchemaState};
use crate::error::{Error, Result};
use crate::target::DbTarget;

/// Failures in a row that are free; after these each attempt waits longer (1 s, 2 s, 4 s … up to 30 s).
pub const FREE_FAILURES: u32 = 5;
const MAX_DELAY: Duration = Duration::from_secs(30);
/// What the log says for a failed sign-in whose username is not (known to be) a staff account.
pub const UNKNOWN_ACCOUNT: &str = "unknown account";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Session {
    pub username: String,
    pub full_name: String,
    pub role: StaffRole,
    pub clinic_name: String,
    pub idle_lock_minutes: i32,
}

/// A signed-in staff member: who they are and their own connection pool (their database role).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub pool: PgPool,
}

/// Counts failed sign-ins per username in this process and tells how long the next attempt must wait.
/// The delay is the same whether or not the username exists.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    pub fn delay_before_attempt(&self, username: &str) -> Duration {
        let map = self.failures.lock().expect("throttle lock");
        match map.get(username) {
            Some((n, _)) if *n >= FREE_FAILURES => {
                let exp = (*n - FREE_FAILURES).min(5);
                Duration::from_secs(1 << exp).min(MAX_DELAY)
            }
            _ => Duration::ZERO,
        }
    }

    pub fn record_failure(&self, username: &str) {
        let mut map = self.failures.lock().expect("throttle lock");
        let e = map
            .entry(username.to_string())
            .or_insert((0, Instant::now()));
        e.0 += 1;
        e.1 = Instant::now();
    }

    pub fn record_success(&self, username: &str) {
        self.failures
            .lock()
            .expect("throttle lock")
            .remove(username);
    }
}

/// Signs a staff member in. Wrong username and wrong password give the same sentence.
#[tracing::instrument(skip_all, fields(username = tracing::field::Empty))]
pub async fn sign_in(
    target: &DbTarget,
    migrator: &Migrator,
    throttle: &LoginThrottle,
    username: &str,
    password: &str,
) -> Result<SignedIn> {
    let username = username.trim().to_lowercase();
    if username.is_empty() || password.is_empty() {
        return Err(Error::validation(
            if username.is_empty() {
                "username"
            } else {
                "password"
            },
            crate::msg!(sign_in_fields_required),
        ));
    }
    let delay = throttle.delay_before_attempt(&username);
    if !delay.is_zero() {
        tracing::warn!(
            delay_ms = delay.as_millis() as u64,
            "slowing repeated failed sign-ins"
        );
        tokio::time::sleep(delay).await;
    }
    let pool = match db::connect_pool(target.staff_options(&username, password), 4).await {
        Ok(p) => p,
        Err(Error::Unauthenticated(m)) => {
            throttle.record_failure(&username);
            record_failed_sign_in(target, &username).await;
            return Err(Error::Unauthenticated(m));
        }
        Err(e) => return Err(e),
    };
    throttle.record_success(&username);
    let result = open_session(target, migrator, &pool).await;
    match &result {
        Ok(session) => {
            tracing::Span::current().record("username", session.username.as_str());
        }
        Err(_) => pool.close().await,
    }
    result.map(|session| SignedIn { session, pool })
}

/// Logs a failed sign-in and, where this computer has the owner's connection (the embedded cluster), audits it
/// as `sign_in_failed`. Both name the account only when it is a staff account; otherwise [`UNKNOWN_ACCOUNT`].
async fn record_failed_sign_in(target: &DbTarget, username: &str) {
    let known = match audit_failed_sign_in(target, username).await {
        Ok(known) => known,
        Err(e) => {
            tracing::warn!(error = %e, "could not audit a failed sign-in");
            None
        }
    };
    tracing::info!(
        account = known.as_deref().unwrap_or(UNKNOWN_ACCOUNT),
        "sign-in failed"
    );
}

/// The staff username tried, if it is one, after writing the audit entry (nothing without an owner connection:
/// a clinic server's own log has the attempt).
async fn audit_failed_sign_in(target: &DbTarget, username: &str) -> Result<Option<String>> {
    let Some(owner) = target.owner_options() else {
        return Ok(None);
    };
    let mut conn = db::connect_one(&owner).await?;
    let staff = db::staff::by_username(&mut conn, username).await?;
    let account = staff.as_ref().map(|s| s.username.as_str());
    sqlx::query!(
        "SELECT audit_event('sign_in_failed', 'staff', $1, jsonb_build_object('account', $2::text))",
        staff.as_ref().map(|s| s.id.to_string()),
        account.unwrap_or(UNKNOWN_ACCOUNT)
    )
    .execute(&mut conn)
    .await?;
    let _ = sqlx::Connection::close(conn).await;
    Ok(staff.map(|s| s.username))
}

async fn open_session(target: &DbTarget, migrator: &Migrator, pool: &PgPool) -> Result<Session> {
    let mut conn = pool.acquire().await?;
    let is_admin = db::staff::session_is_member_of(&mut *conn, "clinicdesk_admin").await?;
    match db::schema_state(&mut conn, migrator).await? {
        SchemaState::Current => {}
        SchemaState::Ahead => return Err(Error::NeedsUpgrade(crate::msg!(database_newer))),
        SchemaState::Empty | SchemaState::Behind { .. } if !is_admin => {
            return Err(Error::NeedsUpgrade(crate::msg!(database_needs_upgrade)))
        }
        SchemaState::Empty | SchemaState::Behind { .. } => {
            upgrade_as_admin(target, migrator).await?
        }
    }
    let staff = db::staff::current(&mut *conn)
        .await?
        .filter(|s| s.active)
        .ok_or_else(|| Error::PermissionDenied(crate::msg!(account_not_staff)))?;
    let settings = db::settings::get(&mut *conn)
        .await?
        .ok_or_else(|| Error::Unavailable(crate::msg!(clinic_not_set_up)))?;
    sqlx::query!(
        "SELECT audit_event('sign_in', 'staff', $1)",
        staff.id.to_string()
    )
    .execute(&mut *conn)
    .await?;
    Ok(Session {
        username: staff.username,
        full_name: staff.full_name,
        role: staff.role,
        clinic_name: settings.clinic_name,
        idle_lock_minutes: settings.idle_lock_minutes,
    })
}

/// An administrator's sign-in upgrades the schema, through the owner connection this computer has.
async fn upgrade_as_admin(target: &DbTarget, migrator: &Migrator) -> Result<()> {
    let owner = target
        .owner_options()
        .ok_or_else(|| Error::NeedsUpgrade(crate::msg!(server_needs_migrate)))?;
    let mut conn = db::connect_one(&owner).await?;
    db::migrate(&mut conn, migrator).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_delays_grow_and_cap() {
        let t = LoginThrottle::default();
        for _ in 0..FREE_FAILURES {
            assert_eq!(t.delay_before_attempt("anna"), Duration::ZERO);
            t.record_failure("anna");
        }
        assert_eq!(t.delay_before_attempt("anna"), Duration::from_secs(1));
        t.record_failure("anna");
        assert_eq!(t.delay_before_attempt("anna"), Duration::from_secs(2));
        for _ in 0..20 {
            t.record_failure("anna");
        }
        assert_eq!(t.delay_before_attempt("anna"), MAX_DELAY);
        assert_eq!(
            t.delay_before_attempt("bob"),
            Duration::ZERO,
            "other users are not slowed"
        );
        t.record_success("anna");
        assert_eq!(t.delay_before_attempt("anna"), Duration::ZERO);
    }
}

//! Managing staff accounts (admin only, enforced by the database): create with a role, reset a password,
//! deactivate and reactivate.

use serde::Deserialize;
use sqlx::{Acquire, PgPool};

use crate::db::staff::{self, Staff, StaffRole};
use crate::error::{Error, Result};
use crate::security::{password, scram};

#[derive(Clone, Deserialize, specta::Type)]
pub struct NewStaff {
    pub username: String,
    pub full_name: String,
    pub role: StaffRole,
    pub password: String,
}

/// Debug output (logs, panics) never shows the password.
impl std::fmt::Debug for NewStaff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStaff")
            .field("username", &self.username)
            .field("full_name", &self.full_name)
            .field("role", &self.role)
            .field("password", &crate::REDACTED)
            .finish()
    }
}

pub async fn list(pool: &PgPool) -> Result<Vec<Staff>> {
    staff::list(&mut *pool.acquire().await?).await
}

#[tracing::instrument(skip(pool, input), fields(username = %input.username, role = ?input.role))]
pub async fn create(pool: &PgPool, input: &NewStaff) -> Result<Staff> {
    let username = super::username("username", &input.username)?;
    let full_name = super::required_text("full_name", "Full name", &input.full_name, 120)?;
    password::check("password", &input.password, &[&username, &full_name])?;
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    staff::create(
        &mut *tx,
        &username,
        &full_name,
        input.role,
        &scram::verifier(&input.password),
    )
    .await?;
    let created = staff::by_username(&mut *tx, &username)
        .await?
        .ok_or_else(|| Error::internal("staff row vanished"))?;
    tx.commit().await?;
    Ok(created)
}

#[tracing::instrument(skip(pool, new_password))]
pub async fn reset_password(pool: &PgPool, username: &str, new_password: &str) -> Result<()> {
    let mut conn = pool.acquire().await?;
    let target = staff::by_username(&mut conn, username)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(staff_member_unknown, username = username)))?;
    password::check(
        "password",
        new_password,
        &[&target.username, &target.full_name],
    )?;
    staff::set_password(&mut conn, &target.username, &scram::verifier(new_password)).await
}

#[tracing::instrument(skip(pool))]
pub async fn set_active(pool: &PgPool, username: &str, active: bool) -> Result<Staff> {
    let mut tx = pool.begin().await?;
    staff::set_active(&mut *tx, username, active).await?;
    let s = staff::by_username(&mut *tx, username)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(staff_member_unknown, username = username)))?;
    tx.commit().await?;
    Ok(s)
}

//! Staff accounts (`staff`): one row per PostgreSQL LOGIN role. Roles are created and changed only through the
//! schema's SECURITY DEFINER functions, which check that the caller is an administrator.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum StaffRole {
    Admin,
    Doctor,
    Reception,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Doctor => "doctor",
            StaffRole::Reception => "reception",
        }
    }
}

impl std::str::FromStr for StaffRole {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "admin" => Ok(StaffRole::Admin),
            "doctor" => Ok(StaffRole::Doctor),
            "reception" => Ok(StaffRole::Reception),
            _ => Err(Error::validation("role", crate::msg!(staff_role_check))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: StaffRole,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

pub async fn list(db: &mut PgConnection) -> Result<Vec<Staff>> {
    Ok(sqlx::query_as!(
        Staff,
        r#"SELECT id, username, full_name, role AS "role: StaffRole", active, created_at FROM staff ORDER BY active DESC, full_name"#
    )
    .fetch_all(db)
    .await?)
}

pub async fn by_username(db: &mut PgConnection, username: &str) -> Result<Option<Staff>> {
    Ok(sqlx::query_as!(
        Staff,
        r#"SELECT id, username, full_name, role AS "role: StaffRole", active, created_at FROM staff WHERE username = $1"#,
        username
    )
    .fetch_optional(db)
    .await?)
}

/// The staff row of the connected role.
pub async fn current(db: &mut PgConnection) -> Result<Option<Staff>> {
    Ok(sqlx::query_as!(
        Staff,
        r#"SELECT id, username, full_name, role AS "role: StaffRole", active, created_at FROM staff WHERE username = session_user"#
    )
    .fetch_optional(db)
    .await?)
}

pub async fn create(
    db: &mut PgConnection,
    username: &str,
    full_name: &str,
    role: StaffRole,
    verifier: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"SELECT clinicdesk_create_staff($1, $2, $3, $4) AS "id!""#,
        username,
        full_name,
        role.as_str(),
        verifier
    )
    .fetch_one(db)
    .await?)
}

pub async fn set_password(db: &mut PgConnection, username: &str, verifier: &str) -> Result<()> {
    sqlx::query!(
        "SELECT clinicdesk_set_staff_password($1, $2)",
        username,
        verifier
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_active(db: &mut PgConnection, username: &str, active: bool) -> Result<()> {
    sqlx::query!(
        "SELECT clinicdesk_set_staff_active($1, $2)",
        username,
        active
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn count_active_admins(db: &mut PgConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM staff WHERE role = 'admin' AND active"#
        )
        .fetch_one(db)
        .await?,
    )
}

/// Whether the connected role is a member of a ClinicDesk group (works before the staff table exists).
pub async fn session_is_member_of(db: &mut PgConnection, group: &str) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT coalesce(pg_has_role(session_user, oid, 'MEMBER'), false) AS "m!" FROM pg_roles WHERE rolname = $1"#,
        group
    )
    .fetch_optional(db)
    .await?
    .unwrap_or(false))
}

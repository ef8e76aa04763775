//! The clinic-wide settings row (`settings`): clinic name, time zone, idle lock, and the clinic's locale (language,
//! date format, clock, first day of the week).

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ClinicSettings {
    pub clinic_name: String,
    pub time_zone: String,
    pub idle_lock_minutes: i32,
    /// "en" or "es": the UI, the monthly report and the report emails.
    pub language: String,
    /// "dd/MM/yyyy", "MM/dd/yyyy", "yyyy-MM-dd" or "dd.MM.yyyy".
    pub date_format: String,
    /// "24h" or "12h".
    pub clock: String,
    /// 0 = Sunday, 1 = Monday, 6 = Saturday.
    pub first_day: i32,
}

pub async fn get(db: &mut PgConnection) -> Result<Option<ClinicSettings>> {
    Ok(sqlx::query_as!(
        ClinicSettings,
        "SELECT clinic_name, time_zone, idle_lock_minutes, language, date_format, clock, first_day FROM settings"
    )
    .fetch_optional(db)
    .await?)
}

/// First-run: the row is created once, by the bootstrap (owner) connection.
pub async fn create(db: &mut PgConnection, s: &ClinicSettings) -> Result<()> {
    sqlx::query!(
        "INSERT INTO settings (clinic_name, time_zone, idle_lock_minutes, language, date_format, clock, first_day,
                               setup_completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        s.clinic_name,
        s.time_zone,
        s.idle_lock_minutes,
        s.language,
        s.date_format,
        s.clock,
        s.first_day
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update(db: &mut PgConnection, s: &ClinicSettings) -> Result<ClinicSettings> {
    Ok(sqlx::query_as!(
        ClinicSettings,
        "UPDATE settings SET clinic_name = $1, time_zone = $2, idle_lock_minutes = $3, language = $4,
                date_format = $5, clock = $6, first_day = $7
         RETURNING clinic_name, time_zone, idle_lock_minutes, language, date_format, clock, first_day",
        s.clinic_name,
        s.time_zone,
        s.idle_lock_minutes,
        s.language,
        s.date_format,
        s.clock,
        s.first_day
    )
    .fetch_one(db)
    .await?)
}

/// Minutes of waiting after which the flow board marks a patient (`settings.wait_alert_minutes`).
pub async fn wait_alert_minutes(db: &mut PgConnection) -> Result<i32> {
    Ok(
        sqlx::query_scalar!("SELECT wait_alert_minutes FROM settings")
            .fetch_optional(db)
            .await?
            .unwrap_or(20),
    )
}

pub async fn set_wait_alert_minutes(db: &mut PgConnection, minutes: i32) -> Result<i32> {
    Ok(sqlx::query_scalar!(
        "UPDATE settings SET wait_alert_minutes = $1 RETURNING wait_alert_minutes",
        minutes
    )
    .fetch_one(db)
    .await?)
}

/// The clinic's zone and the flow board's wait alert, in one read (the Today board's); None before setup.
pub async fn zone_and_wait_alert(db: &mut PgConnection) -> Result<Option<(String, i32)>> {
    Ok(
        sqlx::query!("SELECT time_zone, wait_alert_minutes FROM settings")
            .fetch_optional(db)
            .await?
            .map(|r| (r.time_zone, r.wait_alert_minutes)),
    )
}

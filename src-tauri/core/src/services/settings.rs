//! Clinic settings (name, time zone, idle lock, waiting alert): everyone reads them, administrators change them.

use sqlx::PgPool;

use crate::db::settings::{self, ClinicSettings};
use crate::error::{Error, Result};

pub async fn get(pool: &PgPool) -> Result<ClinicSettings> {
    settings::get(&mut *pool.acquire().await?)
        .await?
        .ok_or_else(|| Error::Unavailable(crate::msg!(clinic_not_set_up)))
}

#[tracing::instrument(skip(pool))]
pub async fn update(pool: &PgPool, input: &ClinicSettings) -> Result<ClinicSettings> {
    let clean = ClinicSettings {
        clinic_name: super::required_text("clinic_name", "Clinic name", &input.clinic_name, 120)?,
        time_zone: super::time_zone("time_zone", &input.time_zone)?,
        idle_lock_minutes: input.idle_lock_minutes,
    };
    if !(1..=240).contains(&clean.idle_lock_minutes) {
        return Err(Error::validation(
            "idle_lock_minutes",
            "Idle lock must be between 1 and 240 minutes.",
        ));
    }
    settings::update(&mut *pool.acquire().await?, &clean).await
}

/// The time zones a clinic can choose (IANA names).
pub fn time_zones() -> Vec<String> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_string())
        .collect()
}

/// This machine's time zone, the wizard's default.
pub fn machine_time_zone() -> String {
    iana_time_zone::get_timezone()
        .ok()
        .filter(|z| z.parse::<chrono_tz::Tz>().is_ok())
        .unwrap_or_else(|| "UTC".into())
}

/// Minutes of waiting after which the flow board marks a patient (default 20).
pub async fn wait_alert_minutes(pool: &PgPool) -> Result<i32> {
    settings::wait_alert_minutes(&mut *pool.acquire().await?).await
}

/// Administrators set the waiting alert: 1 to 240 minutes.
#[tracing::instrument(skip(pool))]
pub async fn set_wait_alert_minutes(pool: &PgPool, minutes: i32) -> Result<i32> {
    if !(1..=240).contains(&minutes) {
        return Err(Error::validation(
            "wait_alert_minutes",
            "The waiting alert must be between 1 and 240 minutes.",
        ));
    }
    settings::set_wait_alert_minutes(&mut *pool.acquire().await?, minutes).await
}

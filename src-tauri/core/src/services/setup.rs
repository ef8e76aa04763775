//! First run: create the schema, the clinic's settings and its first administrator in one transaction.

use serde::{Deserialize, Serialize};
use sqlx::migrate::Migrator;
use sqlx::Connection;

use crate::db::{self, settings::ClinicSettings, staff::StaffRole, SchemaState};
use crate::demo::{self, DemoLogin, DemoOptions};
use crate::error::{Error, Result};
use crate::security::{password, scram};
use crate::target::DbTarget;

/// What the first screen needs to know (the wizard or the sign-in screen).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppStatus {
    pub setup_required: bool,
    pub clinic_name: Option<String>,
    pub database: crate::config::DatabaseConfig,
    pub database_label: String,
    pub machine_time_zone: String,
    pub version: String,
}

#[derive(Clone, Deserialize, specta::Type)]
pub struct SetupInput {
    pub clinic_name: String,
    pub time_zone: String,
    pub admin_username: String,
    pub admin_full_name: String,
    pub admin_password: String,
    pub load_demo: bool,
    /// The clinic's language, date format, clock and first day chosen in the wizard; without it, the machine's.
    #[serde(default)]
    pub locale: Option<SetupLocale>,
}

/// The locale the wizard offers (the same four codes Settings changes later).
#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct SetupLocale {
    pub language: String,
    pub date_format: String,
    pub clock: String,
    pub first_day: i32,
}

/// Debug output (logs, panics) never shows the password.
impl std::fmt::Debug for SetupInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupInput")
            .field("clinic_name", &self.clinic_name)
            .field("time_zone", &self.time_zone)
            .field("admin_username", &self.admin_username)
            .field("admin_full_name", &self.admin_full_name)
            .field("admin_password", &crate::REDACTED)
            .field("load_demo", &self.load_demo)
            .field("locale", &self.locale)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SetupOutcome {
    /// Staff accounts the demo clinic created (empty without demo data).
    pub demo_logins: Vec<DemoLogin>,
}

/// True when this computer can set the clinic up and it has not been set up yet.
pub async fn setup_required(target: &DbTarget, migrator: &Migrator) -> Result<bool> {
    let Some(owner) = target.owner_options() else {
        return Ok(false);
    };
    let mut conn = db::connect_one(&owner).await?;
    let required = match db::schema_state(&mut conn, migrator).await? {
        SchemaState::Empty => true,
        _ => db::settings::get(&mut conn).await?.is_none(),
    };
    conn.close().await.ok();
    Ok(required)
}

#[tracing::instrument(skip_all, fields(admin = %input.admin_username, demo = input.load_demo))]
pub async fn complete_setup(
    target: &DbTarget,
    migrator: &Migrator,
    input: &SetupInput,
) -> Result<SetupOutcome> {
    let clinic_name = super::required_text("clinic_name", "Clinic name", &input.clinic_name, 120)?;
    let time_zone = super::time_zone("time_zone", &input.time_zone)?;
    let username = super::username("admin_username", &input.admin_username)?;
    let full_name =
        super::required_text("admin_full_name", "Full name", &input.admin_full_name, 120)?;
    password::check(
        "admin_password",
        &input.admin_password,
        &[&username, &full_name, &clinic_name],
    )?;

    let owner = target
        .owner_options()
        .ok_or_else(|| Error::PermissionDenied(crate::msg!(setup_by_owner)))?;
    let mut conn = db::connect_one(&owner).await?;
    db::migrate(&mut conn, migrator).await?;
    let mut tx = conn.begin().await?;
    // one setup at a time, and only once
    sqlx::query!("LOCK TABLE settings IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    if db::settings::get(&mut *tx).await?.is_some() {
        return Err(Error::Conflict(crate::msg!(clinic_already_set_up)));
    }
    let (language, date_format, clock, first_day) = match &input.locale {
        Some(l) => (
            l.language.clone(),
            l.date_format.clone(),
            l.clock.clone(),
            l.first_day,
        ),
        None => super::settings::machine_locale(),
    };
    // an unknown code is a field error, as in Settings
    let settings = super::settings::check_locale(&ClinicSettings {
        clinic_name,
        time_zone,
        idle_lock_minutes: 10,
        language,
        date_format,
        clock,
        first_day,
    })?;
    db::settings::create(&mut *tx, &settings).await?;
    db::staff::create(
        &mut *tx,
        &username,
        &full_name,
        StaffRole::Admin,
        &scram::verifier(&input.admin_password),
    )
    .await
    .map_err(|e| match e {
        Error::Conflict(m) | Error::Validation { message: m, .. } => {
            Error::validation("admin_username", m)
        }
        other => other,
    })?;
    let demo_logins = if input.load_demo {
        demo::load(&mut tx, &DemoOptions::small()).await?.logins
    } else {
        vec![]
    };
    tx.commit().await?;
    tracing::info!("clinic set up");
    Ok(SetupOutcome { demo_logins })
}

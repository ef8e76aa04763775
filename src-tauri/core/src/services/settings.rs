//! Clinic settings (name, time zone, idle lock, locale, waiting alert): everyone reads them, administrators change
//! them.

use sqlx::PgPool;

use crate::db::settings::{self, ClinicSettings};
use crate::error::{Error, Result};
use crate::locale;

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
        ..check_locale(input)?
    };
    if !(1..=240).contains(&clean.idle_lock_minutes) {
        return Err(Error::validation(
            "idle_lock_minutes",
            crate::msg!(settings_idle_lock_minutes_check),
        ));
    }
    settings::update(&mut *pool.acquire().await?, &clean).await
}

/// The locale codes checked one by one (an unknown code is a field error; the database's CHECKs say the same).
pub(crate) fn check_locale(input: &ClinicSettings) -> Result<ClinicSettings> {
    let language = input.language.trim();
    if !locale::LANGUAGES.contains(&language) {
        return Err(Error::constraint("settings_language_check"));
    }
    let date_format = input.date_format.trim();
    if !locale::DATE_FORMATS.contains(&date_format) {
        return Err(Error::constraint("settings_date_format_check"));
    }
    let clock = input.clock.trim();
    if !locale::CLOCKS.contains(&clock) {
        return Err(Error::constraint("settings_clock_check"));
    }
    if !locale::FIRST_DAYS.contains(&input.first_day) {
        return Err(Error::constraint("settings_first_day_check"));
    }
    Ok(ClinicSettings {
        language: language.into(),
        date_format: date_format.into(),
        clock: clock.into(),
        ..input.clone()
    })
}

/// The wizard's default locale from this machine's `LC_ALL` / `LC_TIME` / `LANG` (e.g. `es_ES.UTF-8`): Spanish
/// for `es*`, US conventions (MM/dd/yyyy, 12-hour, Sunday first) for `en_US`, dd.MM.yyyy for German-speaking
/// ones, otherwise dd/MM/yyyy, 24-hour, Monday first.
pub fn machine_locale() -> (String, String, String, i32) {
    let raw = ["LC_ALL", "LC_TIME", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty() && v != "C" && v != "POSIX")
        .unwrap_or_default();
    locale_from_posix(&raw)
}

pub(crate) fn locale_from_posix(raw: &str) -> (String, String, String, i32) {
    let tag = raw.split(['.', '@']).next().unwrap_or("");
    let language = if tag.starts_with("es") { "es" } else { "en" };
    let (date_format, clock, first_day) = match tag {
        "en_US" | "es_US" => ("MM/dd/yyyy", "12h", 0),
        t if t.starts_with("de") => ("dd.MM.yyyy", "24h", 1),
        _ => ("dd/MM/yyyy", "24h", 1),
    };
    (language.into(), date_format.into(), clock.into(), first_day)
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
            crate::msg!(settings_wait_alert_minutes_check),
        ));
    }
    settings::set_wait_alert_minutes(&mut *pool.acquire().await?, minutes).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ClinicSettings {
        ClinicSettings {
            clinic_name: "Riverside".into(),
            time_zone: "UTC".into(),
            idle_lock_minutes: 10,
            language: "es".into(),
            date_format: "yyyy-MM-dd".into(),
            clock: "12h".into(),
            first_day: 6,
        }
    }

    #[test]
    fn each_unknown_locale_code_names_its_field() {
        assert_eq!(check_locale(&base()).unwrap(), base());
        for (bad, field) in [
            (
                ClinicSettings {
                    language: "fr".into(),
                    ..base()
                },
                "language",
            ),
            (
                ClinicSettings {
                    date_format: "d/M/yy".into(),
                    ..base()
                },
                "date_format",
            ),
            (
                ClinicSettings {
                    clock: "13h".into(),
                    ..base()
                },
                "clock",
            ),
            (
                ClinicSettings {
                    first_day: 3,
                    ..base()
                },
                "first_day",
            ),
        ] {
            assert!(
                matches!(check_locale(&bad), Err(Error::Validation { field: f, .. }) if f == field),
                "{field}"
            );
        }
    }

    #[test]
    fn machine_locales_give_sensible_defaults() {
        assert_eq!(
            locale_from_posix("es_ES.UTF-8"),
            ("es".into(), "dd/MM/yyyy".into(), "24h".into(), 1)
        );
        assert_eq!(
            locale_from_posix("en_US.UTF-8"),
            ("en".into(), "MM/dd/yyyy".into(), "12h".into(), 0)
        );
        assert_eq!(
            locale_from_posix("de_AT.UTF-8"),
            ("en".into(), "dd.MM.yyyy".into(), "24h".into(), 1)
        );
        assert_eq!(
            locale_from_posix(""),
            ("en".into(), "dd/MM/yyyy".into(), "24h".into(), 1)
        );
    }
}

//! Use cases: every function here is what a Tauri command, the CLI or a job calls. Services validate input,
//! own transactions and translate everything into `core::Error`.

pub mod appointment_types;
pub mod audit;
pub mod auth;
pub mod availability;
pub mod backups;
pub mod clinical;
pub mod connection;
pub mod dashboard;
pub mod database;
pub mod departments;
pub mod diagnostics;
pub mod doctors;
pub mod jobs;
pub mod patients;
pub mod quick_search;
pub mod reminder_rules;
pub mod scheduling;
pub mod settings;
pub mod setup;
pub mod staff;
pub mod waitlist;

use crate::error::{Error, Result};

/// Trims a required text field and checks its length (in characters).
pub(crate) fn required_text(field: &str, label: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::validation(
            field,
            crate::msg!(text_required, label = label),
        ));
    }
    if v.chars().count() > max {
        return Err(Error::validation(
            field,
            crate::msg!(text_too_long, label = label, max = max),
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(Error::validation(
            field,
            crate::msg!(text_control_characters, label = label),
        ));
    }
    Ok(v.to_string())
}

/// Trims an optional text field (empty allowed) and checks its length.
pub(crate) fn optional_text(field: &str, label: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(Error::validation(
            field,
            crate::msg!(text_too_long, label = label, max = max),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::validation(
            field,
            crate::msg!(text_control_characters, label = label),
        ));
    }
    Ok(v.to_string())
}

/// Staff usernames are PostgreSQL role names: 3–32 of a–z, 0–9, '_' or '.', starting with a letter.
pub(crate) fn username(field: &str, value: &str) -> Result<String> {
    let v = value.trim().to_lowercase();
    let ok = (3..=32).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        && !v.starts_with("pg_")
        && !v.starts_with("clinicdesk")
        && v != "postgres";
    if ok {
        Ok(v)
    } else {
        Err(Error::validation(field, crate::msg!(staff_username_check)))
    }
}

pub(crate) fn time_zone(field: &str, value: &str) -> Result<String> {
    value
        .trim()
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_string())
        .map_err(|_| Error::validation(field, crate::msg!(time_zone_unknown)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_role_safe() {
        assert_eq!(username("u", " Anna.K ").unwrap(), "anna.k");
        for bad in [
            "ab",
            "1abc",
            "pg_admin",
            "clinicdesk_admin",
            "postgres",
            "a b c",
            "anna\"; drop",
            "ÄÖÜabc",
        ] {
            assert!(username("u", bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn required_text_trims_and_limits() {
        assert_eq!(required_text("n", "Name", "  Rao  ", 10).unwrap(), "Rao");
        assert!(
            matches!(required_text("n", "Name", "   ", 10), Err(Error::Validation { field, .. }) if field == "n")
        );
        assert!(required_text("n", "Name", &"x".repeat(11), 10).is_err());
    }

    #[test]
    fn time_zones_must_exist() {
        assert_eq!(time_zone("tz", "Europe/Berlin").unwrap(), "Europe/Berlin");
        assert!(time_zone("tz", "Mars/Olympus").is_err());
    }
}

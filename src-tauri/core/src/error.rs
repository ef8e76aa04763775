//! The one error type of ClinicDesk's core: variants the UI branches on, each with a sentence a person can read.
//! Database errors are translated here (constraint names → field errors); their raw text only goes to the log.

use crate::messages::{identify, text};
use crate::msg;
use serde::Serialize;
use std::collections::BTreeMap;

/// What went wrong, in the terms the UI and CLI act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Validation { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    /// The database refused an appointment that overlaps another of the doctor or the patient. Scheduling turns
    /// it into the one sentence that names who holds the time; this text is only the fallback.
    #[error("{}", crate::messages::text("overlap_taken"))]
    Overlap,
    /// Two transactions collided (deadlock or serialization failure); retrying the use case is safe.
    #[error("{0}")]
    Contended(String),
    #[error("{0}")]
    PermissionDenied(String),
    /// The database (or another service) cannot be reached or started; the sentence says what to do.
    #[error("{0}")]
    Unavailable(String),
    /// Wrong username or password (deliberately the same sentence for both).
    #[error("{0}")]
    Unauthenticated(String),
    /// The schema is older than this app; only an administrator's sign-in (or `clinicctl db migrate`) upgrades it.
    #[error("{0}")]
    NeedsUpgrade(String),
    /// Anything unexpected. The detail is logged, the user sees a generic sentence.
    #[error("{}", crate::messages::text("internal"))]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Machine-readable error kind, mirrored in the TypeScript bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub enum ErrorKind {
    NotFound,
    Validation,
    Conflict,
    PermissionDenied,
    Unavailable,
    Unauthenticated,
    NeedsUpgrade,
    Internal,
}

impl Error {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Error::Internal(detail.to_string())
    }

    /// The refusal a database rule (named by its constraint) gives, for a service that checks the same rule
    /// first: one sentence for both paths.
    pub fn constraint(name: &str) -> Self {
        match constraint_message(name) {
            Some((_, code)) if STATE_CONFLICTS.contains(&name) => {
                Error::Conflict(text(code).into())
            }
            Some((field, code)) => Error::validation(field, text(code)),
            None => Error::internal(format!("no sentence for the rule {name}")),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Validation { .. } => ErrorKind::Validation,
            Error::Conflict(_) | Error::Overlap | Error::Contended(_) => ErrorKind::Conflict,
            Error::PermissionDenied(_) => ErrorKind::PermissionDenied,
            Error::Unavailable(_) => ErrorKind::Unavailable,
            Error::Unauthenticated(_) => ErrorKind::Unauthenticated,
            Error::NeedsUpgrade(_) => ErrorKind::NeedsUpgrade,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The catalog code of this error's sentence (`crate::messages::CATALOG`), `None` for a sentence not yet
    /// catalogued. Read back from the English sentence, so every way of building an `Error` keeps working.
    pub fn code(&self) -> Option<&'static str> {
        self.coded().map(|(code, _)| code)
    }

    /// The code and the parameter values of this error's sentence (see [`Error::code`]).
    pub fn coded(&self) -> Option<(&'static str, BTreeMap<String, String>)> {
        match self {
            Error::Overlap => Some(("overlap_taken", BTreeMap::new())),
            Error::Internal(_) => Some(("internal", BTreeMap::new())),
            _ => identify(&self.to_string()),
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// Unique constraints whose violation is a wrong choice in a form field rather than a clash between records.
const FIELD_UNIQUES: &[&str] = &[
    "doctors_staff_id_key",
    "appointment_types_name_key",
    "doctor_appointment_types_one_default",
    "reminder_rules_same_key",
];

/// The exclusion constraints that refuse overlapping appointments (see `Error::Overlap`).
const OVERLAPS: &[&str] = &[
    "appointments_no_doctor_overlap",
    "appointments_no_patient_overlap",
];

/// Refusals about the record's state rather than any one field (shown for the whole form, kind Conflict).
const STATE_CONFLICTS: &[&str] = &["patients_merged_read_only"];

/// Maps a constraint name to (field, code of its catalog sentence) for the constraints a person can violate by typing.
fn constraint_message(constraint: &str) -> Option<(&'static str, &'static str)> {
    Some(match constraint {
        "staff_username_key" => ("username", "staff_username_key"),
        "staff_username_check" => ("username", "staff_username_check"),
        "staff_full_name_check" => ("full_name", "staff_full_name_check"),
        "staff_role_check" => ("role", "staff_role_check"),
        "staff_not_self" => ("username", "staff_not_self"),
        "staff_last_admin" => ("username", "staff_last_admin"),
        "departments_name_key" => ("name", "departments_name_key"),
        "departments_name_check" => ("name", "departments_name_check"),
        "departments_description_check" => ("description", "departments_description_check"),
        "settings_clinic_name_check" => ("clinic_name", "settings_clinic_name_check"),
        "settings_idle_lock_minutes_check" => {
            ("idle_lock_minutes", "settings_idle_lock_minutes_check")
        }
        "appointments_status_transition" => ("status", "appointments_status_transition"),
        "appointments_doctor_active" => ("doctor_id", "appointments_doctor_active"),
        "appointments_patient_not_blacklisted" => {
            ("patient_id", "appointments_patient_not_blacklisted")
        }
        "appointments_not_in_past" => ("starts_at", "appointments_not_in_past"),
        "appointments_cancel_reason" => ("reason", "appointments_cancel_reason"),
        "appointments_order" => ("ends_at", "appointments_order"),
        "appointments_length" => ("ends_at", "appointments_length"),
        "job_settings_no_show_grace_hours_check" => (
            "no_show_grace_hours",
            "job_settings_no_show_grace_hours_check",
        ),
        "job_settings_prune_sent_after_days_check" => (
            "prune_sent_after_days",
            "job_settings_prune_sent_after_days_check",
        ),
        "channel_settings_smtp_port_check" => ("smtp_port", "channel_settings_smtp_port_check"),
        "doctor_availability_no_overlap" => ("sessions", "doctor_availability_no_overlap"),
        "doctor_availability_order" => ("sessions", "doctor_availability_order"),
        "doctor_availability_exceptions_times" => {
            ("starts_at", "doctor_availability_exceptions_times")
        }
        "doctor_availability_exceptions_holiday" => {
            ("kind", "doctor_availability_exceptions_holiday")
        }
        "doctors_full_name_check" => ("full_name", "doctors_full_name_check"),
        "doctors_consultation_fee_cents_check" => (
            "consultation_fee_cents",
            "doctors_consultation_fee_cents_check",
        ),
        "doctors_staff_id_key" => ("staff_username", "doctors_staff_id_key"),
        "doctors_department_id_fkey" => ("department_id", "doctors_department_id_fkey"),
        "patients_full_name_check" => ("full_name", "patients_full_name_check"),
        "patients_date_of_birth_check" => ("date_of_birth", "patients_date_of_birth_check"),
        "patients_blacklist_reason" => ("reason", "patients_blacklist_reason"),
        "patients_consent_method" => ("consent_method", "patients_consent_method"),
        "patients_consent_method_check" => ("consent_method", "patients_consent_method_check"),
        "patients_opted_out_no_consent" => ("reminder_consent", "patients_opted_out_no_consent"),
        "patients_merged_read_only" => ("", "patients_merged_read_only"),
        "patients_merge_self" | "patients_merged_not_self" => {
            ("survivor_id", "patients_merge_self")
        }
        "patients_merged_into_fkey" => ("survivor_id", "patients_merged_into_fkey"),
        "patients_merged_complete" => ("survivor_id", "patients_merged_complete"),
        "patients_merge_tombstone" => ("survivor_id", "patients_merge_tombstone"),
        "patients_merge_overlap" => ("survivor_id", "patients_merge_overlap"),
        "reminder_rules_same_key" => ("kind", "reminder_rules_same_key"),
        "reminder_rules_lead_minutes_check" => {
            ("lead_minutes", "reminder_rules_lead_minutes_check")
        }
        "reminder_rules_shape" => ("kind", "reminder_rules_shape"),
        "settings_sms_quiet_hours" => ("quiet_end", "settings_sms_quiet_hours"),
        "waitlist_entries_patient_id_fkey" => ("patient_id", "waitlist_entries_patient_id_fkey"),
        "waitlist_entries_doctor_id_fkey" => ("doctor_id", "waitlist_entries_doctor_id_fkey"),
        "waitlist_entries_department_id_fkey" => {
            ("department_id", "waitlist_entries_department_id_fkey")
        }
        "waitlist_entries_target" => ("doctor_id", "waitlist_entries_target"),
        "waitlist_entries_window" => ("window_to", "waitlist_entries_window"),
        "waitlist_entries_window_length" => ("window_to", "waitlist_entries_window_length"),
        "waitlist_entries_times" => ("time_to", "waitlist_entries_times"),
        "waitlist_entries_note_check" => ("note", "waitlist_entries_note_check"),
        "waitlist_entries_final" => ("id", "waitlist_entries_final"),
        "appointments_patient_merged" => ("patient_id", "appointments_patient_merged"),
        "appointments_check_in_day" => ("status", "appointments_check_in_day"),
        "appointments_no_show_early" => ("status", "appointments_no_show_early"),
        "appointments_call_next_nobody" => ("doctor_id", "appointments_call_next_nobody"),
        "appointments_called_after_arrival" => ("status", "appointments_called_after_arrival"),
        "settings_wait_alert_minutes_check" => {
            ("wait_alert_minutes", "settings_wait_alert_minutes_check")
        }
        "free_slots_days" => ("days", "free_slots_days"),
        "appointments_type_offered" => ("type_id", "appointments_type_offered"),
        "appointments_type_length" => ("type_id", "appointments_type_length"),
        "appointments_type_id_fkey" => ("type_id", "appointments_type_id_fkey"),
        "appointments_reason_check" => ("reason", "appointments_reason_check"),
        "appointment_types_name_key" => ("name", "appointment_types_name_key"),
        "appointment_types_name_check" => ("name", "appointment_types_name_check"),
        "appointment_types_minutes_check" => ("minutes", "appointment_types_minutes_check"),
        "appointment_types_colour_check" => ("colour", "appointment_types_colour_check"),
        "doctor_appointment_types_one_default" => {
            ("offers", "doctor_appointment_types_one_default")
        }
        "appointment_types_buffer_minutes_check" => {
            ("buffer_minutes", "appointment_types_buffer_minutes_check")
        }
        "settings_language_check" => ("language", "settings_language_check"),
        "settings_date_format_check" => ("date_format", "settings_date_format_check"),
        "settings_clock_check" => ("clock", "settings_clock_check"),
        "settings_first_day_check" => ("first_day", "settings_first_day_check"),
        "patients_preferred_language_check" => {
            ("preferred_language", "patients_preferred_language_check")
        }
        _ => return None,
    })
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => return Error::NotFound(msg!(record_gone)),
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => {
                tracing::warn!(error = %e, "database unavailable");
                return Error::Unavailable(msg!(database_unreachable));
            }
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.to_string()).unwrap_or_default();
                if let Some(constraint) = db.constraint() {
                    if OVERLAPS.contains(&constraint) {
                        return Error::Overlap;
                    }
                    if let Some((field, sentence)) = constraint_message(constraint) {
                        let msg = text(sentence);
                        // a clash with another record is a conflict, unless it is about a field the person chose
                        let about_a_choice = FIELD_UNIQUES.contains(&constraint);
                        return match code.as_str() {
                            "23505" | "23P01" if !about_a_choice => Error::Conflict(msg.into()),
                            _ if STATE_CONFLICTS.contains(&constraint) => {
                                Error::Conflict(msg.into())
                            }
                            _ => Error::validation(field, msg),
                        };
                    }
                }
                match code.as_str() {
                    "42501" => {
                        tracing::info!(error = %db, "permission denied by the database");
                        return Error::PermissionDenied(msg!(role_not_allowed));
                    }
                    "28P01" | "28000" => {
                        return Error::Unauthenticated(msg!(credentials_incorrect))
                    }
                    "40P01" | "40001" => {
                        tracing::info!(error = %db, "transactions collided");
                        return Error::Contended(msg!(schedule_contended));
                    }
                    "57P01" | "57P02" | "57P03" | "53300" => {
                        return Error::Unavailable(msg!(database_busy))
                    }
                    "02000" | "P0002" => return Error::NotFound(msg!(record_missing)),
                    _ => {}
                }
            }
            _ => {}
        }
        tracing::error!(error = %e, "unexpected database error");
        Error::Internal(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        tracing::error!(error = %e, "i/o error");
        Error::Internal(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        tracing::error!(error = %e, "migration failed");
        Error::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_constraint_sentence_is_in_the_catalog_under_its_name() {
        for (code, _) in crate::messages::CATALOG {
            if let Some((_, c)) = constraint_message(code) {
                assert!(crate::messages::template(c).is_some(), "{code}");
            }
        }
        for name in [
            "staff_username_key",
            "patients_merged_not_self",
            "doctor_appointment_types_one_default",
        ] {
            let (_, code) = constraint_message(name).expect(name);
            assert!(crate::messages::template(code).is_some(), "{name}");
            assert_eq!(Error::constraint(name).code(), Some(code));
        }
    }

    #[test]
    fn errors_carry_their_code_and_keep_their_english_sentence() {
        assert_eq!(
            Error::Overlap.to_string(),
            "That time was just taken — choose another slot."
        );
        assert_eq!(Error::Overlap.code(), Some("overlap_taken"));
        assert_eq!(
            Error::internal("boom").to_string(),
            "Something went wrong; try again. Details are in the log."
        );
        assert_eq!(Error::internal("boom").code(), Some("internal"));
        let e = Error::from(sqlx::Error::RowNotFound);
        assert_eq!(
            (e.to_string().as_str(), e.code()),
            ("That record no longer exists.", Some("record_gone"))
        );
        assert_eq!(Error::Conflict("Not catalogued.".into()).code(), None);
    }
}

//! The one error type of ClinicDesk's core: variants the UI branches on, each with a sentence a person can read.
//! Database errors are translated here (constraint names → field errors); their raw text only goes to the log.

use serde::Serialize;

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
    #[error("That time was just taken — choose another slot.")]
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
    #[error("Something went wrong; try again. Details are in the log.")]
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
            Some((_, msg)) if STATE_CONFLICTS.contains(&name) => Error::Conflict(msg.into()),
            Some((field, msg)) => Error::validation(field, msg),
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

/// Maps a constraint name to (field, sentence) for the constraints a person can violate by typing.
fn constraint_message(constraint: &str) -> Option<(&'static str, &'static str)> {
    Some(match constraint {
        "staff_username_key" => ("username", "That username is already taken."),
        "staff_username_check" => (
            "username",
            "Usernames are 3–32 characters: lowercase letters, digits, '_' or '.', starting with a letter.",
        ),
        "staff_full_name_check" => ("full_name", "Enter a name of 1–120 characters."),
        "staff_role_check" => ("role", "Choose admin, doctor or reception."),
        "staff_not_self" => ("username", "You cannot deactivate your own account."),
        "staff_last_admin" => ("username", "The clinic must keep at least one active administrator."),
        "departments_name_key" => ("name", "A department with that name already exists."),
        "departments_name_check" => ("name", "Enter a department name of 1–80 characters."),
        "departments_description_check" => ("description", "Keep the description under 1000 characters."),
        "settings_clinic_name_check" => ("clinic_name", "Enter a clinic name of 1–120 characters."),
        "settings_idle_lock_minutes_check" => ("idle_lock_minutes", "Idle lock must be between 1 and 240 minutes."),
        "appointments_status_transition" => ("status", "That status change is not allowed."),
        "appointments_doctor_active" => ("doctor_id", "This doctor is inactive and cannot be booked."),
        "appointments_patient_not_blacklisted" => ("patient_id", "This patient is blacklisted and cannot be booked."),
        "appointments_not_in_past" => ("starts_at", "Appointments cannot start in the past."),
        "appointments_cancel_reason" => ("reason", "Give a reason for cancelling."),
        "appointments_order" => ("ends_at", "An appointment must end after it starts."),
        "appointments_length" => ("ends_at", "An appointment cannot last more than a day."),
        "job_settings_no_show_grace_hours_check" => ("no_show_grace_hours", "The no-show grace period must be between 1 and 720 hours."),
        "job_settings_prune_sent_after_days_check" => ("prune_sent_after_days", "Keep sent messages between 1 and 3650 days."),
        "channel_settings_smtp_port_check" => ("smtp_port", "The port must be between 1 and 65535."),
        "doctor_availability_no_overlap" => ("sessions", "Two sessions on the same day overlap."),
        "doctor_availability_order" => ("sessions", "A session must end after it starts."),
        "doctor_availability_exceptions_times" => ("starts_at", "Give both times (end after start), or neither for the whole day."),
        "doctor_availability_exceptions_holiday" => ("kind", "Clinic holidays apply to everyone; leave belongs to one doctor."),
        "doctors_full_name_check" => ("full_name", "Enter a name of 1–120 characters."),
        "doctors_consultation_fee_cents_check" => ("consultation_fee_cents", "Enter a fee between 0 and 100,000."),
        "doctors_staff_id_key" => ("staff_username", "That staff account is already linked to another doctor."),
        "doctors_department_id_fkey" => ("department_id", "Choose an existing department."),
        "patients_full_name_check" => ("full_name", "Enter a name of 1–120 characters."),
        "patients_date_of_birth_check" => ("date_of_birth", "Check the date of birth."),
        "patients_blacklist_reason" => ("reason", "Give a reason for the blacklist."),
        "patients_consent_method" => ("consent_method", "Say how the patient told us: at the desk, by message or on paper."),
        "patients_consent_method_check" => ("consent_method", "Choose at the desk, by message or on paper."),
        "patients_opted_out_no_consent" => ("reminder_consent", "An opted-out patient gets no messages: clear the opt-out before recording consent."),
        "patients_merged_read_only" => ("", "This record was merged into another and cannot be changed: edit the surviving record."),
        "patients_merge_self" | "patients_merged_not_self" => ("survivor_id", "A record cannot be merged into itself: choose the other record."),
        "patients_merged_into_fkey" => ("survivor_id", "Choose an existing patient record to merge into."),
        "patients_merged_complete" => ("survivor_id", "A merged record names both its surviving record and when it was merged."),
        "patients_merge_tombstone" => ("survivor_id", "One of these records was already merged into another: open the surviving record and merge that."),
        "patients_merge_overlap" => ("survivor_id", "These records cannot be merged: both have an appointment at the same time. Cancel one of them first."),
        "reminder_rules_same_key" => ("kind", "That reminder rule exists already."),
        "reminder_rules_lead_minutes_check" => ("lead_minutes", "A reminder can come 1 minute to 14 days before the appointment."),
        "reminder_rules_shape" => ("kind", "A lead-time rule needs a lead time; an evening-before rule needs a time."),
        "settings_language_check" => ("language", "Choose English (en) or Spanish (es)."),
        "settings_date_format_check" => ("date_format", "Choose a date format from the list: dd/MM/yyyy, MM/dd/yyyy, yyyy-MM-dd or dd.MM.yyyy."),
        "settings_clock_check" => ("clock", "Choose a 24-hour or 12-hour clock."),
        "settings_first_day_check" => ("first_day", "The week starts on Sunday, Monday or Saturday."),
        "patients_preferred_language_check" => ("preferred_language", "Messages can be sent in English (en) or Spanish (es) only."),
        "settings_sms_quiet_hours" => ("quiet_end", "Give both quiet-hour times (different ones), or neither."),
        "waitlist_entries_patient_id_fkey" => ("patient_id", "That patient does not exist."),
        "waitlist_entries_doctor_id_fkey" => ("doctor_id", "That doctor does not exist."),
        "waitlist_entries_department_id_fkey" => ("department_id", "That department does not exist."),
        "waitlist_entries_target" => ("doctor_id", "Choose a doctor or a department (one of them)."),
        "waitlist_entries_window" => ("window_to", "The window must end on or after its first day."),
        "waitlist_entries_window_length" => ("window_to", "A waitlist window can reach at most a year ahead."),
        "waitlist_entries_times" => ("time_to", "Give both preferred times (end after start), or neither."),
        "waitlist_entries_note_check" => ("note", "The note must be at most 200 characters."),
        "waitlist_entries_final" => ("id", "This waitlist entry is already closed."),
        "appointments_patient_merged" => ("patient_id", "This record was merged into another: book the surviving record."),
        "appointments_check_in_day" => ("status", "A patient checks in only on the day of the appointment."),
        "appointments_no_show_early" => ("status", "An appointment becomes a no-show only once it has started."),
        "appointments_call_next_nobody" => ("doctor_id", "Nobody has arrived for this doctor yet: there is no one to call."),
        "appointments_called_after_arrival" => ("status", "A patient is called in only after arriving."),
        "settings_wait_alert_minutes_check" => ("wait_alert_minutes", "The waiting alert must be between 1 and 240 minutes."),
        "free_slots_days" => ("days", "Ask for 1 to 31 days of slots."),
        "appointments_type_offered" => ("type_id", "This doctor does not offer that appointment type. Choose one of theirs."),
        "appointments_type_length" => ("type_id", "A new appointment lasts as long as its type."),
        "appointments_type_id_fkey" => ("type_id", "That appointment type does not exist."),
        "appointments_reason_check" => ("reason", "Keep the visit reason to 200 characters."),
        "appointment_types_name_key" => ("name", "An appointment type with that name already exists."),
        "appointment_types_name_check" => ("name", "Enter a name of 1–60 characters."),
        "appointment_types_minutes_check" => ("minutes", "A visit lasts 5 to 240 minutes, in steps of 5."),
        "appointment_types_buffer_minutes_check" => ("buffer_minutes", "A buffer after the visit is 0 to 60 minutes, in steps of 5."),
        "appointment_types_colour_check" => ("colour", "Choose a colour like #2563eb."),
        "doctor_appointment_types_one_default" => ("offers", "A doctor has at most one default type."),
        _ => return None,
    })
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => {
                return Error::NotFound("That record no longer exists.".into())
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => {
                tracing::warn!(error = %e, "database unavailable");
                return Error::Unavailable(
                    "The database cannot be reached right now: nothing was changed. ClinicDesk is reconnecting; try again in a moment.".into(),
                );
            }
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.to_string()).unwrap_or_default();
                if let Some(constraint) = db.constraint() {
                    if OVERLAPS.contains(&constraint) {
                        return Error::Overlap;
                    }
                    if let Some((field, msg)) = constraint_message(constraint) {
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
                        return Error::PermissionDenied("Your role does not allow that.".into());
                    }
                    "28P01" | "28000" => {
                        return Error::Unauthenticated("Username or password is incorrect.".into())
                    }
                    "40P01" | "40001" => {
                        tracing::info!(error = %db, "transactions collided");
                        return Error::Contended("Another desk was changing the same schedule at that moment. Try again.".into());
                    }
                    "57P01" | "57P02" | "57P03" | "53300" => {
                        return Error::Unavailable(
                            "The database is restarting or busy. Try again in a moment.".into(),
                        )
                    }
                    "02000" | "P0002" => {
                        return Error::NotFound("That record does not exist.".into())
                    }
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

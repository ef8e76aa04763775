//! The catalog of user-facing sentences: each has a `code` (snake_case; a constraint's sentence is coded by the
//! constraint name) and an English template with `{param}` placeholders. The UI translates by code
//! (`ui/src/i18n/locales/<lang>/errors.json`, the English file generated from this table by `make bindings`).

use std::collections::BTreeMap;

/// `(code, English template)`: the one table every coded sentence comes from.
pub const CATALOG: &[(&str, &str)] = &[
    ("record_gone", "That record no longer exists."),
    ("database_unreachable", "The database cannot be reached right now: nothing was changed. ClinicDesk is reconnecting; try again in a moment."),
    ("role_not_allowed", "Your role does not allow that."),
    ("credentials_incorrect", "Username or password is incorrect."),
    ("schedule_contended", "Another desk was changing the same schedule at that moment. Try again."),
    ("database_busy", "The database is restarting or busy. Try again in a moment."),
    ("record_missing", "That record does not exist."),
    ("overlap_taken", "That time was just taken — choose another slot."),
    ("internal", "Something went wrong; try again. Details are in the log."),
    ("text_required", "{label} is required."),
    ("text_too_long", "{label} must be at most {max} characters."),
    ("text_control_characters", "{label} cannot contain control characters."),
    ("appointment_doctor_busy", "{doctor} already has an appointment {when} — choose another slot."),
    ("appointment_patient_busy", "{patient} already has an appointment {when} with {doctor} — choose another time."),
    ("visit_record_exists", "This visit already has its record. Amend it instead."),
    ("database_needs_upgrade", "The database needs an upgrade — ask an administrator to sign in."),
    ("appointment_missing", "That appointment does not exist."),
    ("appointment_gone", "That appointment no longer exists."),
    ("department_gone", "That department no longer exists."),
    ("exception_gone", "That exception no longer exists."),
    ("message_missing", "That message does not exist."),
    ("report_missing", "That report does not exist, or it is not yours to read."),
    ("treatment_record_missing", "That treatment record does not exist."),
    ("waitlist_entry_missing", "That waitlist entry does not exist."),
    ("setup_by_owner", "A clinic server is set up by its owner: `clinicctl --database-url <owner URL> setup …` (see docs/clinicctl.md)."),
    ("backups_on_server", "Backups run on the computer that holds the database (or `clinicctl agent` on the server)."),
    ("account_not_doctor", "Your account is not linked to a doctor."),
    ("admin_sign_in_first", "Sign in as an administrator first."),
    ("session_ended", "Your session has ended. Sign in again."),
    ("postgres_account_needed", "Running as root needs the 'postgres' system account (install the postgresql package)."),
    ("database_missing_on_server", "The ClinicDesk database does not exist on that server."),
    ("clinic_not_set_up", "The clinic has not been set up yet."),
    ("backup_disk_full", "The disk is full: the backup was not saved."),
    ("export_disk_full", "The disk is full: the export was not saved."),
    ("database_url_invalid", "That is not a valid postgres:// URL."),
    ("board_days_range", "Ask for 1 to 62 days."),
    ("demo_days_range", "Choose between 0 and 3650 days."),
    ("backups_keep_range", "Keep between 1 and 365 backups."),
    ("reminder_lead_required", "Enter how long before the appointment."),
    ("reminder_time_required", "Enter the time on the day before."),
    ("date_passed", "That date has passed."),
    ("export_path_required", "Choose where to save the file."),
    ("smtp_from_invalid", "Enter the sender as an address (desk@clinic.example) or a name and address (Clinic <desk@clinic.example>)."),
    ("export_dates_reversed", "The end date is before the start date."),
    ("slot_length_range", "Slot length must be between 5 and 240 minutes."),
    ("appointment_type_retired", "That appointment type is no longer in use. Choose another."),
    ("demo_doctors_range", "Choose between 1 and 5000 doctors."),
    ("demo_patients_max", "Choose at most 20,000,000 patients."),
    ("backup_file_name_required", "Choose a file name for the backup."),
    ("backup_failed", "The backup failed (pg_dump reported an error; the details are in the log)."),
    ("restore_confirm_replace", "The target database already holds data. Restoring replaces all of it: confirm to go on."),
    ("restore_disk_full", "The disk is full: nothing was restored or changed."),
    ("embedded_start_failed", "The built-in database did not start; the details are in the server log."),
    ("embedded_stop_unclean", "The built-in database did not stop cleanly."),
    ("postgres_not_installed", "The PostgreSQL server is not installed. Install it with: sudo apt install postgresql"),
    ("backup_admin_only", "Only an administrator can start a backup."),
    ("export_history_clinical_only", "Exports of a patient's history are made by doctors and administrators, who can read it."),
    ("export_visits_admin_only", "Only an administrator can export all visits."),
    ("db_host_required", "Enter the server's host name or IP address."),
    ("db_port_range", "Enter a port between 1 and 65535 (PostgreSQL uses 5432)."),
    ("db_name_length", "Enter the database name (1–63 characters)."),
    ("already_open", "ClinicDesk is already open on this computer with the same data. Use that window."),
    ("report_recipients_length", "Report recipients must be at most 1000 characters."),
    ("smtp_host_required", "Enter the SMTP server's host name, e.g. smtp.example.com."),
    ("sms_account_sid_required", "Enter the account SID."),
    ("sms_from_required", "Enter the number messages are sent from."),
    ("smtp_server_first", "Enter the SMTP server first."),
    ("test_phone_required", "Enter a phone number to send the test to."),
    ("webhook_url_first", "Enter the webhook URL first."),
    ("database_change_admin_only", "Only an administrator can change the database."),
    ("database_newer", "This database was upgraded by a newer ClinicDesk. Install the newer version on this computer."),
    ("account_not_staff", "This database account is not an active ClinicDesk staff account."),
    ("server_needs_migrate", "The clinic server's database needs an upgrade: run `clinicctl --database-url <owner URL> db migrate` on it."),
    ("doctor_experience_range", "Years of experience must be between 0 and 80."),
    ("doctor_staff_role", "Link a staff account whose role is doctor."),
    ("birth_date_future", "The date of birth cannot be in the future."),
    ("birth_year_check", "Check the year of birth."),
    ("sms_needs_phone", "Reminders by SMS need a phone number."),
    ("email_needs_address", "Reminders by email need an email address."),
    ("search_too_long", "Search for at most 120 characters."),
    ("merge_admin_only", "Only an administrator can merge patient records."),
    ("audit_admin_only", "Only an administrator can read the audit log."),
    ("dashboard_admin_only", "The clinic dashboard is for administrators."),
    ("backup_folder_length", "Enter a folder path of at most 1024 characters."),
    ("backup_folder_absolute", "Enter a full folder path (starting with /)."),
    ("waitlist_window_past", "The window cannot start in the past: choose today or later."),
    ("waitlist_times_order", "The preferred times must end after they start."),
    ("waitlist_times_both", "Give both preferred times, or neither for any time of day."),

    ("staff_username_key", "That username is already taken."),
    ("staff_username_check", "Usernames are 3–32 characters: lowercase letters, digits, '_' or '.', starting with a letter."),
    ("staff_full_name_check", "Enter a name of 1–120 characters."),
    ("staff_role_check", "Choose admin, doctor or reception."),
    ("staff_not_self", "You cannot deactivate your own account."),
    ("staff_last_admin", "The clinic must keep at least one active administrator."),
    ("departments_name_key", "A department with that name already exists."),
    ("departments_name_check", "Enter a department name of 1–80 characters."),
    ("departments_description_check", "Keep the description under 1000 characters."),
    ("settings_clinic_name_check", "Enter a clinic name of 1–120 characters."),
    ("settings_idle_lock_minutes_check", "Idle lock must be between 1 and 240 minutes."),
    ("appointments_status_transition", "That status change is not allowed."),
    ("appointments_doctor_active", "This doctor is inactive and cannot be booked."),
    ("appointments_patient_not_blacklisted", "This patient is blacklisted and cannot be booked."),
    ("appointments_not_in_past", "Appointments cannot start in the past."),
    ("appointments_cancel_reason", "Give a reason for cancelling."),
    ("appointments_order", "An appointment must end after it starts."),
    ("appointments_length", "An appointment cannot last more than a day."),
    ("job_settings_no_show_grace_hours_check", "The no-show grace period must be between 1 and 720 hours."),
    ("job_settings_prune_sent_after_days_check", "Keep sent messages between 1 and 3650 days."),
    ("channel_settings_smtp_port_check", "The port must be between 1 and 65535."),
    ("doctor_availability_no_overlap", "Two sessions on the same day overlap."),
    ("doctor_availability_order", "A session must end after it starts."),
    ("doctor_availability_exceptions_times", "Give both times (end after start), or neither for the whole day."),
    ("doctor_availability_exceptions_holiday", "Clinic holidays apply to everyone; leave belongs to one doctor."),
    ("doctors_full_name_check", "Enter a name of 1–120 characters."),
    ("doctors_consultation_fee_cents_check", "Enter a fee between 0 and 100,000."),
    ("doctors_staff_id_key", "That staff account is already linked to another doctor."),
    ("doctors_department_id_fkey", "Choose an existing department."),
    ("patients_full_name_check", "Enter a name of 1–120 characters."),
    ("patients_date_of_birth_check", "Check the date of birth."),
    ("patients_blacklist_reason", "Give a reason for the blacklist."),
    ("patients_consent_method", "Say how the patient told us: at the desk, by message or on paper."),
    ("patients_consent_method_check", "Choose at the desk, by message or on paper."),
    ("patients_opted_out_no_consent", "An opted-out patient gets no messages: clear the opt-out before recording consent."),
    ("patients_merged_read_only", "This record was merged into another and cannot be changed: edit the surviving record."),
    ("patients_merge_self", "A record cannot be merged into itself: choose the other record."),
    ("patients_merged_not_self", "A record cannot be merged into itself: choose the other record."),
    ("patients_merged_into_fkey", "Choose an existing patient record to merge into."),
    ("patients_merged_complete", "A merged record names both its surviving record and when it was merged."),
    ("patients_merge_tombstone", "One of these records was already merged into another: open the surviving record and merge that."),
    ("patients_merge_overlap", "These records cannot be merged: both have an appointment at the same time. Cancel one of them first."),
    ("reminder_rules_same_key", "That reminder rule exists already."),
    ("reminder_rules_lead_minutes_check", "A reminder can come 1 minute to 14 days before the appointment."),
    ("reminder_rules_shape", "A lead-time rule needs a lead time; an evening-before rule needs a time."),
    ("settings_sms_quiet_hours", "Give both quiet-hour times (different ones), or neither."),
    ("waitlist_entries_patient_id_fkey", "That patient does not exist."),
    ("waitlist_entries_doctor_id_fkey", "That doctor does not exist."),
    ("waitlist_entries_department_id_fkey", "That department does not exist."),
    ("waitlist_entries_target", "Choose a doctor or a department (one of them)."),
    ("waitlist_entries_window", "The window must end on or after its first day."),
    ("waitlist_entries_window_length", "A waitlist window can reach at most a year ahead."),
    ("waitlist_entries_times", "Give both preferred times (end after start), or neither."),
    ("waitlist_entries_note_check", "The note must be at most 200 characters."),
    ("waitlist_entries_final", "This waitlist entry is already closed."),
    ("appointments_patient_merged", "This record was merged into another: book the surviving record."),
    ("appointments_check_in_day", "A patient checks in only on the day of the appointment."),
    ("appointments_no_show_early", "An appointment becomes a no-show only once it has started."),
    ("appointments_call_next_nobody", "Nobody has arrived for this doctor yet: there is no one to call."),
    ("appointments_called_after_arrival", "A patient is called in only after arriving."),
    ("settings_wait_alert_minutes_check", "The waiting alert must be between 1 and 240 minutes."),
    ("free_slots_days", "Ask for 1 to 31 days of slots."),
    ("appointments_type_offered", "This doctor does not offer that appointment type. Choose one of theirs."),
    ("appointments_type_length", "A new appointment lasts as long as its type."),
    ("appointments_type_id_fkey", "That appointment type does not exist."),
    ("appointments_reason_check", "Keep the visit reason to 200 characters."),
    ("appointment_types_name_key", "An appointment type with that name already exists."),
    ("appointment_types_name_check", "Enter a name of 1–60 characters."),
    ("appointment_types_minutes_check", "A visit lasts 5 to 240 minutes, in steps of 5."),
    ("appointment_types_colour_check", "Choose a colour like #2563eb."),
    ("doctor_appointment_types_one_default", "A doctor has at most one default type."),
    ("appointment_types_buffer_minutes_check", "A buffer after the visit is 0 to 60 minutes, in steps of 5."),
    ("appointment_type_longer_than_sessions", "{name} takes {minutes} minutes, longer than any of {doctor}'s weekly sessions ({longest} minutes at most)."),
    ("settings_language_check", "Choose English (en) or Spanish (es)."),
    ("settings_date_format_check", "Choose a date format from the list: dd/MM/yyyy, MM/dd/yyyy, yyyy-MM-dd or dd.MM.yyyy."),
    ("settings_clock_check", "Choose a 24-hour or 12-hour clock."),
    ("settings_first_day_check", "The week starts on Sunday, Monday or Saturday."),
    ("patients_preferred_language_check", "Messages can be sent in English (en) or Spanish (es) only."),
];

/// The English template of `code`, if the catalog has it.
pub fn template(code: &str) -> Option<&'static str> {
    CATALOG.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
}

/// The English template of `code`; panics on an unknown code (the catalog test keeps `msg!` codes known).
pub fn text(code: &str) -> &'static str {
    template(code).unwrap_or_else(|| panic!("no sentence for the code {code}"))
}

/// The placeholder names of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push(&rest[i + 1..i + j]);
        rest = &rest[i + j + 1..];
    }
    out
}

/// Renders `code`'s English sentence with `params`. Debug builds assert the params match the placeholders.
pub fn render(code: &str, params: &[(&str, String)]) -> String {
    let template = text(code);
    debug_assert_eq!(
        {
            let mut p = placeholders(template);
            p.sort_unstable();
            p.dedup();
            p
        },
        {
            let mut p: Vec<&str> = params.iter().map(|(k, _)| *k).collect();
            p.sort_unstable();
            p
        },
        "the params of {code} differ from its template's placeholders"
    );
    let mut out = template.to_string();
    for (k, v) in params {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// Finds the catalog entry a rendered English sentence came from, with the parameter values read back out of it.
/// This is how an `Error` built from a plain sentence still carries a code; sentences not in the catalog have none.
pub fn identify(sentence: &str) -> Option<(&'static str, BTreeMap<String, String>)> {
    // the most specific template wins: an exact sentence before one with placeholders that also matches it
    CATALOG
        .iter()
        .filter_map(|(code, template)| {
            match_template(template, sentence).map(|params| (*code, params))
        })
        .min_by_key(|(_, params)| params.len())
}

fn match_template(template: &str, sentence: &str) -> Option<BTreeMap<String, String>> {
    // split the template into literal pieces and the placeholder after each
    let mut pieces: Vec<(&str, Option<&str>)> = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let j = rest[i..].find('}')? + i;
        pieces.push((&rest[..i], Some(&rest[i + 1..j])));
        rest = &rest[j + 1..];
    }
    pieces.push((rest, None));
    let mut params = BTreeMap::new();
    let mut s = sentence;
    let mut pending: Option<&str> = None;
    for (lit, name) in pieces {
        match pending.take() {
            None => s = s.strip_prefix(lit)?,
            Some(p) => {
                // the parameter runs to the next literal (to the end when the literal is the last, empty one)
                let at = if lit.is_empty() {
                    if name.is_some() {
                        return None; // two adjacent placeholders are ambiguous
                    }
                    s.len()
                } else if name.is_none() {
                    s.strip_suffix(lit).map(str::len)?
                } else {
                    s.find(lit)?
                };
                params.insert(p.to_string(), s[..at].to_string());
                s = &s[at + lit.len()..];
            }
        }
        pending = name;
    }
    s.is_empty().then_some(params)
}

/// A template in vue-i18n message syntax: `{param}` stays, literal special characters are escaped.
pub fn vue_i18n_template(template: &str) -> String {
    let names = placeholders(template);
    let mut out = String::new();
    let mut rest = template;
    loop {
        let next = rest.find('{').filter(|&i| {
            rest[i..]
                .find('}')
                .is_some_and(|j| names.contains(&&rest[i + 1..i + j]))
        });
        let (lit, tail) = match next {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        for ch in lit.chars() {
            match ch {
                '@' | '|' | '$' | '{' | '}' => out.push_str(&format!("{{'{ch}'}}")),
                _ => out.push(ch),
            }
        }
        if tail.is_empty() {
            break;
        }
        let j = tail.find('}').unwrap();
        out.push_str(&tail[..=j]);
        rest = &tail[j + 1..];
    }
    out
}

/// The English UI catalog (`ui/src/i18n/locales/en/errors.json`): `{ "<code>": "<vue-i18n template>" }`.
pub fn english_json() -> String {
    let map: BTreeMap<&str, String> = CATALOG
        .iter()
        .map(|(c, t)| (*c, vue_i18n_template(t)))
        .collect();
    serde_json::to_string_pretty(&map).expect("catalog to json") + "\n"
}

/// A coded English sentence from the catalog: `msg!(record_gone)`, `msg!(doctor_on_leave, name = doctor.name)`.
#[macro_export]
macro_rules! msg {
    ($code:ident $(, $k:ident = $v:expr)* $(,)?) => {
        $crate::messages::render(stringify!($code), &[$((stringify!($k), ($v).to_string())),*])
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_templates_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for (code, template) in CATALOG {
            assert!(seen.insert(code), "{code} twice in the catalog");
            assert!(
                !code.is_empty()
                    && code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{code} is not snake_case"
            );
            for p in placeholders(template) {
                assert!(
                    !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{code}: bad placeholder {p}"
                );
            }
        }
    }

    #[test]
    fn every_sentence_reads_back_to_its_code_and_params() {
        for (code, template) in CATALOG {
            let params: Vec<(&str, String)> = placeholders(template)
                .into_iter()
                .map(|p| (p, format!("<{p} value>")))
                .collect();
            let sentence = render(code, &params);
            let (found, back) = identify(&sentence).expect("identified");
            // identical sentences share one translation; the first code is the one reported
            assert_eq!(text(found), *template, "{code}");
            let expected: BTreeMap<String, String> = params
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            assert_eq!(back, expected, "{code}");
        }
    }

    #[test]
    fn a_parameterised_sentence_gives_its_values_back() {
        let t = "Dr. {name} is away on {date}.";
        assert_eq!(
            match_template(t, "Dr. Ana Ruiz is away on 2026-12-01."),
            Some(BTreeMap::from([
                ("date".into(), "2026-12-01".into()),
                ("name".into(), "Ana Ruiz".into())
            ]))
        );
        assert_eq!(match_template(t, "Dr. Ana is home."), None);
        assert!(identify("A sentence nobody catalogued.").is_none());
    }

    #[test]
    #[should_panic(expected = "no sentence for the code")]
    fn an_unknown_code_is_refused() {
        render("no_such_code", &[]);
    }

    #[test]
    fn msg_renders_from_the_catalog() {
        assert_eq!(crate::msg!(record_gone), "That record no longer exists.");
    }

    #[test]
    fn vue_i18n_special_characters_are_escaped() {
        assert_eq!(
            vue_i18n_template("Mail a@b | {name} costs $5 {x"),
            "Mail a{'@'}b {'|'} {name} costs {'$'}5 {'{'}x"
        );
    }

    #[test]
    fn the_ui_catalogs_are_current_and_complete() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/i18n/locales");
        let en = std::fs::read_to_string(root.join("en/errors.json")).unwrap_or_default();
        assert!(
            en == english_json(),
            "ui/src/i18n/locales/en/errors.json is stale: run `make bindings`"
        );
        let en: BTreeMap<String, String> = serde_json::from_str(&en).unwrap();
        let es: BTreeMap<String, String> =
            serde_json::from_str(&std::fs::read_to_string(root.join("es/errors.json")).unwrap())
                .unwrap();
        assert_eq!(
            en.keys().collect::<Vec<_>>(),
            es.keys().collect::<Vec<_>>(),
            "es/errors.json keys differ from en"
        );
        for (code, t) in &en {
            let mut a = placeholders(t);
            let mut b = placeholders(&es[code]);
            a.retain(|p| !p.starts_with('\''));
            b.retain(|p| !p.starts_with('\''));
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "{code}: Spanish placeholders differ");
            let mut literal = es[code].clone();
            for ch in ['@', '|', '$', '{', '}'] {
                literal = literal.replace(&format!("{{'{ch}'}}"), "");
            }
            for p in &b {
                literal = literal.replace(&format!("{{{p}}}"), "");
            }
            assert!(
                !literal.contains(['@', '|', '$', '{', '}']),
                "{code}: unescaped vue-i18n character in Spanish"
            );
        }
    }
}

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
    ("folder_not_opened", "The folder could not be opened."),
    ("email_recipient_invalid", "“{recipient}” is not a valid email address."),
    ("email_not_built", "The email could not be built from this sender and subject; the details are in the log."),
    ("time_zone_unknown", "Choose a time zone from the list (e.g. Europe/London)."),
    ("sign_in_fields_required", "Enter your username and password."),
    ("department_has_doctor", "{name} still has 1 doctor. Move them to another department first."),
    ("department_has_doctors", "{name} still has {count} doctors. Move them to another department first."),
    ("diagnostics_admin_only", "Diagnostics are for administrators."),
    ("staff_account_unknown", "There is no staff account '{username}'."),
    ("email_address_invalid", "“{value}” is not an email address like name@example.com."),
    ("gateway_url_invalid", "The gateway URL must be an http:// or https:// address."),
    ("webhook_url_invalid", "The webhook URL must be an http:// or https:// address."),
    ("at_most_characters", "At most {max} characters."),
    ("month_required", "Choose a month."),
    ("weekday_range", "Weekdays go from 1 (Monday) to 7 (Sunday)."),
    ("session_ends_before_start", "The session starting {start} must end after it starts."),
    ("sessions_overlap_on", "Two sessions overlap on {weekday}: {first} and {second}."),
    ("hours_strand_one", "1 booked appointment falls outside the new hours — rebook or cancel first: {list}."),
    ("hours_strand_many", "{count} booked appointments fall outside the new hours — rebook or cancel first: {list}."),
    ("hours_strand_more", "{count} booked appointments fall outside the new hours — rebook or cancel first: {list}; and {more} more."),
    ("holiday_for_everyone", "A clinic holiday applies to everyone; leave and extra sessions belong to one doctor."),
    ("extra_session_times", "An extra session needs a start and an end time."),
    ("end_after_start", "The end time must be after the start time."),
    ("both_times_or_neither", "Give both times, or neither for the whole day."),
    ("icd10_shape", "An ICD-10 code looks like I10, E11.9 or S93.401."),
    ("prescription_max_lines", "A prescription has at most 30 lines."),
    ("prescription_line_medicine", "Prescription line {line} needs a medicine."),
    ("next_visit_date_or_days", "Give a date or a number of days, not both."),
    ("next_visit_after", "The next visit must be after this one."),
    ("next_visit_days_range", "Suggest the next visit in 1 to 3650 days."),
    ("visit_record_empty", "Record at least a diagnosis, the treatment given or a note."),
    ("visit_record_own_doctor", "Only {doctor} can record this visit."),
    ("visit_no_record_status", "This appointment is {status}; there is no visit to record."),
    ("visit_amend_author_only", "Only the doctor who recorded this visit or an administrator can amend it."),
    ("history_search_too_long", "Search for at most 200 characters."),
    ("phone_characters", "A phone number may contain digits, spaces, '+', '-', '(' and ')'."),
    ("phone_digits", "A phone number has 7 to 15 digits."),
    ("email_invalid", "Enter an email address like name@example.com."),
    ("merge_overlap_at", "These records cannot be merged: both have an appointment at the same time ({appointments}). Cancel one of them first."),
    ("clinic_already_set_up", "This clinic is already set up. Sign in instead."),
    ("staff_member_unknown", "There is no staff member '{username}'."),
    ("waitlist_window_until", "A waitlist window can reach at most a year ahead (until {until})."),
    ("waitlist_taken_elsewhere", "This patient was already booked or taken off the waitlist from another desk."),
    ("reminder_lead_min", "A reminder must come at least 1 minute before the appointment."),
    ("reminder_lead_max", "A reminder can come at most 14 days before the appointment."),
    ("reminder_rule_gone", "That reminder rule no longer exists."),
    ("quiet_end_required", "Give the time quiet hours end, or clear both times."),
    ("quiet_start_required", "Give the time quiet hours start, or clear both times."),
    ("quiet_whole_day", "Quiet hours cannot cover the whole day: no SMS could ever be sent. Choose an end time different from the start."),
    ("password_too_short", "This password is too easy to guess. Use at least {min} characters."),
    ("password_too_long", "This password is too easy to guess. Use at most {max} characters."),
    ("password_weak_more", "This password is too easy to guess. Add more words or characters."),
    ("password_weak_hint", "This password is too easy to guess. {hint}"),
    ("password_weak", "This password is too easy to guess."),
    ("slot_passed", "That time has already passed. Choose a later slot."),
    ("doctor_not_seeing_at", "{doctor} does not see patients at {time} on {date}. Choose a slot from the grid."),
    ("visit_reason_one_line", "Keep the visit reason on one line."),
    ("request_key_shape", "The request key must be 8–64 letters, digits or '-'."),
    ("doctor_inactive_named", "{doctor} is inactive and cannot be booked."),
    ("patient_blacklisted_named", "{patient} is blacklisted ({reason}). Lift the blacklist before booking."),
    ("reschedule_only_booked", "This appointment is {status}; only booked appointments can be rescheduled."),
    ("walk_in_no_free_slot", "{doctor} has no free slot left today. An administrator can overbook."),
    ("cancel_not_allowed", "This appointment is already {status}; it cannot be cancelled."),
    ("use_cancel", "Use cancel to cancel an appointment."),
    ("status_move_refused", "This appointment is {status}; it cannot be marked {to}."),
    ("period_max_year", "Choose a period of at most one year."),
    ("no_shows_own_only", "A doctor sees only their own no-shows."),
    ("series_every_range", "Repeat every 1 to 52 days or weeks."),
    ("series_count_or_until", "Say how many visits, or until which date."),
    ("series_count_range", "A series has 1 to {max} visits."),
    ("series_until_before_first", "The end date is before the first visit."),
    ("series_weekdays_range", "Choose weekdays from Monday to Sunday."),
    ("series_weekdays_weekly", "Weekdays go with a weekly series."),
    ("series_too_many", "That makes more than {max} visits: choose an earlier end date."),
    ("series_no_visit", "These settings give no visit: check the weekdays and the end date."),
    ("series_time_passed", "That time has already passed."),
    ("series_patient_busy", "The patient has another appointment then."),
    ("series_doctor_busy", "{doctor} already has an appointment then."),
    ("series_time_skipped", "That time does not exist on this day (the clocks change)."),
    ("series_clinic_closed", "The clinic is closed that day."),
    ("series_doctor_on_leave", "The doctor is on leave then."),
    ("series_doctor_not_working", "The doctor does not see patients then."),
    ("series_book_count", "Choose 1 to {max} visits to book."),
    ("series_visit_refused", "The visit on {date} at {time}: {reason} Nothing was booked."),
    ("not_in_series", "This visit is not part of a series: cancel it on its own."),
    ("export_path_is_folder", "{path} is a folder. Choose a file name inside it."),
    ("folder_missing", "The folder {folder} does not exist."),
    ("export_folder_not_writable", "ClinicDesk may not write to {folder}. Choose another folder."),
    ("export_write_failed", "The file could not be written ({detail})."),
    ("export_saved_visits", "Saved {rows} visits to {path}."),
    ("export_saved_no_shows", "Saved {rows} patients with no-shows to {path}."),
    ("export_cancelled", "The export was cancelled; no file was saved."),
    ("export_failed_because", "The export failed: {reason} No file was saved."),
    ("export_failed", "The export failed; no file was saved."),
    ("ca_file_full_path", "Choose the CA certificate file with its full path (for example /etc/clinicdesk/clinic-ca.crt)."),
    ("ca_file_missing", "There is no file at {path}. Choose the clinic's CA certificate (clinic-ca.crt)."),
    ("ca_file_unreadable", "The CA certificate file {path} cannot be read by this computer's account."),
    ("ca_file_not_file", "{path} is not a file. Choose the clinic's CA certificate (clinic-ca.crt)."),
    ("ca_file_too_large", "{path} is too large to be a CA certificate."),
    ("ca_file_not_pem", "{path} is not a PEM certificate (a text file starting with -----BEGIN CERTIFICATE-----). Choose the clinic's CA certificate, not its key."),
    ("ca_file_damaged", "{path} holds a damaged certificate (not valid X.509). Copy the CA file again."),
    ("ca_file_required", "Choose the clinic's CA certificate file (clinic-ca.crt; see the README, \"Clinic server\")."),
    ("settings_file_damaged", "The settings file {path} is damaged; fix or delete it."),
    ("ca_file_gone", "The clinic's CA certificate file (Settings → Database) is missing or damaged on this computer, so ClinicDesk cannot check the database server. Copy the clinic's CA file back to where it was (see the README, \"Clinic server\")."),
    ("server_no_tls", "The database server does not offer TLS, so ClinicDesk did not connect. Turn on ssl in the server's postgresql.conf (see the README)."),
    ("server_unreachable", "The database server cannot be reached. Check the address and the network."),
    ("tls_unknown_issuer", "The database server's certificate is not signed by the clinic's CA (the CA file in Settings), so ClinicDesk did not connect and sent no password. Check the CA file; if it is right, this may not be the clinic's server."),
    ("tls_wrong_name", "The database server's certificate is not made out to the server name in Settings, so ClinicDesk did not connect and sent no password. Use the name written in the certificate, or remake the certificate with this name (see the README)."),
    ("tls_expired", "The database server's certificate has expired (or this computer's clock is wrong), so ClinicDesk did not connect."),
    ("tls_refused", "The database server's certificate was refused, so ClinicDesk did not connect and sent no password."),
    ("tls_failed", "A secure (TLS) connection to the database server could not be made."),
    ("embedded_initdb_failed", "Could not create the built-in database in {folder} (initdb failed; see the log)."),
    ("program_not_run", "Could not run {program}: {detail}"),
    ("program_timed_out", "{program} did not finish in time"),
    ("pg_bindir_invalid", "CLINICDESK_PG_BINDIR={folder} does not contain the PostgreSQL server (postgres, initdb, pg_ctl)."),
    ("demo_already_loaded", "This database already has the demo account '{username}': demo data is loaded once per database."),
    ("backup_on_server_cli", "This computer uses the clinic server: back it up on the server with `clinicctl --database-url <owner URL> backup create` (see docs/operations.md)."),
    ("backup_file_missing", "{file} does not exist."),
    ("backup_checksum_mismatch", "{file} is damaged: its contents differ from when it was made (checksum mismatch)."),
    ("backup_not_ours", "{file} is not a ClinicDesk backup, or it is damaged."),
    ("backup_manifest_not_ours", "{file} is not a ClinicDesk backup manifest."),
    ("restore_owner_rights", "The database owner may not create and rename databases on this server, so the backup cannot be restored beside the live database and swapped in: nothing was changed (see docs/operations.md, \"Restore on a clinic server\")."),
    ("restore_groups_missing", "The ClinicDesk staff groups do not exist on this server and the database owner may not create them: nothing was changed."),
    ("restore_accounts_missing", "The backup's {count} staff account(s) do not exist on this server and the database owner may not create them: nothing was changed."),
    ("restore_no_maintenance_db", "The database owner may not connect to the server's maintenance database (postgres), which a restore needs: nothing was changed."),
    ("restore_role_refused", "The server did not let the temporary restore role sign in (check its pg_hba.conf, see docs/operations.md): nothing was changed."),
    ("restore_failed_file", "{file} could not be restored (it is damaged or not a ClinicDesk backup): nothing was changed."),
    ("restore_not_ours", "{file} is not a ClinicDesk backup, or it is damaged: nothing was changed."),
    ("restore_role_clash", "The backup lists a staff account named {account}, but this server already has a role of that name that is not a ClinicDesk staff account: nothing was changed."),
    ("restore_foreign_schema", "The backup's database schema is not one this version of ClinicDesk made (a newer version's backup, or another application's): nothing was changed."),
    ("restore_not_staff_name", "The backup lists {account} as a staff account, which is not a staff username (it may name the owner, a superuser or a system role): nothing was changed."),
    ("restore_foreign_group", "The backup puts staff account {account} in {group}, which is not a ClinicDesk staff group: nothing was changed."),
    ("restore_verifier_damaged", "The backup's password data for staff account {account} is damaged: nothing was changed."),
    ("restore_sessions_connected", "Other sessions are still connected to the database, so the restored copy could not take its place: nothing was changed; close ClinicDesk on every computer and try again."),
    ("restore_counts_differ", "The restored row counts differ from the backup's manifest ({differences}): nothing was changed."),
    ("backup_path_is_folder", "{path} is a folder: give a file name."),
    ("backup_folder_not_writable", "ClinicDesk may not write to {folder}."),
    ("client_tool_not_run", "Could not run {program} ({detail}). Install the PostgreSQL client tools."),
    ("sms_gateway_timeout", "The SMS gateway did not answer in time."),
    ("sms_gateway_unreachable", "The SMS gateway is unreachable (could not resolve or connect)."),
    ("sms_gateway_bad_url", "The SMS gateway address is not a valid URL."),
    ("sms_gateway_connection_failed", "The connection to the SMS gateway failed."),
    ("sms_gateway_auth_failed", "The SMS gateway refused the credentials (authentication failed, HTTP {status}){detail}"),
    ("sms_gateway_busy", "The SMS gateway is busy (HTTP {status}); will retry."),
    ("sms_gateway_rejected", "The SMS gateway rejected the message (HTTP {status}){detail}"),
    ("sms_gateway_failed", "The SMS gateway failed (HTTP {status}); will retry."),
    ("chat_webhook_timeout", "The chat webhook did not answer in time."),
    ("chat_webhook_unreachable", "The chat webhook is unreachable (could not resolve or connect)."),
    ("chat_webhook_bad_url", "The chat webhook address is not a valid URL."),
    ("chat_webhook_connection_failed", "The connection to the chat webhook failed."),
    ("chat_webhook_auth_failed", "The chat webhook refused the credentials (authentication failed, HTTP {status}){detail}"),
    ("chat_webhook_busy", "The chat webhook is busy (HTTP {status}); will retry."),
    ("chat_webhook_rejected", "The chat webhook rejected the message (HTTP {status}){detail}"),
    ("chat_webhook_failed", "The chat webhook failed (HTTP {status}); will retry."),
    ("chat_not_set_up", "The staff chat is not set up: add the webhook URL in Settings."),
    ("sms_not_set_up", "SMS is not set up: choose a gateway in Settings."),
    ("sms_template_invalid", "The SMS JSON template is not valid JSON once filled in."),
    ("email_not_set_up", "Email is not set up: add the SMTP server in Settings."),
    ("email_sender_invalid", "The sender address in the email settings is not a valid address."),
    ("smtp_host_invalid", "The SMTP server name is not valid."),
    ("smtp_auth_failed", "The SMTP server refused the username or password (authentication failed, {code})."),
    ("smtp_rejected", "The SMTP server rejected the message ({reply})."),
    ("smtp_deferred", "The SMTP server deferred the message ({reply}); will retry."),
    ("smtp_tls_failed", "The TLS handshake with the SMTP server failed (check the security setting and the port)."),
    ("smtp_no_starttls", "The SMTP server does not offer STARTTLS: choose TLS (usually port 465) or, for a relay on this network, no encryption."),
    ("smtp_dns_failed", "The SMTP server is unreachable: its name could not be resolved (DNS)."),
    ("smtp_timeout", "The SMTP server did not answer in time."),
    ("smtp_unsupported", "The SMTP server does not support what the settings ask for (login method or encryption); the details are in the log."),
    ("smtp_unreachable", "The SMTP server is unreachable (could not resolve or connect)."),
    ("send_gave_up", "Gave up after {attempts} attempts. {reason}"),
    ("runner_owner", "This computer runs the jobs: it holds the clinic's database."),
    ("runner_admin", "This computer runs the jobs while an administrator is signed in. For a clinic server, run `clinicctl agent` there so jobs run around the clock."),
    ("runner_none", "This computer does not run the jobs. Run `clinicctl agent` on the clinic server, or keep an administrator signed in on one computer."),
    ("database_builtin_chosen", "ClinicDesk will use the database built into this computer."),
    ("database_probe_timeout", "The server did not answer within 8 seconds."),
    ("database_probe_answered", "{server} answered. Sign in again to use it."),
    ("test_email_sent", "Test email sent to {recipient}."),
    ("test_sms_sent", "Test SMS sent to {recipient}."),
    ("test_chat_posted", "Test message posted to the staff chat."),
    ("outbox_retry_refused", "This message can only be retried when it failed or was cancelled; it is {status}."),
    ("outbox_cancel_refused", "This message can only be cancelled before it is sent; it is {status}."),
    ("job_already_ran", "{job} already ran this minute (here or on another computer)."),
    ("job_finished", "{job} finished: {counts}."),
    ("job_failed", "{job} failed: {error}"),

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
    // the most specific template wins: the one with the most literal text (an exact sentence has it all, so it
    // comes before any template with placeholders that also matches it; "The folder {folder} does not exist."
    // before "{file} does not exist."), then the one with fewer placeholders
    CATALOG
        .iter()
        .filter_map(|(code, template)| {
            match_template(template, sentence).map(|params| {
                let holes: usize = placeholders(template).iter().map(|p| p.len() + 2).sum();
                (*code, params, template.len() - holes)
            })
        })
        .min_by_key(|(_, params, literal)| (std::cmp::Reverse(*literal), params.len()))
        .map(|(code, params, _)| (code, params))
}

/// The catalog code and params of a sentence a result carries for the screen (a test-send outcome, a job run,
/// an export), read back like an `Error`'s: `(None, {})` when it is not catalogued.
pub fn code_of(sentence: &str) -> (Option<String>, BTreeMap<String, String>) {
    match identify(sentence) {
        Some((code, params)) => (Some(code.to_string()), params),
        None => (None, BTreeMap::new()),
    }
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

    /// Every `.rs` file of the crate's `src/` with its text before its unit tests.
    fn sources() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    let text = match text.find("#[cfg(test)]\nmod tests") {
                        Some(i) => text[..i].to_string(),
                        None => text,
                    };
                    out.push((p.display().to_string(), text));
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut out,
        );
        assert!(out.len() > 50, "the sources were not found");
        out
    }

    /// The text between the parenthesis or brace that ends `head` and its partner (string literals skipped).
    fn argument(text: &str) -> &str {
        let (mut depth, mut in_str, mut escaped) = (1, false, false);
        for (i, c) in text.char_indices() {
            match (in_str, c) {
                (true, _) if escaped => escaped = false,
                (true, '\\') => escaped = true,
                (true, '"') => in_str = false,
                (true, _) => {}
                (false, '"') => in_str = true,
                (false, '(' | '{') => depth += 1,
                (false, ')' | '}') => {
                    depth -= 1;
                    if depth == 0 {
                        return &text[..i];
                    }
                }
                _ => {}
            }
        }
        text
    }

    /// A sentence that reaches a person through an `Error` (or a channel's refusal, shown by the test send and in
    /// the outbox) is built with `msg!` (or taken from the catalog by code), never typed as a literal or `format!`:
    /// such a sentence would reach the UI in English only. A pass-through (`Error::Conflict(m)`) is not a literal.
    #[test]
    fn no_error_sentence_is_built_outside_the_catalog() {
        let heads = [
            "Error::NotFound(",
            "Error::Conflict(",
            "Error::Contended(",
            "Error::PermissionDenied(",
            "Error::Unavailable(",
            "Error::Unauthenticated(",
            "Error::NeedsUpgrade(",
            "Error::validation(",
            "Error::Validation {",
            "SendError::Transient(",
            "SendError::Permanent(",
        ];
        let mut uncoded = Vec::new();
        for (path, text) in sources() {
            for head in heads {
                for (at, _) in text.match_indices(head) {
                    let arg = argument(&text[at + head.len()..]);
                    // a field name is a literal: look at the sentence only
                    let sentence = match head {
                        "Error::validation(" => arg.split_once(',').map_or("", |(_, s)| s),
                        "Error::Validation {" => arg.split_once("message").map_or("", |(_, s)| s),
                        _ => arg,
                    };
                    // `msg!`, a catalog `text(code)`, or a channel's `say(service, outcome, …)` (coded by name)
                    let coded = ["msg!(", "text(", "say("]
                        .iter()
                        .any(|b| sentence.contains(b));
                    if sentence.contains('"') && !coded {
                        let line = text[..at].lines().count();
                        uncoded.push(format!("{path}:{line}: {}", sentence.trim()));
                    }
                }
            }
        }
        assert!(
            uncoded.is_empty(),
            "sentences not built with msg! (add them to CATALOG):\n{}",
            uncoded.join("\n")
        );
    }

    /// Every `msg!(code …)` in the sources names a code of the catalog (else it would panic when it is reached),
    /// and so does every sentence the channels build by code (`channels::http_outcome`).
    #[test]
    fn every_code_the_sources_use_is_in_the_catalog() {
        let mut used = 0;
        // messages.rs itself only defines the macro (its docs show made-up codes)
        for (path, text) in sources()
            .into_iter()
            .filter(|(p, _)| !p.ends_with("messages.rs"))
        {
            for (at, _) in text.match_indices("msg!(") {
                let rest = text[at + 5..].trim_start();
                let code: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    template(&code).is_some(),
                    "{path}: msg!({code}) is not in CATALOG"
                );
                used += 1;
            }
        }
        assert!(used > 200, "only {used} msg! sites found");
        for service in ["sms_gateway", "chat_webhook"] {
            for outcome in [
                "timeout",
                "unreachable",
                "bad_url",
                "connection_failed",
                "auth_failed",
                "busy",
                "rejected",
                "failed",
            ] {
                assert!(
                    template(&format!("{service}_{outcome}")).is_some(),
                    "{service}_{outcome}"
                );
            }
        }
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

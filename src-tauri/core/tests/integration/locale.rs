//! The clinic's locale and the patient's language (issue 17) against real parts: a throwaway PostgreSQL composes the
//! messages, a real SMTP server on loopback (aiosmtpd) receives them (decoded with Python's own `email` package, as a
//! mail client would), the monthly report job writes its HTML. Bad codes are refused with field errors.

use chrono::{Datelike, Duration, NaiveDate, Timelike, Utc};
use clinicdesk_core::db::channel_settings::{ChannelSettingsInput, SmsProvider, SmtpSecurity};
use clinicdesk_core::db::job_runs::RunTrigger;
use clinicdesk_core::db::patients::{ConsentMethod, PatientInput, ReminderChannel, Sex};
use clinicdesk_core::db::reminder_rules::{
    ReminderRuleChannel, ReminderRuleInput, ReminderRuleKind,
};
use clinicdesk_core::db::settings::ClinicSettings;
use clinicdesk_core::jobs::{self, dispatcher, Due, JobContext, JobKind, Scope};
use clinicdesk_core::locale::Formatter;
use clinicdesk_core::services::{
    jobs as jobsvc, patients, reminder_rules as rules, scheduling as appts, settings,
};
use clinicdesk_core::testing::{system_python, Clinic, SmtpSink};
use clinicdesk_core::Error;
use sqlx::PgPool;

fn channels(smtp_port: u16) -> ChannelSettingsInput {
    ChannelSettingsInput {
        smtp_host: "127.0.0.1".into(),
        smtp_port: smtp_port as i32,
        smtp_security: SmtpSecurity::Plain,
        smtp_username: String::new(),
        smtp_password: None,
        smtp_from: "Clínica Riverside <desk@riverside.example>".into(),
        sms_provider: SmsProvider::None,
        sms_url: String::new(),
        sms_account_sid: String::new(),
        sms_token: None,
        sms_from: String::new(),
        sms_json_template: r#"{"to": "{{to}}", "message": "{{body}}"}"#.into(),
        chat_webhook_url: None,
    }
}

fn patient_input(name: &str, email: &str, language: &str) -> PatientInput {
    PatientInput {
        full_name: name.into(),
        date_of_birth: NaiveDate::from_ymd_opt(1980, 5, 17).unwrap(),
        sex: Sex::Female,
        phone: None,
        email: Some(email.into()),
        address: String::new(),
        emergency_contact: String::new(),
        preferred_channel: ReminderChannel::Email,
        preferred_language: language.into(),
        reminder_consent: true,
        opted_out: false,
        consent_method: Some(ConsentMethod::Desk),
    }
}

async fn locale(c: &Clinic, language: &str, date_format: &str, clock: &str) -> ClinicSettings {
    let mut s = settings::get(&c.admin).await.unwrap();
    s.language = language.into();
    s.date_format = date_format.into();
    s.clock = clock.into();
    settings::update(&c.admin, &s).await.unwrap()
}

/// (subject, plain-text body) of a raw message, decoded by Python's `email` package (RFC 2047 headers,
/// quoted-printable or base64 bodies).
fn decoded(raw: &str) -> (String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(system_python())
        .arg("-c")
        .arg(
            "import sys, json, email, email.policy\n\
             m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)\n\
             b = m.get_body(preferencelist=('plain',))\n\
             print(json.dumps([str(m['subject']), b.get_content() if b else '']))",
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(raw.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let v: (String, String) = serde_json::from_slice(&out.stdout).expect("decoded json");
    v
}

async fn bodies_of(owner: &PgPool, appointment: i64, kind: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT subject, body FROM notifications WHERE appointment_id = $1 AND kind = $2 ORDER BY id",
    )
    .bind(appointment)
    .bind(kind)
    .fetch_all(owner)
    .await
    .unwrap()
}

#[tokio::test]
async fn reminders_reach_the_smtp_server_in_each_patients_language_with_the_clinics_date_format_and_clock(
) {
    let c = Clinic::new("Europe/Madrid").await;
    let owner = c.db.owner_pool().await;
    let sink = SmtpSink::start(None);
    jobsvc::update_channel_settings(&c.admin, &channels(sink.port))
        .await
        .unwrap();
    let s = locale(&c, "en", "dd.MM.yyyy", "12h").await;
    assert_eq!(
        (s.date_format.as_str(), s.clock.as_str()),
        ("dd.MM.yyyy", "12h")
    );
    let (doctor, _) = c.doctor("Dr. Asha Rao", false).await;
    let lucia = patients::register(
        &c.desk,
        &patient_input("Lucía Fernández", "lucia@patients.example", "es"),
    )
    .await
    .unwrap();
    assert_eq!(lucia.preferred_language, "es");
    let omar = patients::register(
        &c.desk,
        &patient_input("Omar Haddad", "omar@patients.example", "en"),
    )
    .await
    .unwrap();
    // a rule reminder too (the planner), one hour before
    rules::add(
        &c.admin,
        &ReminderRuleInput {
            kind: ReminderRuleKind::Lead,
            lead_minutes: Some(60),
            local_time: None,
            channel: ReminderRuleChannel::Email,
        },
    )
    .await
    .unwrap();
    let day = Utc::now().date_naive() + Duration::days(2);
    let slots = appts::free_slots(&c.desk, doctor, day, 1).await.unwrap()[0]
        .slots
        .clone();
    // 09:45 and 14:00 in Madrid: one morning, one afternoon
    let morning = slots[3].starts_at;
    let afternoon = slots
        .iter()
        .find(|s| s.starts_at > morning + Duration::hours(4))
        .unwrap()
        .starts_at;
    let a_es = appts::book(&c.desk, doctor, lucia.id, afternoon)
        .await
        .unwrap();
    let a_en = appts::book(&c.desk, doctor, omar.id, morning)
        .await
        .unwrap();

    let madrid: chrono_tz::Tz = "Europe/Madrid".parse().unwrap();
    let local_es = afternoon.with_timezone(&madrid);
    let local_en = morning.with_timezone(&madrid);
    let es_fmt = Formatter::new("es", "dd.MM.yyyy", "12h");
    let en_fmt = Formatter::new("en", "dd.MM.yyyy", "12h");
    let when_es = format!(
        "{} a las {}",
        es_fmt.day(local_es.date_naive()),
        es_fmt.time(local_es.hour(), local_es.minute())
    );
    let when_en = format!(
        "{} at {}",
        en_fmt.day(local_en.date_naive()),
        en_fmt.time(local_en.hour(), local_en.minute())
    );
    // spelled out, so that a formatter bug on both sides cannot hide: "dd.MM.yyyy" and a 12-hour time
    let date_es = format!(
        "{:02}.{:02}.{}",
        local_es.day(),
        local_es.month(),
        local_es.year()
    );
    assert!(
        when_es.contains(&date_es) && when_es.ends_with(" p. m."),
        "{when_es}"
    );
    assert!(
        when_en.ends_with(":45 AM") && when_en.contains(" at 9:"),
        "{when_en}"
    );

    // the planner's rule reminder is composed in the patient's language
    let planned = bodies_of(&owner, a_es.id, "reminder").await;
    assert_eq!(planned.len(), 1, "{planned:?}");
    assert_eq!(planned[0].0, "Riverside Clinic: Recordatorio de cita");
    assert!(planned[0].1.contains(&when_es), "{planned:?}");

    // the daily reminders job for that day, then everything due now and dispatched to the real SMTP server
    let mut ctx = JobContext::new(c.admin.pool().clone());
    ctx.host = "desk-1".into();
    ctx.reports_dir = tempfile::tempdir().unwrap().keep();
    let due = Due {
        job: JobKind::RemindersDaily,
        period: "locale".into(),
        due_at: Utc::now(),
        scope: Scope::Day(day),
    };
    let run = jobs::run_once(&ctx, &due, RunTrigger::Manual)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.outcome.as_deref(), Some("ok"), "{:?}", run.error);
    sqlx::query("UPDATE notifications SET next_attempt_at = now() WHERE status = 'pending'")
        .execute(&owner)
        .await
        .unwrap();
    let sent = dispatcher::dispatch(&c.admin, "desk-1", 20).await.unwrap();
    // per patient: the confirmation, the rule reminder and the same-day job's reminder
    assert_eq!(sent["sent"], 6, "{sent:?}");

    let mails: Vec<(Vec<String>, String, String)> = sink
        .messages()
        .iter()
        .map(|m| {
            let (subject, body) = decoded(&m.data);
            (m.rcpt_tos.clone(), subject, body)
        })
        .collect();
    let to = |addr: &str| -> Vec<&(Vec<String>, String, String)> {
        mails.iter().filter(|m| m.0 == [addr.to_string()]).collect()
    };
    let es = to("lucia@patients.example");
    assert_eq!(es.len(), 3, "{mails:#?}");
    assert!(es.iter().any(|m| m.1 == "Riverside Clinic: Cita confirmada"
        && m.2.contains(&format!("Hola Lucía, su cita en Riverside Clinic con Dr. Asha Rao está confirmada para el {when_es}."))));
    let es_reminders: Vec<_> = es
        .iter()
        .filter(|m| m.1 == "Riverside Clinic: Recordatorio de cita")
        .collect();
    assert_eq!(es_reminders.len(), 2, "{es:#?}");
    assert!(es_reminders.iter().all(|m| m.2.contains(&format!(
        "Hola Lucía, le recordamos su cita en Riverside Clinic con Dr. Asha Rao el {when_es}. Responda o llámenos si no puede venir."
    ))), "{es_reminders:#?}");
    assert!(es
        .iter()
        .all(|m| !m.2.contains("Hello") && !m.2.contains("appointment")));

    let en = to("omar@patients.example");
    assert_eq!(en.len(), 3, "{mails:#?}");
    let en_reminders: Vec<_> = en
        .iter()
        .filter(|m| m.1 == "Riverside Clinic: Appointment reminder")
        .collect();
    assert_eq!(en_reminders.len(), 2, "{en:#?}");
    assert!(en_reminders.iter().all(|m| m.2.contains(&format!(
        "Hello Omar, this is a reminder of your appointment at Riverside Clinic with Dr. Asha Rao on {when_en}."
    ))), "{en_reminders:#?}");
    assert!(en.iter().all(|m| !m.2.contains("Hola")));
    // a rule reminder for the English one was planned in English before any of this
    assert!(bodies_of(&owner, a_en.id, "reminder")
        .await
        .iter()
        .all(|b| b.1.starts_with("Hello Omar")));

    // the language is the patient's to change
    let mut back = patient_input("Lucía Fernández", "lucia@patients.example", "en");
    back.consent_method = None;
    let again = patients::update(&c.desk, lucia.id, &back).await.unwrap();
    assert_eq!(again.preferred_language, "en");
}

#[tokio::test]
async fn unknown_locale_codes_and_an_unoffered_patient_language_are_refused_with_field_errors_writing_nothing(
) {
    let c = Clinic::new("UTC").await;
    let owner = c.db.owner_pool().await;
    let before = settings::get(&c.admin).await.unwrap();
    for (bad, field) in [
        (
            ClinicSettings {
                language: "fr".into(),
                ..before.clone()
            },
            "language",
        ),
        (
            ClinicSettings {
                date_format: "yyyy/dd/MM".into(),
                ..before.clone()
            },
            "date_format",
        ),
        (
            ClinicSettings {
                clock: "36h".into(),
                ..before.clone()
            },
            "clock",
        ),
        (
            ClinicSettings {
                first_day: 3,
                ..before.clone()
            },
            "first_day",
        ),
        (
            ClinicSettings {
                first_day: -1,
                ..before.clone()
            },
            "first_day",
        ),
    ] {
        let e = settings::update(
            &c.admin,
            &ClinicSettings {
                clinic_name: "Changed".into(),
                ..bad
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.field(), Some(field), "{e:?}");
        assert!(matches!(e, Error::Validation { .. }));
    }
    assert_eq!(
        settings::get(&c.admin).await.unwrap(),
        before,
        "nothing written"
    );
    // the database says the same if the service is bypassed: the constraint maps to the field
    let e: Error = sqlx::query("UPDATE settings SET clock = '36h'")
        .execute(&owner)
        .await
        .unwrap_err()
        .into();
    assert_eq!(e.field(), Some("clock"), "{e:?}");

    let patients_before: i64 = sqlx::query_scalar("SELECT count(*) FROM patients")
        .fetch_one(&owner)
        .await
        .unwrap();
    let e = patients::register(
        &c.desk,
        &patient_input("Jean Dupont", "jean@patients.example", "fr"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.field(), Some("preferred_language"), "{e:?}");
    let p = patients::register(
        &c.desk,
        &patient_input("Ana Ruiz", "ana@patients.example", "es"),
    )
    .await
    .unwrap();
    let mut edit = patient_input("Ana Ruiz", "ana@patients.example", "de");
    edit.consent_method = None;
    let e = patients::update(&c.desk, p.id, &edit).await.unwrap_err();
    assert_eq!(e.field(), Some("preferred_language"), "{e:?}");
    assert_eq!(
        patients::get(&c.desk, p.id)
            .await
            .unwrap()
            .preferred_language,
        "es"
    );
    let patients_after: i64 = sqlx::query_scalar("SELECT count(*) FROM patients")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(
        patients_after,
        patients_before + 1,
        "only Ana was registered"
    );
    let e: Error = sqlx::query("UPDATE patients SET preferred_language = 'it'")
        .execute(&owner)
        .await
        .unwrap_err()
        .into();
    assert_eq!(e.field(), Some("preferred_language"), "{e:?}");

    // good codes are stored and read back by every role
    let s = settings::update(
        &c.admin,
        &ClinicSettings {
            language: "es".into(),
            date_format: "MM/dd/yyyy".into(),
            clock: "12h".into(),
            first_day: 0,
            ..before.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(settings::get(&c.desk).await.unwrap(), s);
}

#[tokio::test]
async fn the_monthly_report_is_written_in_the_clinics_language_and_date_format() {
    let c = Clinic::new("UTC").await;
    locale(&c, "es", "yyyy-MM-dd", "24h").await;
    let (rao, _) = c.doctor("Dr. Asha Rao", false).await;
    let p = c.patient("Pat One").await;
    let owner = c.db.owner_pool().await;
    let month = (Utc::now().date_naive().with_day0(0).unwrap() - Duration::days(1))
        .with_day0(0)
        .unwrap();
    let start = month
        .with_day(3)
        .unwrap()
        .and_hms_opt(15, 30, 0)
        .unwrap()
        .and_utc();
    let mut tx = owner.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status)
         VALUES ($1, $2, $3, $3 + interval '15 minutes', 'completed')",
    )
    .bind(rao)
    .bind(p)
    .bind(start)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut ctx = JobContext::new(c.admin.pool().clone());
    ctx.host = "report-pc".into();
    ctx.reports_dir = tempfile::tempdir().unwrap().keep();
    let due = Due {
        job: JobKind::MonthlyReport,
        period: "m".into(),
        due_at: Utc::now(),
        scope: Scope::Month(month),
    };
    let run = jobs::run_once(&ctx, &due, RunTrigger::Manual)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.outcome.as_deref(), Some("ok"), "{:?}", run.error);
    let list = jobsvc::list_reports(&c.admin, month).await.unwrap();
    let report = list.iter().find(|r| r.doctor_id == Some(rao)).unwrap();
    let html = jobsvc::get_report(&c.admin, report.id).await.unwrap().html;
    let months = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ];
    let month_name = months[month.month0() as usize];
    assert!(html.contains("<html lang=\"es\">"));
    assert!(
        html.contains(&format!("Dr. Asha Rao — {month_name} de {}", month.year())),
        "{html}"
    );
    assert!(
        html.contains("<h2>Totales</h2>") && html.contains("<h2>Visitas por día</h2>"),
        "{html}"
    );
    assert!(
        html.contains("<th scope=\"row\">Citas</th><td class=\"n\">1</td>"),
        "{html}"
    );
    assert!(
        html.contains("<th scope=\"row\">Completadas</th><td class=\"n\">1</td>"),
        "{html}"
    );
    assert!(
        html.contains(&format!("{} 15:30", start.date_naive().format("%Y-%m-%d"))),
        "{html}"
    );
    assert!(html.contains("<td>completada</td>"), "{html}");
    assert!(
        !html.contains("Totals") && !html.contains("Appointments"),
        "no English left"
    );
    let summary = jobsvc::get_report(&c.admin, list[0].id).await.unwrap().html;
    assert!(
        summary.contains("Resumen mensual de la clínica") && summary.contains("Todos los médicos")
    );
}

//! Jobs and the outbox against real parts: a throwaway PostgreSQL, a real SMTP server on loopback (aiosmtpd)
//! and local HTTP servers (wiremock) standing in for the SMS gateway and the chat webhook.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use clinicdesk_core::db::channel_settings::{ChannelSettingsInput, SmsProvider, SmtpSecurity};
use clinicdesk_core::db::job_runs::RunTrigger;
use clinicdesk_core::db::job_settings::JobSettings;
use clinicdesk_core::db::notifications::{MessageChannel, NotificationStatus, OutboxFilter};
use clinicdesk_core::db::patients::{PatientInput, ReminderChannel, Sex};
use clinicdesk_core::jobs::{self, dispatcher, runner, Due, JobContext, JobKind, Scope};
use clinicdesk_core::services::{jobs as jobsvc, patients, scheduling as appts};
use clinicdesk_core::testing::{Clinic, SmtpSink};
use clinicdesk_core::Error;
use sqlx::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn channels(smtp_port: u16) -> ChannelSettingsInput {
    ChannelSettingsInput {
        smtp_host: "127.0.0.1".into(),
        smtp_port: smtp_port as i32,
        smtp_security: SmtpSecurity::Plain,
        smtp_username: String::new(),
        smtp_password: None,
        smtp_from: "Riverside Clinic <desk@riverside.example>".into(),
        sms_provider: SmsProvider::None,
        sms_url: String::new(),
        sms_account_sid: String::new(),
        sms_token: None,
        sms_from: String::new(),
        sms_json_template: r#"{"to": "{{to}}", "message": "{{body}}"}"#.into(),
        chat_webhook_url: None,
    }
}

/// A local SMS gateway (wiremock) answering 200 at `/sms`, set up as the clinic's JSON SMS channel (email off).
async fn sms_gateway(c: &Clinic) -> MockServer {
    let gateway = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&gateway)
        .await;
    let input = ChannelSettingsInput {
        smtp_host: String::new(),
        sms_provider: SmsProvider::Json,
        sms_url: format!("{}/sms", gateway.uri()),
        ..channels(1)
    };
    jobsvc::update_channel_settings(&c.admin, &input)
        .await
        .unwrap();
    gateway
}

/// The SMS messages that failed for good, newest first.
async fn failed_sms(pool: &PgPool) -> Vec<clinicdesk_core::db::notifications::OutboxItem> {
    jobsvc::list_outbox(
        pool,
        &OutboxFilter {
            status: Some(NotificationStatus::Failed),
            channel: Some(MessageChannel::Sms),
            from: None,
            to: None,
            limit: 100,
        },
    )
    .await
    .unwrap()
}

/// "Send test" fails with an Unavailable sentence containing `needle`.
async fn test_fails_saying(
    pool: &PgPool,
    channel: MessageChannel,
    input: &ChannelSettingsInput,
    recipient: &str,
    needle: &str,
) {
    let e = jobsvc::send_test(pool, channel, input, recipient)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Unavailable(m) if m.contains(needle)),
        "{e:?} should say {needle}"
    );
}

async fn patient_by_email(c: &Clinic, name: &str, email: &str) -> i64 {
    let input = PatientInput {
        full_name: name.into(),
        date_of_birth: NaiveDate::from_ymd_opt(1979, 3, 14).unwrap(),
        sex: Sex::Male,
        phone: Some("+44 7700 900456".into()),
        email: Some(email.into()),
        address: String::new(),
        emergency_contact: String::new(),
        preferred_channel: ReminderChannel::Email,
        preferred_language: "en".into(),
        reminder_consent: true,
        opted_out: false,
        consent_method: Some(clinicdesk_core::db::patients::ConsentMethod::Paper),
    };
    patients::register(&c.desk, &input).await.unwrap().id
}

/// Books the `nth` free slot the day after tomorrow (always in the future, whatever the time of day).
async fn book(c: &Clinic, doctor: i64, patient: i64, nth: usize) -> (i64, NaiveDate) {
    let day = Utc::now().date_naive() + Duration::days(2);
    let slots = appts::free_slots(&c.desk, doctor, day, 1).await.unwrap()[0]
        .slots
        .clone();
    let a = appts::book(&c.desk, doctor, patient, slots[nth].starts_at)
        .await
        .unwrap();
    (a.id, day)
}

fn reminders_for(day: NaiveDate, period: &str) -> Due {
    Due {
        job: JobKind::RemindersDaily,
        period: period.into(),
        due_at: Utc::now(),
        scope: Scope::Day(day),
    }
}

fn job_ctx(pool: &PgPool, host: &str) -> JobContext {
    let mut c = JobContext::new(pool.clone());
    c.host = host.into();
    c.reports_dir = tempfile::tempdir().unwrap().keep();
    c
}

/// Makes every pending message due now (instead of waiting for its backoff).
async fn make_due(owner: &PgPool) {
    sqlx::query("UPDATE notifications SET next_attempt_at = now() WHERE status = 'pending'")
        .execute(owner)
        .await
        .unwrap();
}

async fn status_of(
    pool: &PgPool,
    subject_part: &str,
) -> Vec<(NotificationStatus, Option<String>, i32)> {
    let all = jobsvc::list_outbox(
        pool,
        &OutboxFilter {
            status: None,
            channel: None,
            from: None,
            to: None,
            limit: 100,
        },
    )
    .await
    .unwrap();
    all.into_iter()
        .filter(|m| m.subject.contains(subject_part) || m.recipient.contains(subject_part))
        .map(|m| (m.status, m.last_error, m.attempts))
        .collect()
}

#[tokio::test]
async fn reminders_reach_a_real_smtp_server_once_without_clinical_detail() {
    let c = Clinic::new("Europe/London").await;
    let sink = SmtpSink::start(None);
    jobsvc::update_channel_settings(&c.admin, &channels(sink.port))
        .await
        .unwrap();
    let (doctor, _) = c.doctor("Dr. Asha Rao", false).await;
    let p = patient_by_email(&c, "Omar Haddad", "omar@patients.example").await;
    let (_, day) = book(&c, doctor, p, 3).await;
    // a patient who consented but whose only contact is gone (the desk requires one at registration; an import or
    // a direct edit can still clear it): counted, not messaged, not an error
    let nobody = c.patient("Nadia Nocontact").await;
    sqlx::query("UPDATE patients SET phone = NULL, email = NULL WHERE id = $1")
        .bind(nobody)
        .execute(&c.db.owner_pool().await)
        .await
        .unwrap();
    book(&c, doctor, nobody, 4).await;
    let ctx = job_ctx(&c.admin, "desk-1");

    let run = jobs::run_once(&ctx, &reminders_for(day, "t1"), RunTrigger::Manual)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.outcome.as_deref(), Some("ok"));
    assert_eq!(run.counts["queued"], 1);
    assert_eq!(run.counts["appointments"], 2);
    assert_eq!(run.counts["no_consent_or_contact"], 1);
    let sent = dispatcher::dispatch(&c.admin, "desk-1", 10).await.unwrap();
    assert_eq!(sent["sent"], 2, "the booking confirmation and the reminder");

    let mails = sink.messages();
    let reminder: Vec<_> = mails
        .iter()
        .filter(|m| m.data.contains("Appointment reminder"))
        .collect();
    assert_eq!(reminder.len(), 1);
    let m = reminder[0];
    assert_eq!(m.rcpt_tos, vec!["omar@patients.example".to_string()]);
    assert_eq!(m.mail_from, "desk@riverside.example");
    assert!(
        m.data
            .contains("Subject: Riverside Clinic: Appointment reminder"),
        "{}",
        m.data
    );
    assert!(m.data.contains("Dr. Asha Rao") && m.data.contains("Hello Omar"));
    // Nothing clinical, not even the department.
    assert!(!m.data.contains("General Medicine"));

    // The same period again: nothing runs. Another period for the same day: the dedupe key holds.
    assert!(
        jobs::run_once(&ctx, &reminders_for(day, "t1"), RunTrigger::Manual)
            .await
            .unwrap()
            .is_none()
    );
    let again = jobs::run_once(&ctx, &reminders_for(day, "t2"), RunTrigger::Manual)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.counts["queued"], 0);
    assert_eq!(again.counts["already_queued"], 1);
    dispatcher::dispatch(&c.admin, "desk-1", 10).await.unwrap();
    assert_eq!(sink.messages().len(), 2);
    assert_eq!(
        status_of(&c.admin, "Appointment reminder").await[0].0,
        NotificationStatus::Sent
    );
}

#[tokio::test]
async fn several_pcs_claiming_one_period_run_it_once_and_two_dispatchers_send_each_message_once() {
    let c = Clinic::new("UTC").await;
    let gateway = sms_gateway(&c).await;
    let (doctor, _) = c.doctor("Dr. Lee", false).await;
    for i in 0..12 {
        let p = c.patient(&format!("Patient {i}")).await;
        book(&c, doctor, p, i).await;
    }
    let day = Utc::now().date_naive() + Duration::days(2);

    // Four PCs (separate pools and hosts) race for the same period.
    let owner = c.db.owner_pool().await;
    let pools = [
        c.admin.pool().clone(),
        owner.clone(),
        c.admin.pool().clone(),
        owner.clone(),
    ];
    let due = reminders_for(day, "race");
    let runs = futures_util::future::join_all(pools.iter().enumerate().map(|(i, p)| {
        let due = due.clone();
        let ctx = job_ctx(p, &format!("pc-{i}"));
        async move {
            jobs::run_once(&ctx, &due, RunTrigger::Schedule)
                .await
                .unwrap()
        }
    }))
    .await;
    assert_eq!(
        runs.iter().filter(|r| r.is_some()).count(),
        1,
        "exactly one PC ran it"
    );

    // 12 confirmations + 12 reminders, drained by two dispatchers at once.
    let (a, b) = tokio::join!(
        dispatcher::dispatch(&c.admin, "pc-a", 50),
        dispatcher::dispatch(&owner, "pc-b", 50)
    );
    let total =
        a.unwrap().get("sent").copied().unwrap_or(0) + b.unwrap().get("sent").copied().unwrap_or(0);
    assert_eq!(total, 24);
    let bodies: Vec<serde_json::Value> = gateway
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies.len(), 24, "each message reached the gateway once");
    let distinct: HashSet<String> = bodies.iter().map(|b| b.to_string()).collect();
    assert_eq!(distinct.len(), 24);
    assert!(
        bodies.iter().all(|b| b["to"] == "+447700900123"),
        "{bodies:?}"
    );
    assert!(bodies.iter().any(|b| b["message"]
        .as_str()
        .unwrap()
        .contains("reminder of your appointment")));
}

#[tokio::test]
async fn a_gateway_500_is_retried_with_backoff_and_a_400_or_401_fails_at_once_with_the_reason() {
    let c = Clinic::new("UTC").await;
    let owner = c.db.owner_pool().await;
    let gateway = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&gateway)
        .await;
    Mock::given(method("POST"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&gateway)
        .await;
    let mut input = channels(1);
    input.smtp_host = String::new();
    input.sms_provider = SmsProvider::Json;
    input.sms_url = format!("{}/flaky", gateway.uri());
    jobsvc::update_channel_settings(&c.admin, &input)
        .await
        .unwrap();
    let (doctor, _) = c.doctor("Dr. Lee", false).await;
    let p = c.patient("Ada Flaky").await;
    book(&c, doctor, p, 0).await;

    let first = dispatcher::dispatch(&c.admin, "pc", 5).await.unwrap();
    assert_eq!(first.get("retry"), Some(&1));
    let s = &status_of(&c.admin, "+44").await[0];
    assert_eq!(s.0, NotificationStatus::Pending);
    assert!(s.1.as_deref().unwrap().contains("HTTP 500"), "{:?}", s.1);
    // Not due yet (backoff of a minute): a second pass sends nothing.
    assert!(dispatcher::dispatch(&c.admin, "pc", 5)
        .await
        .unwrap()
        .is_empty());
    make_due(&owner).await;
    assert_eq!(
        dispatcher::dispatch(&c.admin, "pc", 5)
            .await
            .unwrap()
            .get("sent"),
        Some(&1)
    );
    assert_eq!(
        status_of(&c.admin, "+44").await[0].0,
        NotificationStatus::Sent
    );
    assert_eq!(status_of(&c.admin, "+44").await[0].2, 2, "two attempts");

    // 400: the gateway refuses the message; it fails for good, with the gateway's words.
    Mock::given(method("POST"))
        .and(path("/bad"))
        .respond_with(ResponseTemplate::new(400).set_body_string("invalid number"))
        .mount(&gateway)
        .await;
    input.sms_url = format!("{}/bad", gateway.uri());
    jobsvc::update_channel_settings(&c.admin, &input)
        .await
        .unwrap();
    let p2 = c.patient("Bo Bad").await;
    book(&c, doctor, p2, 1).await;
    assert_eq!(
        dispatcher::dispatch(&c.admin, "pc", 5)
            .await
            .unwrap()
            .get("failed"),
        Some(&1)
    );
    let failed = failed_sms(&c.admin).await;
    assert_eq!(failed.len(), 1);
    let reason = failed[0].last_error.clone().unwrap();
    assert!(
        reason.contains("rejected") && reason.contains("400") && reason.contains("invalid number"),
        "{reason}"
    );

    // An administrator retries it after fixing the settings; then it goes.
    input.sms_url = format!("{}/flaky", gateway.uri());
    jobsvc::update_channel_settings(&c.admin, &input)
        .await
        .unwrap();
    jobsvc::retry(&c.admin, failed[0].id).await.unwrap();
    assert_eq!(
        dispatcher::dispatch(&c.admin, "pc", 5)
            .await
            .unwrap()
            .get("sent"),
        Some(&1)
    );
    // Cancelling a sent message is refused with a sentence.
    let e = jobsvc::cancel(&c.admin, failed[0].id).await.unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("it is sent")),
        "{e:?}"
    );

    // Twilio-style gateway answering 401: authentication failed, no retry.
    Mock::given(method("POST"))
        .and(path("/twilio"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&gateway)
        .await;
    input.sms_provider = SmsProvider::Twilio;
    input.sms_url = format!("{}/twilio", gateway.uri());
    input.sms_account_sid = "AC123".into();
    input.sms_token = Some("wrong".into());
    input.sms_from = "+15550100".into();
    test_fails_saying(
        &c.admin,
        MessageChannel::Sms,
        &input,
        "+44 7700 900999",
        "authentication failed",
    )
    .await;
    let twilio = gateway
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .last()
        .unwrap();
    let form = String::from_utf8(twilio.body).unwrap();
    assert!(
        form.contains("To=%2B447700900999") && form.contains("From=%2B15550100"),
        "{form}"
    );
    assert!(twilio
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("Basic "));
}

#[tokio::test]
async fn smtp_down_auth_failure_and_bad_settings_are_said_clearly() {
    let c = Clinic::new("UTC").await;
    // A name that does not resolve (DNS failure): unreachable, said as such.
    let nowhere = ChannelSettingsInput {
        smtp_host: "mail.does-not-exist.invalid".into(),
        ..channels(25)
    };
    test_fails_saying(
        &c.admin,
        MessageChannel::Email,
        &nowhere,
        "a@b.example",
        "unreachable",
    )
    .await;
    let chat_nowhere = ChannelSettingsInput {
        chat_webhook_url: Some("http://chat.does-not-exist.invalid/hook".into()),
        ..channels(25)
    };
    test_fails_saying(
        &c.admin,
        MessageChannel::Chat,
        &chat_nowhere,
        "",
        "unreachable",
    )
    .await;
    // Nothing listens on this port: unreachable, and the outbox keeps the message for a retry.
    let dead = clinicdesk_core::testing::free_port();
    test_fails_saying(
        &c.admin,
        MessageChannel::Email,
        &channels(dead),
        "a@b.example",
        "unreachable",
    )
    .await;
    jobsvc::update_channel_settings(&c.admin, &channels(dead))
        .await
        .unwrap();
    let (doctor, _) = c.doctor("Dr. Down", false).await;
    let p = patient_by_email(&c, "Mia Down", "mia@patients.example").await;
    book(&c, doctor, p, 0).await;
    let r = dispatcher::dispatch(&c.admin, "pc", 5).await.unwrap();
    assert_eq!(r.get("retry"), Some(&1));
    let s = &status_of(&c.admin, "mia@").await[0];
    assert_eq!(s.0, NotificationStatus::Pending);
    assert!(s.1.as_deref().unwrap().contains("unreachable"));

    // A server that wants a login: the wrong password is "authentication failed", the right one works.
    let sink = SmtpSink::start(Some("clinic:s3cret"));
    let mut input = channels(sink.port);
    input.smtp_username = "clinic".into();
    input.smtp_password = Some("wrong".into());
    test_fails_saying(
        &c.admin,
        MessageChannel::Email,
        &input,
        "a@b.example",
        "authentication failed",
    )
    .await;
    input.smtp_password = Some("s3cret".into());
    let ok = jobsvc::send_test(&c.admin, MessageChannel::Email, &input, "a@b.example")
        .await
        .unwrap();
    assert_eq!(ok, "Test email sent to a@b.example.");
    assert_eq!(sink.messages().len(), 1);

    // STARTTLS asked of a server that offers none (a plain relay): refused before any password is sent.
    let starttls = ChannelSettingsInput {
        smtp_security: SmtpSecurity::Starttls,
        ..input.clone()
    };
    test_fails_saying(
        &c.admin,
        MessageChannel::Email,
        &starttls,
        "a@b.example",
        "does not offer STARTTLS",
    )
    .await;
    // Implicit TLS against a plain server: the handshake fails, said as a TLS problem.
    let tls = ChannelSettingsInput {
        smtp_security: SmtpSecurity::Tls,
        ..input.clone()
    };
    test_fails_saying(&c.admin, MessageChannel::Email, &tls, "a@b.example", "TLS").await;
    assert_eq!(
        sink.messages().len(),
        1,
        "nothing went through without the TLS asked for"
    );

    // Saved secrets never come back to the screen; a null secret keeps the stored one.
    let saved = jobsvc::update_channel_settings(&c.admin, &input)
        .await
        .unwrap();
    assert!(saved.has_smtp_password);
    input.smtp_password = None;
    jobsvc::send_test(&c.admin, MessageChannel::Email, &input, "b@b.example")
        .await
        .unwrap();
    assert_eq!(sink.messages().len(), 2);

    // Bad input names its field and changes nothing.
    for (mutate, field) in [
        (
            Box::new(|i: &mut ChannelSettingsInput| i.smtp_port = 0)
                as Box<dyn Fn(&mut ChannelSettingsInput)>,
            "smtp_port",
        ),
        (
            Box::new(|i| i.smtp_from = "not an address".into()),
            "smtp_from",
        ),
        (
            Box::new(|i| {
                i.sms_provider = SmsProvider::Json;
                i.sms_url = "ftp://x".into();
            }),
            "sms_url",
        ),
        (
            Box::new(|i| {
                i.sms_provider = SmsProvider::Json;
                i.sms_url = "http://x".into();
                i.sms_json_template = "{{{body}}".into();
            }),
            "sms_json_template",
        ),
        (
            Box::new(|i| i.chat_webhook_url = Some("chat.example".into())),
            "chat_webhook_url",
        ),
    ] {
        let mut bad = channels(sink.port);
        mutate(&mut bad);
        let e = jobsvc::update_channel_settings(&c.admin, &bad)
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some(field), "{e:?}");
    }
    assert_eq!(
        jobsvc::get_channel_settings(&c.admin)
            .await
            .unwrap()
            .smtp_port,
        sink.port as i32
    );
    let mut js = JobSettings {
        no_show_grace_hours: 0,
        ..JobSettings::default()
    };
    assert_eq!(
        jobsvc::update_job_settings(&c.admin, &js)
            .await
            .unwrap_err()
            .field(),
        Some("no_show_grace_hours")
    );
    js.no_show_grace_hours = 24;
    js.report_recipients = "boss@clinic.example, nope".into();
    assert_eq!(
        jobsvc::update_job_settings(&c.admin, &js)
            .await
            .unwrap_err()
            .field(),
        Some("report_recipients")
    );
}

/// "Send now" after the administrator fixed the email settings: a message waiting out its backoff after a failed
/// attempt goes at once (the background dispatcher may have tried it before the fix, or not: the same outcome).
#[tokio::test]
async fn send_now_sends_a_message_waiting_out_its_backoff() {
    let c = Clinic::new("UTC").await;
    jobsvc::update_channel_settings(&c.admin, &channels(clinicdesk_core::testing::free_port()))
        .await
        .unwrap();
    let (doctor, _) = c.doctor("Dr. Wait", false).await;
    let p = patient_by_email(&c, "Ravi Wait", "ravi@patients.example").await;
    book(&c, doctor, p, 0).await;
    let r = dispatcher::dispatch(&c.admin, "pc", 5).await.unwrap();
    assert_eq!(r.get("retry"), Some(&1), "{r:?}");

    let sink = SmtpSink::start(None);
    jobsvc::update_channel_settings(&c.admin, &channels(sink.port))
        .await
        .unwrap();
    let r = dispatcher::dispatch(&c.admin, "pc", 5).await.unwrap();
    assert_eq!(r.get("sent"), None, "a plain pass leaves it waiting: {r:?}");
    assert_eq!(jobsvc::dispatch_now(&c.admin).await.unwrap(), 1);
    let s = &status_of(&c.admin, "ravi@").await[0];
    assert_eq!(s.0, NotificationStatus::Sent);
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| m.rcpt_tos == ["ravi@patients.example"])
            .count(),
        1
    );
}

#[tokio::test]
async fn only_administrators_see_secrets_run_jobs_or_read_the_outbox() {
    let c = Clinic::new("UTC").await;
    let (_, doctor_pool) = c.doctor("Dr. Own", true).await;
    for pool in [&c.desk, doctor_pool.as_ref().unwrap()] {
        assert!(matches!(
            jobsvc::get_channel_settings(pool).await,
            Err(Error::PermissionDenied(_))
        ));
        assert!(matches!(
            jobsvc::outbox_counts(pool).await,
            Err(Error::PermissionDenied(_))
        ));
        assert!(matches!(
            jobsvc::run_now(pool, JobKind::RemindersDaily, None).await,
            Err(Error::PermissionDenied(_))
        ));
        let raw = sqlx::query("SELECT smtp_password FROM channel_settings")
            .fetch_one(pool.pool())
            .await;
        assert!(raw.is_err());
    }
    let r = jobsvc::run_now(&c.admin, JobKind::WeeklyCleanup, None)
        .await
        .unwrap();
    assert!(r.ran, "{}", r.message);
    let again = jobsvc::run_now(&c.admin, JobKind::WeeklyCleanup, None)
        .await
        .unwrap();
    assert!(!again.ran || again.run.as_ref().unwrap().period != r.run.as_ref().unwrap().period);
}

#[tokio::test]
async fn a_pc_that_starts_late_catches_up_once_and_a_failed_run_is_taken_over() {
    let c = Clinic::new("Pacific/Auckland").await;
    // always due by now, whatever the hour
    let js = JobSettings {
        reminder_time: chrono::NaiveTime::MIN,
        cleanup_time: chrono::NaiveTime::MIN,
        ..JobSettings::default()
    };
    jobsvc::update_job_settings(&c.admin, &js).await.unwrap();
    let ctx = job_ctx(&c.admin, "late-pc");
    let now = Utc::now();
    let runs = runner::run_due(&ctx, now).await.unwrap();
    let names: HashSet<&str> = runs.iter().map(|r| r.job.as_str()).collect();
    assert_eq!(
        names,
        HashSet::from([
            "reminders_daily",
            "monthly_report",
            "weekly_cleanup",
            "no_shows"
        ])
    );
    assert!(
        runs.iter().all(|r| r.outcome.as_deref() == Some("ok")),
        "{runs:?}"
    );
    assert!(runs.iter().any(|r| r.trigger == RunTrigger::CatchUp));
    // A second PC starting a moment later finds everything claimed.
    assert!(
        runner::run_due(&job_ctx(&c.db.owner_pool().await, "other-pc"), now)
            .await
            .unwrap()
            .is_empty()
    );

    // A run that failed may be claimed again (its work is idempotent); one that succeeded may not.
    let owner = c.db.owner_pool().await;
    sqlx::query(
        "UPDATE job_runs SET outcome = 'failed', error = 'boom' WHERE job = 'weekly_cleanup'",
    )
    .execute(&owner)
    .await
    .unwrap();
    let retried = runner::run_due(&ctx, now).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].job, "weekly_cleanup");
    assert_eq!(retried[0].attempts, 2);
}

#[tokio::test]
async fn the_monthly_report_counts_right_lands_as_html_email_and_file_and_stays_private() {
    let c = Clinic::new("UTC").await;
    let sink = SmtpSink::start(None);
    jobsvc::update_channel_settings(&c.admin, &channels(sink.port))
        .await
        .unwrap();
    let js = JobSettings {
        report_recipients: "boss@clinic.example".into(),
        ..JobSettings::default()
    };
    jobsvc::update_job_settings(&c.admin, &js).await.unwrap();
    let (rao, _) = c.doctor("Dr. Asha Rao", false).await;
    let (lee, _) = c.doctor("Dr. Ben Lee", false).await;
    let owner = c.db.owner_pool().await;
    sqlx::query("UPDATE doctors SET email = 'rao@clinic.example' WHERE id = $1")
        .bind(rao)
        .execute(&owner)
        .await
        .unwrap();
    let p1 = c.patient("Pat One").await;
    let p2 = c.patient("Pat Two").await;
    // Last month's history, written as it would have happened (the booking rules forbid booking the past).
    let month = (Utc::now().date_naive().with_day0(0).unwrap() - Duration::days(1))
        .with_day0(0)
        .unwrap();
    let at = |day: u32, hour: u32| {
        month
            .with_day(day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
            .and_utc()
    };
    let mut tx = owner.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    let rows = [
        (rao, p1, at(3, 9), "completed"),
        (rao, p2, at(3, 10), "completed"),
        (rao, p1, at(10, 9), "no_show"),
        (rao, p2, at(12, 9), "cancelled"),
        (lee, p1, at(5, 11), "completed"),
    ];
    for (doc, pat, start, status) in rows {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, cancel_reason)
             VALUES ($1, $2, $3, $3 + interval '15 minutes', $4, CASE WHEN $4 = 'cancelled' THEN 'ill' END) RETURNING id")
            .bind(doc).bind(pat).bind(start).bind(status).fetch_one(&mut *tx).await.unwrap();
        if status == "completed" {
            sqlx::query("INSERT INTO treatments (appointment_id, visit_type, diagnosis, icd10_code) VALUES ($1, 'consultation', 'Acute bronchitis', 'J20.9')")
                .bind(id).execute(&mut *tx).await.unwrap();
        }
    }
    tx.commit().await.unwrap();

    let ctx = job_ctx(&c.admin, "report-pc");
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
    assert_eq!(run.counts["doctors"], 2);
    assert_eq!(run.counts["reports"], 3);
    assert_eq!(
        run.counts["emails_queued"], 2,
        "Dr. Rao (Dr. Lee has no email) and the summary recipient"
    );

    let list = jobsvc::list_reports(&c.admin, month).await.unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].doctor_id, None);
    let rao_report = list.iter().find(|r| r.doctor_id == Some(rao)).unwrap();
    let html = jobsvc::get_report(&c.admin, rao_report.id)
        .await
        .unwrap()
        .html;
    for expected in [
        "<th scope=\"row\">Appointments</th><td class=\"n\">4</td>",
        "<th scope=\"row\">Completed</th><td class=\"n\">2</td>",
        "<th scope=\"row\">Cancelled</th><td class=\"n\">1</td>",
        "<th scope=\"row\">No-show</th><td class=\"n\">1</td>",
        "<th scope=\"row\">Unique patients</th><td class=\"n\">2</td>",
        "<th scope=\"row\">Treatments recorded</th><td class=\"n\">2</td>",
        "<td>J20.9</td><td class=\"n\">2</td>",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    assert!(!html.contains("Pat One"), "patients appear by MRN only");
    assert!(!html.contains("<svg") && !html.contains("<script"));
    let summary = jobsvc::get_report(&c.admin, list[0].id).await.unwrap().html;
    assert!(summary.contains("<th class=\"n\">5</th>"), "clinic total");
    assert!(
        !summary.contains("J20.9") && !summary.contains("bronchitis"),
        "no clinical detail in the summary"
    );
    let folder = ctx.reports_dir.join(month.format("%Y-%m").to_string());
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 3);

    dispatcher::dispatch(&c.admin, "report-pc", 5)
        .await
        .unwrap();
    let mails = sink.messages();
    let to_rao = mails
        .iter()
        .find(|m| m.rcpt_tos == ["rao@clinic.example"])
        .expect("report to the doctor");
    assert!(to_rao.data.contains("multipart/alternative") && to_rao.data.contains("text/html"));
    assert!(mails.iter().any(|m| m.rcpt_tos == ["boss@clinic.example"]));

    // Regenerating rebuilds without emailing again; a doctor reads only their own report.
    let again = jobsvc::regenerate_reports(&c.admin, month).await.unwrap();
    assert!(again.ran && again.run.unwrap().counts["emails_queued"] == 0);
    let (_, lee_pool) = {
        let (id, pool) = c.doctor("Dr. Cy Login", true).await;
        (id, pool.unwrap())
    };
    assert!(jobsvc::list_reports(&lee_pool, month)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        jobsvc::get_report(&lee_pool, rao_report.id).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn cleanup_prunes_sent_messages_and_stale_temp_files_and_no_shows_are_marked_daily() {
    let c = Clinic::new("UTC").await;
    let owner = c.db.owner_pool().await;
    let (doc, _) = c.doctor("Dr. Clean", false).await;
    let p = c.patient("Old Booking").await;
    let mut tx = owner.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, now() - interval '3 days', now() - interval '3 days' + interval '15 minutes'),
                                                                                           ($1, $2, now() - interval '2 hours', now() - interval '105 minutes')")
        .bind(doc).bind(p).execute(&mut *tx).await.unwrap();
    sqlx::query("INSERT INTO notifications (dedupe_key, channel, recipient, body, status, sent_at) VALUES
                 ('old', 'sms', '+1555', 'x', 'sent', now() - interval '200 days'), ('new', 'sms', '+1555', 'y', 'sent', now())")
        .execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let ctx = job_ctx(&c.admin, "cleaner");
    let stale = ctx.reports_dir.join("2026-01");
    std::fs::create_dir_all(&stale).unwrap();
    let old_tmp = ctx.reports_dir.join(".visits.csv.partial-1-2");
    let fresh_tmp = ctx.reports_dir.join(".visits.csv.partial-1-3");
    for f in [&old_tmp, &fresh_tmp] {
        std::fs::write(f, "x").unwrap();
    }
    std::fs::File::options()
        .write(true)
        .open(&old_tmp)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86400))
        .unwrap();

    let run = jobs::run_once(
        &ctx,
        &jobs::manual(JobKind::WeeklyCleanup, chrono_tz::UTC, Utc::now()),
        RunTrigger::Manual,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(run.counts["sent_messages_pruned"], 1);
    assert_eq!(run.counts["temp_files_removed"], 1);
    assert!(!old_tmp.exists() && fresh_tmp.exists());

    // no-shows are the daily job's, any day of the week
    let run = jobs::run_once(
        &ctx,
        &jobs::manual(JobKind::NoShows, chrono_tz::UTC, Utc::now()),
        RunTrigger::Manual,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        run.counts["marked_no_show"], 1,
        "only the one past the 24 h grace"
    );
    let statuses: Vec<String> = sqlx::query_scalar(
        "SELECT status FROM appointments WHERE patient_id = $1 ORDER BY starts_at",
    )
    .bind(p)
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(statuses, ["no_show", "booked"]);
}

#[tokio::test]
async fn the_staff_digest_goes_to_the_chat_webhook_with_counts_only() {
    let c = Clinic::new("UTC").await;
    let chat = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&chat)
        .await;
    let mut input = channels(1);
    input.smtp_host = String::new();
    input.chat_webhook_url = Some(format!("{}/chat", chat.uri()));
    jobsvc::update_channel_settings(&c.admin, &input)
        .await
        .unwrap();
    assert!(
        jobsvc::get_channel_settings(&c.admin)
            .await
            .unwrap()
            .has_chat_webhook
    );
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let (lee, _) = c.doctor("Dr. Lee", false).await;
    let (p1, p2, p3) = (
        c.patient("A One").await,
        c.patient("B Two").await,
        c.patient("C Three").await,
    );
    book(&c, rao, p1, 0).await;
    book(&c, rao, p2, 1).await;
    let (_, day) = book(&c, lee, p3, 2).await;
    let run = jobs::run_once(
        &job_ctx(&c.admin, "pc"),
        &reminders_for(day, "digest"),
        RunTrigger::Manual,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(run.counts["digest"], 1);
    // Confirmations and reminders are SMS (no gateway set up: they fail with the reason), the digest goes.
    dispatcher::dispatch(&c.admin, "pc", 5).await.unwrap();
    let posts = chat.received_requests().await.unwrap();
    assert_eq!(posts.len(), 1);
    let text = serde_json::from_slice::<serde_json::Value>(&posts[0].body).unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("3 appointments — Dr. Rao 2, Dr. Lee 1"),
        "{text}"
    );
    assert!(
        !text.contains("One") && !text.contains("Two"),
        "no patient names in the staff chat"
    );
    let sms = failed_sms(&c.admin).await;
    assert_eq!(sms.len(), 6);
    assert!(sms[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("SMS is not set up"));
}

#[tokio::test]
async fn a_message_left_sending_by_a_dead_pc_is_taken_over_after_its_lease_and_not_before() {
    use clinicdesk_core::db::notifications;
    let c = Clinic::new("UTC").await;
    let owner = c.db.owner_pool().await;
    let gateway = sms_gateway(&c).await;
    let (doctor, _) = c.doctor("Dr. Lease", false).await;
    let p = c.patient("Lee Lease").await;
    book(&c, doctor, p, 0).await;

    // A PC claims the confirmation and dies before sending it.
    let mut conn = owner.acquire().await.unwrap();
    let claimed = notifications::claim_due(&mut conn, "dead-pc", 10, 120)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // While its lease holds, other dispatchers leave the message alone.
    assert!(dispatcher::dispatch(&c.admin, "pc-2", 5)
        .await
        .unwrap()
        .is_empty());
    sqlx::query("UPDATE notifications SET claimed_until = now() - interval '1 second'")
        .execute(&owner)
        .await
        .unwrap();
    assert_eq!(
        dispatcher::dispatch(&c.admin, "pc-2", 5)
            .await
            .unwrap()
            .get("sent"),
        Some(&1)
    );
    // The dead PC coming back cannot overwrite what the new owner recorded.
    assert_eq!(
        notifications::mark_sent(&mut conn, "dead-pc", &[claimed[0].id])
            .await
            .unwrap(),
        0
    );
    notifications::mark_failed(&mut conn, "dead-pc", claimed[0].id, "late", None)
        .await
        .unwrap();
    assert_eq!(
        status_of(&c.admin, "+44").await[0].0,
        NotificationStatus::Sent
    );
    assert_eq!(gateway.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_scheduler_catches_up_when_it_starts_and_drains_the_outbox_on_its_own() {
    let c = Clinic::new("UTC").await;
    let gateway = sms_gateway(&c).await;
    let (doctor, _) = c.doctor("Dr. Tick", false).await;
    let p = c.patient("Tia Tick").await;
    book(&c, doctor, p, 0).await;

    let runner = runner::Runner::start(job_ctx(&c.admin, "ticking-pc"))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let (mut runs, mut sent) = (0, 0);
    while std::time::Instant::now() < deadline {
        runs = jobsvc::runs(&c.admin, None, 50).await.unwrap().len();
        sent = jobsvc::outbox_counts(&c.admin).await.unwrap().sent;
        if runs >= 2 && sent == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    runner.stop().await;
    // Monthly report and weekly cleanup are always due for their current period; reminders only after 08:00.
    assert!(runs >= 2, "the catch-up ran at start ({runs} runs)");
    assert_eq!(
        sent, 1,
        "the booking confirmation went out without anyone pressing a button"
    );
    assert_eq!(gateway.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_backup_job_runs_once_a_day_where_the_database_is_and_not_from_an_admin_session() {
    let c = Clinic::new("UTC").await;
    let owner = c.db.owner_pool().await;
    let dir = tempfile::tempdir().unwrap();
    sqlx::query("UPDATE backup_settings SET enabled = true, run_at = '00:00', folder = $1")
        .bind(dir.path().display().to_string())
        .execute(&owner)
        .await
        .unwrap();
    // An administrator's session on a desk runs the other jobs but leaves the backup alone.
    let desk_runs = runner::run_due(&job_ctx(&c.admin, "desk"), Utc::now())
        .await
        .unwrap();
    assert!(desk_runs.iter().all(|r| r.job != "backup"));

    let ctx = runner::owner_context(&c.db.target, None)
        .await
        .unwrap()
        .expect("owner context");
    let runs = runner::run_due(&ctx, Utc::now()).await.unwrap();
    let backup = runs
        .iter()
        .find(|r| r.job == "backup")
        .expect("the backup ran");
    assert_eq!(backup.outcome.as_deref(), Some("ok"), "{:?}", backup.error);
    assert!(backup.counts["bytes"] > 0);
    let dumps = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "dump")
        })
        .count();
    assert_eq!(dumps, 1);
    assert!(
        runner::run_due(&ctx, Utc::now()).await.unwrap().is_empty(),
        "once a day"
    );
}

#[tokio::test]
async fn a_lease_renewed_while_sending_keeps_other_pcs_off_and_a_live_job_is_never_taken_for_dead()
{
    use clinicdesk_core::db::{job_runs, notifications};
    let c = Clinic::new("UTC").await;
    let owner = c.db.owner_pool().await;
    let (doctor, _) = c.doctor("Dr. Slow", false).await;
    let p = c.patient("Sol Slow").await;
    book(&c, doctor, p, 0).await;

    // A slow PC holds the confirmation; its lease is about to run out, and it renews it while still sending.
    let mut conn = owner.acquire().await.unwrap();
    let claimed = notifications::claim_due(&mut conn, "slow-pc", 10, 120)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    sqlx::query("UPDATE notifications SET claimed_until = now() + interval '1 second'")
        .execute(&owner)
        .await
        .unwrap();
    let ids = [claimed[0].id];
    assert_eq!(
        notifications::renew_lease(&mut conn, "slow-pc", &ids, 120)
            .await
            .unwrap(),
        1
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(
        dispatcher::dispatch(&c.admin, "pc-2", 5)
            .await
            .unwrap()
            .is_empty(),
        "another PC took over a message whose lease was renewed"
    );
    // Another PC cannot renew a lease it does not hold.
    assert_eq!(
        notifications::renew_lease(&mut conn, "pc-2", &ids, 120)
            .await
            .unwrap(),
        0
    );

    // A job that has run for an hour but beats its heart is not claimable; one whose heart stopped is.
    let run = job_runs::claim(
        &mut conn,
        "backup",
        "2026-11-28",
        "busy-pc",
        RunTrigger::Schedule,
    )
    .await
    .unwrap()
    .expect("claimed");
    sqlx::query("UPDATE job_runs SET started_at = now() - interval '1 hour' WHERE id = $1")
        .bind(run)
        .execute(&owner)
        .await
        .unwrap();
    job_runs::heartbeat(&mut conn, run).await.unwrap();
    assert!(job_runs::is_claimed(&mut conn, "backup", "2026-11-28")
        .await
        .unwrap());
    assert!(job_runs::claim(
        &mut conn,
        "backup",
        "2026-11-28",
        "pc-2",
        RunTrigger::CatchUp
    )
    .await
    .unwrap()
    .is_none());
    sqlx::query("UPDATE job_runs SET heartbeat_at = now() - interval '4 minutes' WHERE id = $1")
        .bind(run)
        .execute(&owner)
        .await
        .unwrap();
    assert!(!job_runs::is_claimed(&mut conn, "backup", "2026-11-28")
        .await
        .unwrap());
    assert_eq!(
        job_runs::claim(
            &mut conn,
            "backup",
            "2026-11-28",
            "pc-2",
            RunTrigger::CatchUp
        )
        .await
        .unwrap(),
        Some(run),
        "a dead PC's run is taken over"
    );
}

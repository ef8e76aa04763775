//! Reminder rules (issue 15, part 2) against real parts: a throwaway PostgreSQL plans the reminders as outbox rows,
//! a real SMTP server on loopback (aiosmtpd) and a local SMS gateway (wiremock) receive them. Covers a DST change
//! inside the lead window, quiet hours, reschedule and cancel, bad input, and three planners and three dispatchers
//! racing (each reminder planned once, sent once).

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use clinicdesk_core::db::channel_settings::{ChannelSettingsInput, SmsProvider, SmtpSecurity};
use clinicdesk_core::db::patients::{ConsentMethod, PatientInput, ReminderChannel, Sex};
use clinicdesk_core::db::reminder_rules::{
    QuietHours, ReminderRuleChannel, ReminderRuleInput, ReminderRuleKind,
};
use clinicdesk_core::jobs::dispatcher;
use clinicdesk_core::services::{
    jobs as jobsvc, patients, reminder_rules as rules, scheduling as appts,
};
use clinicdesk_core::testing::{Clinic, SmtpSink};
use clinicdesk_core::Error;
use sqlx::{PgPool, Row};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn lead(minutes: i32, channel: ReminderRuleChannel) -> ReminderRuleInput {
    ReminderRuleInput {
        kind: ReminderRuleKind::Lead,
        lead_minutes: Some(minutes),
        local_time: None,
        channel,
    }
}

fn evening(at: NaiveTime, channel: ReminderRuleChannel) -> ReminderRuleInput {
    ReminderRuleInput {
        kind: ReminderRuleKind::EveningBefore,
        lead_minutes: None,
        local_time: Some(at),
        channel,
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// A consenting patient with both a phone and an email.
async fn patient(c: &Clinic, name: &str, n: usize) -> i64 {
    let input = PatientInput {
        full_name: name.into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1980, 1, 1 + (n % 28) as u32).unwrap(),
        sex: Sex::Female,
        phone: Some(format!("+44 7700 900{n:03}")),
        email: Some(format!("p{n}@patients.example")),
        address: String::new(),
        emergency_contact: String::new(),
        preferred_channel: ReminderChannel::Email,
        preferred_language: "en".into(),
        reminder_consent: true,
        opted_out: false,
        consent_method: Some(ConsentMethod::Desk),
    };
    patients::register(&c.desk, &input).await.unwrap().id
}

/// One planned or withdrawn reminder, as the outbox holds it.
#[derive(Debug, Clone)]
struct Planned {
    channel: String,
    recipient: String,
    status: String,
    due: DateTime<Utc>,
    planned_for: Option<DateTime<Utc>>,
    rule: Option<i64>,
    last_error: Option<String>,
    body: String,
}

async fn reminders_of(owner: &PgPool, appointment: i64) -> Vec<Planned> {
    sqlx::query(
        "SELECT channel, recipient, status, next_attempt_at, planned_for, reminder_rule_id, last_error, body
           FROM notifications WHERE kind = 'reminder' AND appointment_id = $1
          ORDER BY next_attempt_at, channel, id",
    )
    .bind(appointment)
    .fetch_all(owner)
    .await
    .unwrap()
    .into_iter()
    .map(|r| Planned {
        channel: r.get(0),
        recipient: r.get(1),
        status: r.get(2),
        due: r.get(3),
        planned_for: r.get(4),
        rule: r.get(5),
        last_error: r.get(6),
        body: r.get(7),
    })
    .collect()
}

fn pending(v: &[Planned]) -> Vec<&Planned> {
    v.iter().filter(|p| p.status == "pending").collect()
}

/// A DST change inside the lead window (Europe/London springs forward on Sunday 28 March 2027, 01:00 UTC): a lead
/// time is elapsed time, the evening before is the clinic's wall clock on either side of the change, and an SMS
/// due inside the quiet hours moves to their end (the next allowed minute) while the email keeps its time.
#[tokio::test]
async fn rules_plan_at_booking_across_a_dst_change_with_quiet_hours() {
    let c = Clinic::new("Europe/London").await;
    let owner = c.db.owner_pool().await;
    let (doctor, _) = c.doctor("Dr. Asha Rao", false).await;
    let p = patient(&c, "Omar Haddad", 1).await;
    let two_h = rules::add(&c.admin, &lead(120, ReminderRuleChannel::Both))
        .await
        .unwrap();
    let two_days = rules::add(&c.admin, &lead(48 * 60, ReminderRuleChannel::Email))
        .await
        .unwrap();
    let eve = rules::add(&c.admin, &evening(t(18, 0), ReminderRuleChannel::Sms))
        .await
        .unwrap();
    let q = rules::set_quiet_hours(
        &c.admin,
        &QuietHours {
            start: Some(t(21, 0)),
            end: Some(t(8, 0)),
        },
    )
    .await
    .unwrap();
    assert_eq!(q.start, Some(t(21, 0)));
    assert_eq!(
        rules::list(&c.desk).await.unwrap().len(),
        3,
        "the desk reads the rules"
    );

    // Sunday 28 March 09:00 BST = 08:00 UTC (the clocks went forward that night)
    let sunday = appts::book(&c.desk, doctor, p, utc(2027, 3, 28, 8, 0))
        .await
        .unwrap();
    let r = reminders_of(&owner, sunday.id).await;
    assert_eq!(r.len(), 4, "{r:#?}");
    let by = |rule: i64, channel: &str| {
        r.iter()
            .find(|x| x.rule == Some(rule) && x.channel == channel)
            .unwrap_or_else(|| panic!("no {channel} reminder for rule {rule}: {r:#?}"))
            .clone()
    };
    // 48 h before = Friday 26 March 08:00 UTC, 08:00 GMT (elapsed time: one wall-clock hour earlier than 09:00)
    assert_eq!(by(two_days.id, "email").due, utc(2027, 3, 26, 8, 0));
    // the evening before: Saturday 27 March 18:00 GMT = 18:00 UTC
    assert_eq!(by(eve.id, "sms").due, utc(2027, 3, 27, 18, 0));
    // 2 h before = 06:00 UTC = 07:00 BST: the email goes then; the SMS is in the quiet hours until 08:00 BST
    assert_eq!(by(two_h.id, "email").due, utc(2027, 3, 28, 6, 0));
    let sms = by(two_h.id, "sms");
    assert_eq!(sms.due, utc(2027, 3, 28, 7, 0));
    assert_eq!(sms.planned_for, Some(utc(2027, 3, 28, 6, 0)));
    assert_eq!(sms.recipient, "+447700900001");
    assert_eq!(by(two_h.id, "email").recipient, "p1@patients.example");
    assert!(r.iter().all(|x| x.status == "pending"));
    assert!(
        r.iter().all(|x| x.body.contains("Hello Omar")
            && x.body.contains("Dr. Asha Rao")
            && x.body.contains("Sun 28/03/2027 at 09:00")
            && !x.body.contains("General Medicine")),
        "{r:#?}"
    );

    // Monday 29 March 09:00 BST: the evening before is Sunday 18:00 BST = 17:00 UTC (wall clock, after the change)
    let monday = appts::book(&c.desk, doctor, p, utc(2027, 3, 29, 8, 0))
        .await
        .unwrap();
    let r = reminders_of(&owner, monday.id).await;
    let eve_sms = r.iter().find(|x| x.rule == Some(eve.id)).unwrap();
    assert_eq!(eve_sms.due, utc(2027, 3, 28, 17, 0));

    // New quiet hours move the SMS reminders already planned (from their rule's time), not the emails
    rules::set_quiet_hours(
        &c.admin,
        &QuietHours {
            start: Some(t(17, 30)),
            end: Some(t(19, 0)),
        },
    )
    .await
    .unwrap();
    let r = reminders_of(&owner, sunday.id).await;
    let eve_sms = r.iter().find(|x| x.rule == Some(eve.id)).unwrap();
    assert_eq!(
        eve_sms.due,
        utc(2027, 3, 27, 19, 0),
        "18:00 GMT is now quiet: 19:00"
    );
    let two_h_sms = r
        .iter()
        .find(|x| x.rule == Some(two_h.id) && x.channel == "sms")
        .unwrap();
    assert_eq!(
        two_h_sms.due,
        utc(2027, 3, 28, 6, 0),
        "07:00 BST is no longer quiet"
    );
}

/// Not planned: a due time already past when the appointment is booked (the patient has the booking confirmation),
/// an SMS the quiet hours would push to the start or later, a patient without the rule's channel. The planning job
/// finds nothing more to plan, and plans what a bulk load (not a staff session) left out.
#[tokio::test]
async fn past_due_times_and_sms_pushed_past_the_start_are_not_planned_and_the_job_catches_up() {
    let c = Clinic::new("UTC").await;
    let owner = c.db.owner_pool().await;
    let (doctor, _) = c.doctor("Dr. Lee", false).await;
    let p = patient(&c, "Bea Lin", 2).await;
    let sms_only = c.patient("Cai Sms").await; // phone, no email
    let fortnight = rules::add(&c.admin, &lead(14 * 24 * 60, ReminderRuleChannel::Email))
        .await
        .unwrap();
    let day = rules::add(&c.admin, &lead(24 * 60, ReminderRuleChannel::Email))
        .await
        .unwrap();
    let hour = rules::add(&c.admin, &lead(60, ReminderRuleChannel::Sms))
        .await
        .unwrap();
    rules::set_quiet_hours(
        &c.admin,
        &QuietHours {
            start: Some(t(20, 0)),
            end: Some(t(9, 30)),
        },
    )
    .await
    .unwrap();

    // the day after tomorrow 09:00 UTC: 14 days before is past, 24 h before is ahead; the 1 h SMS (08:00) would
    // move to 09:30, after the start
    let start = (Utc::now() + Duration::days(2))
        .date_naive()
        .and_time(t(9, 0))
        .and_utc();
    let a = appts::book(&c.desk, doctor, p, start).await.unwrap();
    let r = reminders_of(&owner, a.id).await;
    assert_eq!(r.len(), 1, "{r:#?}");
    assert_eq!(r[0].rule, Some(day.id));
    assert_eq!(r[0].due, start - Duration::hours(24));
    assert!(!r
        .iter()
        .any(|x| x.rule == Some(fortnight.id) || x.rule == Some(hour.id)));

    // an SMS-only patient at 11:00: the 1 h SMS at 10:00 is planned, the email rules find no address
    let b = appts::book(&c.desk, doctor, sms_only, start + Duration::hours(2))
        .await
        .unwrap();
    let r = reminders_of(&owner, b.id).await;
    assert_eq!(r.len(), 1, "{r:#?}");
    assert_eq!((r[0].rule, r[0].channel.as_str()), (Some(hour.id), "sms"));
    assert_eq!(r[0].due, start + Duration::hours(1));

    // a bulk load by the owner plans nothing by itself; the job plans it, and a second run nothing more
    sqlx::query(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(doctor)
    .bind(p)
    .bind(start + Duration::hours(4))
    .bind(start + Duration::hours(4) + Duration::minutes(15))
    .execute(&owner)
    .await
    .unwrap();
    let loaded: i64 = sqlx::query_scalar("SELECT max(id) FROM appointments")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(reminders_of(&owner, loaded).await.is_empty());
    let first = rules::plan(&c.admin).await.unwrap();
    assert_eq!(
        first.planned, 2,
        "{first:?}: the loaded one's 24 h email and 1 h SMS"
    );
    assert_eq!(first.already_planned, 2, "{first:?}");
    // too late: the 14-day emails of the two (loaded, booked) with email, the booked one's 09:30 SMS
    assert_eq!(first.too_late, 3, "{first:?}");
    assert_eq!(
        first.no_contact, 2,
        "{first:?}: the SMS-only patient's two email rules"
    );
    let second = rules::plan(&c.admin).await.unwrap();
    assert_eq!(second.planned, 0);
    assert_eq!(second.already_planned, 4);
    assert_eq!(reminders_of(&owner, loaded).await.len(), 2);

    // the desk cannot run the planner
    let e = rules::plan(&c.desk).await.unwrap_err();
    assert!(matches!(e, Error::PermissionDenied(_)), "{e:?}");
}

/// Rescheduling withdraws the pending reminders and plans the new time (also back to the old one); cancelling
/// withdraws them; removing a rule withdraws its own; adding a rule plans it for what is already booked; a new
/// contact, an opt-out and consent given back re-plan the patient's; an opted-out patient gets none.
#[tokio::test]
async fn rescheduling_replans_cancelling_and_removing_a_rule_withdraw() {
    let c = Clinic::new("Europe/London").await;
    let owner = c.db.owner_pool().await;
    let (doctor, _) = c.doctor("Dr. Rao", false).await;
    let p = patient(&c, "Dara Moss", 3).await;
    let both = rules::add(&c.admin, &lead(60, ReminderRuleChannel::Both))
        .await
        .unwrap();
    let first = utc(2027, 6, 10, 9, 0); // 10:00 BST
    let second = utc(2027, 6, 11, 13, 0); // 14:00 BST
    let a = appts::book(&c.desk, doctor, p, first).await.unwrap();
    let r = reminders_of(&owner, a.id).await;
    assert_eq!(pending(&r).len(), 2);
    assert!(pending(&r)
        .iter()
        .all(|x| x.due == first - Duration::hours(1)));

    appts::reschedule(&c.desk, a.id, second).await.unwrap();
    let r = reminders_of(&owner, a.id).await;
    let live = pending(&r);
    assert_eq!(live.len(), 2, "{r:#?}");
    assert!(live.iter().all(
        |x| x.due == second - Duration::hours(1) && x.body.contains("Fri 11/06/2027 at 14:00")
    ));
    let withdrawn: Vec<_> = r.iter().filter(|x| x.status == "cancelled").collect();
    assert_eq!(withdrawn.len(), 2);
    assert!(withdrawn.iter().all(|x| x.due == first - Duration::hours(1)
        && x.last_error.as_deref() == Some("withdrawn: the appointment moved")));

    // moved back to the first time: planned afresh (the withdrawn rows do not block it)
    appts::reschedule(&c.desk, a.id, first).await.unwrap();
    let r = reminders_of(&owner, a.id).await;
    assert_eq!(r.len(), 6);
    assert_eq!(pending(&r).len(), 2);
    assert!(pending(&r)
        .iter()
        .all(|x| x.due == first - Duration::hours(1)));

    // a rule added later plans for the appointments already booked; removed, its pending ones are withdrawn
    let eve = rules::add(&c.admin, &evening(t(18, 0), ReminderRuleChannel::Email))
        .await
        .unwrap();
    let r = reminders_of(&owner, a.id).await;
    assert_eq!(pending(&r).len(), 3);
    let eve_row = pending(&r)
        .into_iter()
        .find(|x| x.rule == Some(eve.id))
        .unwrap()
        .clone();
    assert_eq!(
        eve_row.due,
        utc(2027, 6, 9, 17, 0),
        "18:00 BST the day before"
    );
    rules::remove(&c.admin, eve.id).await.unwrap();
    let r = reminders_of(&owner, a.id).await;
    assert_eq!(pending(&r).len(), 2);
    assert_eq!(
        r.iter()
            .filter(|x| x.last_error.as_deref() == Some("withdrawn: the reminder rule was removed"))
            .count(),
        1
    );
    let e = rules::remove(&c.admin, eve.id).await.unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");

    appts::cancel(&c.desk, a.id, "patient called")
        .await
        .unwrap();
    let r = reminders_of(&owner, a.id).await;
    assert!(pending(&r).is_empty(), "{r:#?}");
    assert_eq!(
        r.iter()
            .filter(|x| x.last_error.as_deref() == Some("withdrawn: the appointment was cancelled"))
            .count(),
        2
    );
    assert!(rules::list(&c.admin)
        .await
        .unwrap()
        .iter()
        .any(|x| x.id == both.id));

    // a new email address, an opt-out, consent given back: the future reminders follow the patient's record
    let c2 = appts::book(&c.desk, doctor, p, second).await.unwrap();
    assert_eq!(pending(&reminders_of(&owner, c2.id).await).len(), 2);
    sqlx::query("UPDATE patients SET email = 'dara.new@patients.example' WHERE id = $1")
        .bind(p)
        .execute(&owner)
        .await
        .unwrap();
    let r = reminders_of(&owner, c2.id).await;
    let live = pending(&r);
    assert_eq!(live.len(), 2, "{r:#?}");
    assert!(live
        .iter()
        .any(|x| x.channel == "email" && x.recipient == "dara.new@patients.example"));
    sqlx::query("UPDATE patients SET reminder_consent = false, opted_out = true, consent_method = 'message' WHERE id = $1")
        .bind(p)
        .execute(&owner)
        .await
        .unwrap();
    assert!(pending(&reminders_of(&owner, c2.id).await).is_empty());
    sqlx::query("UPDATE patients SET reminder_consent = true, opted_out = false, consent_method = 'desk' WHERE id = $1")
        .bind(p)
        .execute(&owner)
        .await
        .unwrap();
    let r = reminders_of(&owner, c2.id).await;
    assert_eq!(pending(&r).len(), 2, "{r:#?}");
    assert!(pending(&r)
        .iter()
        .all(|x| x.due == second - Duration::hours(1)));
    appts::cancel(&c.desk, c2.id, "moved away").await.unwrap();

    // an opted-out patient: nothing planned
    let out = patient(&c, "Eli Quiet", 4).await;
    sqlx::query("UPDATE patients SET reminder_consent = false, opted_out = true, consent_method = 'paper' WHERE id = $1")
        .bind(out)
        .execute(&owner)
        .await
        .unwrap();
    let b = appts::book(&c.desk, doctor, out, second).await.unwrap();
    assert!(reminders_of(&owner, b.id).await.is_empty());
}

/// Bad input is a field error and writes nothing; a duplicate rule is a field error; the desk cannot add rules.
#[tokio::test]
async fn bad_rules_and_quiet_hours_are_field_errors_and_write_nothing() {
    let c = Clinic::new("UTC").await;
    let field_of = |e: Error| match e {
        Error::Validation { field, message } => (field, message),
        other => panic!("not a field error: {other:?}"),
    };
    for (input, field) in [
        (lead(0, ReminderRuleChannel::Sms), "lead_minutes"),
        (lead(-5, ReminderRuleChannel::Sms), "lead_minutes"),
        (
            lead(14 * 24 * 60 + 1, ReminderRuleChannel::Email),
            "lead_minutes",
        ),
        (
            ReminderRuleInput {
                lead_minutes: None,
                ..lead(1, ReminderRuleChannel::Both)
            },
            "lead_minutes",
        ),
        (
            ReminderRuleInput {
                local_time: None,
                ..evening(t(18, 0), ReminderRuleChannel::Both)
            },
            "local_time",
        ),
    ] {
        let (f, m) = field_of(rules::add(&c.admin, &input).await.unwrap_err());
        assert_eq!(f, field, "{input:?}: {m}");
    }
    let (_, m) = field_of(
        rules::add(
            &c.admin,
            &lead(14 * 24 * 60 + 1, ReminderRuleChannel::Email),
        )
        .await
        .unwrap_err(),
    );
    assert!(m.contains("14 days"), "{m}");
    // the edges are allowed
    rules::add(&c.admin, &lead(1, ReminderRuleChannel::Sms))
        .await
        .unwrap();
    rules::add(&c.admin, &lead(14 * 24 * 60, ReminderRuleChannel::Sms))
        .await
        .unwrap();
    let (f, m) = field_of(
        rules::add(&c.admin, &lead(1, ReminderRuleChannel::Sms))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (f.as_str(), m.as_str()),
        ("kind", "That reminder rule exists already.")
    );
    assert_eq!(rules::list(&c.admin).await.unwrap().len(), 2);

    for (q, field) in [
        ((Some(t(21, 0)), Some(t(21, 0))), "quiet_end"),
        ((Some(t(0, 0)), Some(t(0, 0))), "quiet_end"),
        ((Some(t(21, 0)), None), "quiet_end"),
        ((None, Some(t(8, 0))), "quiet_start"),
    ] {
        let input = QuietHours {
            start: q.0,
            end: q.1,
        };
        let (f, m) = field_of(rules::set_quiet_hours(&c.admin, &input).await.unwrap_err());
        assert_eq!(f, field, "{input:?}: {m}");
    }
    let q = rules::quiet_hours(&c.admin).await.unwrap();
    assert_eq!((q.start, q.end), (None, None), "nothing written");

    let e = rules::add(&c.desk, &lead(30, ReminderRuleChannel::Sms))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::PermissionDenied(_)), "{e:?}");
    let e = rules::set_quiet_hours(
        &c.desk,
        &QuietHours {
            start: Some(t(22, 0)),
            end: Some(t(7, 0)),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::PermissionDenied(_)), "{e:?}");
    assert_eq!(rules::list(&c.admin).await.unwrap().len(), 2);
}

/// Three PCs plan the same appointments at once, then three dispatchers drain the outbox at once: every reminder
/// is planned once and reaches the real SMTP server or the SMS gateway once.
#[tokio::test]
async fn three_planners_and_three_dispatchers_plan_and_send_each_reminder_once() {
    let c = Clinic::new("Europe/London").await;
    let owner = c.db.owner_pool().await;
    let sink = SmtpSink::start(None);
    let gateway = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&gateway)
        .await;
    jobsvc::update_channel_settings(
        &c.admin,
        &ChannelSettingsInput {
            smtp_host: "127.0.0.1".into(),
            smtp_port: sink.port as i32,
            smtp_security: SmtpSecurity::Plain,
            smtp_username: String::new(),
            smtp_password: None,
            smtp_from: "Riverside Clinic <desk@riverside.example>".into(),
            sms_provider: SmsProvider::Json,
            sms_url: format!("{}/sms", gateway.uri()),
            sms_account_sid: String::new(),
            sms_token: None,
            sms_from: String::new(),
            sms_json_template: r#"{"to": "{{to}}", "message": "{{body}}"}"#.into(),
            chat_webhook_url: None,
        },
    )
    .await
    .unwrap();
    let (doctor, _) = c.doctor("Dr. Lee", false).await;
    rules::add(&c.admin, &lead(60, ReminderRuleChannel::Both))
        .await
        .unwrap();
    rules::add(&c.admin, &lead(24 * 60, ReminderRuleChannel::Email))
        .await
        .unwrap();
    rules::add(&c.admin, &evening(t(18, 0), ReminderRuleChannel::Sms))
        .await
        .unwrap();

    // eight appointments three days ahead, loaded by the owner (so that booking itself plans nothing)
    let day = (Utc::now() + Duration::days(3)).date_naive();
    for i in 0..8 {
        let p = patient(&c, &format!("Racer {i}"), 10 + i).await;
        let start = day.and_time(t(9, 0)).and_utc() + Duration::minutes(15 * i as i64);
        sqlx::query(
            "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(doctor)
        .bind(p)
        .bind(start)
        .bind(start + Duration::minutes(15))
        .execute(&owner)
        .await
        .unwrap();
    }
    let pools = [
        c.admin.pool().clone(),
        owner.clone(),
        c.admin.pool().clone(),
    ];
    let counts = futures_util::future::join_all(
        pools
            .iter()
            .map(|p| async move { rules::plan(p).await.unwrap() }),
    )
    .await;
    // 8 × (email + SMS at 1 h, email at 24 h, SMS the evening before)
    assert_eq!(
        counts.iter().map(|c| c.planned).sum::<i64>(),
        32,
        "{counts:?}"
    );
    assert_eq!(
        counts.iter().map(|c| c.already_planned).sum::<i64>(),
        64,
        "{counts:?}"
    );
    let planned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE kind = 'reminder'")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(planned, 32);
    // audited once per pass that planned something (not once per row), with the count
    let audited: Vec<i64> = sqlx::query_scalar(
        "SELECT (details->>'planned')::bigint FROM audit_log WHERE action = 'reminders_planned' AND row_id IS NULL",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(audited.iter().sum::<i64>(), 32, "{audited:?}");
    let per_row: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE table_name = 'notifications' AND action = 'insert'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(per_row, 0);

    // nothing is due yet: the dispatchers send nothing
    let none = dispatcher::dispatch(&c.admin, "pc-0", 100).await.unwrap();
    assert_eq!(none.get("sent").copied().unwrap_or(0), 0, "{none:?}");
    sqlx::query("UPDATE notifications SET next_attempt_at = now() WHERE kind = 'reminder' AND status = 'pending'")
        .execute(&owner)
        .await
        .unwrap();
    let (a, b, d) = tokio::join!(
        dispatcher::dispatch(&c.admin, "pc-a", 100),
        dispatcher::dispatch(&owner, "pc-b", 100),
        dispatcher::dispatch(&c.admin, "pc-c", 100),
    );
    let sent: i64 = [a.unwrap(), b.unwrap(), d.unwrap()]
        .iter()
        .map(|r| r.get("sent").copied().unwrap_or(0))
        .sum();
    assert_eq!(sent, 32);
    let mails = sink.messages();
    assert_eq!(mails.len(), 16, "8 × two email reminders");
    let mut per_mailbox: std::collections::HashMap<Vec<String>, usize> = Default::default();
    for m in &mails {
        *per_mailbox.entry(m.rcpt_tos.clone()).or_default() += 1;
    }
    assert_eq!(per_mailbox.len(), 8);
    assert!(per_mailbox.values().all(|n| *n == 2), "{per_mailbox:?}");
    assert!(mails
        .iter()
        .all(|m| m.data.contains("Appointment reminder")));
    let sms = gateway.received_requests().await.unwrap();
    assert_eq!(sms.len(), 16, "8 × two SMS reminders");
    let bodies: HashSet<String> = sms
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(
        bodies.len(),
        8,
        "two SMS per patient, the same words, one each per rule"
    );
    let per_recipient: HashSet<String> = sms
        .iter()
        .map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["to"].to_string())
        .collect();
    assert_eq!(per_recipient.len(), 8);
    let sent_rows: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE kind = 'reminder' AND status = 'sent'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(sent_rows, 32);
}

/// A clinic that reminds by its rules only turns the same-day job's own messages off: the daily run still plans
/// the rules' catch-up, and queues no "on the day" reminder.
#[tokio::test]
async fn with_the_same_day_job_off_the_daily_run_only_plans_the_rules() {
    use clinicdesk_core::db::job_runs::RunTrigger;
    use clinicdesk_core::db::job_settings::JobSettings;
    use clinicdesk_core::jobs::{self, Due, JobContext, JobKind, Scope};
    let c = Clinic::new("UTC").await;
    let owner = c.db.owner_pool().await;
    let (doctor, _) = c.doctor("Dr. Lee", false).await;
    let p = patient(&c, "Fay Rules", 5).await;
    rules::add(&c.admin, &lead(120, ReminderRuleChannel::Email))
        .await
        .unwrap();
    let saved = jobsvc::update_job_settings(
        &c.admin,
        &JobSettings {
            same_day_enabled: false,
            ..JobSettings::default()
        },
    )
    .await
    .unwrap();
    assert!(!saved.same_day_enabled);
    // booked by a bulk load (not planned at booking), tomorrow 10:00
    let start = (Utc::now() + Duration::days(1))
        .date_naive()
        .and_time(t(10, 0))
        .and_utc();
    sqlx::query(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(doctor)
    .bind(p)
    .bind(start)
    .bind(start + Duration::minutes(15))
    .execute(&owner)
    .await
    .unwrap();
    let mut ctx = JobContext::new(c.admin.pool().clone());
    ctx.host = "desk-1".into();
    let due = Due {
        job: JobKind::RemindersDaily,
        period: "rules-only".into(),
        due_at: Utc::now(),
        scope: Scope::Day(start.date_naive()),
    };
    let run = jobs::run_once(&ctx, &due, RunTrigger::Manual)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.outcome.as_deref(), Some("ok"));
    assert_eq!(run.counts.get("queued"), None, "{:?}", run.counts);
    assert_eq!(run.counts["rules_planned"], 1);
    let kinds: Vec<(Option<i64>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT reminder_rule_id, next_attempt_at FROM notifications WHERE kind = 'reminder'",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(kinds.len(), 1, "only the rule's reminder: {kinds:?}");
    assert!(kinds[0].0.is_some());
    assert_eq!(kinds[0].1, start - Duration::hours(2));

    // switched back on, the next run for that day queues the "on the day" reminder as before
    jobsvc::update_job_settings(&c.admin, &JobSettings::default())
        .await
        .unwrap();
    let again = jobs::run_once(
        &ctx,
        &Due {
            period: "both".into(),
            ..due
        },
        RunTrigger::Manual,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(again.counts["queued"], 1, "{:?}", again.counts);
}

//! `clinicdesk-bench notify` and `clinicdesk-bench reports`: reminders enqueued and delivered to a local webhook
//! (wiremock) and a local SMTP server (aiosmtpd, discarding), and the monthly reports for 500 doctors over a
//! month of ~100,000 appointments; `clinicdesk-bench reminders`: the reminder rules' planning pass over 10,000
//! appointments. Numbers are printed, never asserted.

use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use clinicdesk_core::db::job_runs::RunTrigger;
use clinicdesk_core::jobs::{self, dispatcher, Due, JobContext, JobKind, Scope};
use clinicdesk_core::{Error, Result};
use sqlx::PgPool;

fn due(job: JobKind, period: &str, scope: Scope) -> Due {
    Due {
        job,
        period: period.into(),
        due_at: Utc::now(),
        scope,
    }
}

async fn exec(pool: &PgPool, sql: &str) -> Result<()> {
    sqlx::raw_sql(sql).execute(pool).await?;
    Ok(())
}

/// `n` consenting patients (every other one preferring Spanish) and one appointment each on `day` (50 doctors ×
/// 5-minute slots), written set-based.
async fn reminder_load(owner: &PgPool, n: usize, day: NaiveDate, channel: &str) -> Result<()> {
    exec(owner, "TRUNCATE notifications").await?;
    sqlx::query(
        "INSERT INTO patients (full_name, date_of_birth, sex, phone, email, preferred_channel, reminder_consent,
                               preferred_language)
         SELECT 'Reminder Patient ' || g, DATE '1980-01-01', 'female', '+44770' || lpad(g::text, 7, '0'),
                'p' || g || '@bench.example', $2, true, CASE WHEN g % 2 = 0 THEN 'es' ELSE 'en' END
           FROM generate_series(1, $1) g",
    )
    .bind(n as i32)
    .bind(channel)
    .execute(owner)
    .await?;
    // 200 five-minute appointments per doctor fit in the day (00:00–16:40): 50 doctors for 10,000, more for more
    let doctors = (n as i64 + 199).max(10_000) / 200;
    sqlx::query(
        "INSERT INTO doctors (full_name, department_id, qualification, slot_minutes)
         SELECT 'Dr. Reminder ' || g, (SELECT min(id) FROM departments), 'MBBS', 5
           FROM generate_series(1, $1 - (SELECT count(*) FROM doctors WHERE active)) g",
    )
    .bind(doctors)
    .execute(owner)
    .await?;
    sqlx::query(
        "WITH d AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM doctors WHERE active ORDER BY id LIMIT $3),
              p AS (SELECT id, row_number() OVER (ORDER BY id DESC) - 1 AS k FROM patients ORDER BY id DESC LIMIT $1)
         INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at)
         SELECT d.id, p.id, $2::date + interval '1 minute' * 5 * (p.k / $3), $2::date + interval '1 minute' * (5 * (p.k / $3) + 5)
           FROM p JOIN d ON d.k = p.k % $3",
    )
    .bind(n as i64)
    .bind(day)
    .bind(doctors)
    .execute(owner)
    .await?;
    Ok(())
}

async fn enqueue_and_deliver(owner: &PgPool, label: &str, n: usize, day: NaiveDate) -> Result<()> {
    let ctx = JobContext::new(owner.clone());
    let started = Instant::now();
    let run = jobs::run_once(
        &ctx,
        &due(JobKind::RemindersDaily, label, Scope::Day(day)),
        RunTrigger::Manual,
    )
    .await?
    .ok_or_else(|| Error::internal("period already claimed"))?;
    let enqueue = started.elapsed();
    let started = Instant::now();
    let mut sent = 0;
    let mut failed = 0;
    loop {
        let c = dispatcher::dispatch(owner, &ctx.host, 1000).await?;
        if c.is_empty() {
            break;
        }
        sent += c.get("sent").copied().unwrap_or(0);
        failed += c.get("failed").copied().unwrap_or(0) + c.get("retry").copied().unwrap_or(0);
    }
    let deliver = started.elapsed();
    println!(
        "{label:<28} {} queued in {:.2}s ({:.0}/s); {sent} delivered, {failed} failed in {:.2}s = {:.0} messages/s",
        run.counts.get("queued").copied().unwrap_or(0),
        enqueue.as_secs_f64(),
        n as f64 / enqueue.as_secs_f64(),
        deliver.as_secs_f64(),
        sent as f64 / deliver.as_secs_f64()
    );
    Ok(())
}

/// Plans the reminders of `n` appointments (three days ahead, 00:00–16:40 in 5-minute slots, each patient with a
/// phone and an email) for three rules: 48 h before by email, the evening before at 18:00 by SMS, 2 h before by
/// both, with SMS quiet hours 21:00–08:00. Times the planning pass (`clinicdesk_plan_reminders`), a second pass
/// (everything already planned), and adding a fourth rule (planned for every booked appointment at once).
pub async fn reminders(owner: &PgPool, today: NaiveDate, n: usize) -> Result<()> {
    exec(
        owner,
        "DELETE FROM reminder_rules;
         UPDATE settings SET sms_quiet_start = '21:00', sms_quiet_end = '08:00', date_format = 'MM/dd/yyyy', clock = '12h';
         INSERT INTO reminder_rules (kind, lead_minutes, local_time, channel) VALUES
           ('lead', 2880, NULL, 'email'), ('evening_before', NULL, '18:00', 'sms'), ('lead', 120, NULL, 'both');",
    )
    .await?;
    let day = today + Duration::days(3);
    reminder_load(owner, n, day, "email").await?;
    let booked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM appointments WHERE status = 'booked' AND starts_at > now()
            AND starts_at < now() + interval '15 days'",
    )
    .fetch_one(owner)
    .await?;
    exec(
        owner,
        "VACUUM ANALYZE appointments, patients, notifications",
    )
    .await?;
    for pass in ["first pass", "second pass (all planned)"] {
        let started = Instant::now();
        let (planned, already, too_late, no_contact): (i64, i64, i64, i64) =
            sqlx::query_as("SELECT * FROM clinicdesk_plan_reminders()")
                .fetch_one(owner)
                .await?;
        let took = started.elapsed();
        println!(
            "reminder planning, {pass:<26} {booked} booked appointments × 3 rules in {:.3}s: {planned} planned, {already} already planned, {too_late} too late, {no_contact} without the channel",
            took.as_secs_f64()
        );
    }
    let started = Instant::now();
    exec(
        owner,
        "INSERT INTO reminder_rules (kind, lead_minutes, channel) VALUES ('lead', 1440, 'email')",
    )
    .await?;
    let took = started.elapsed();
    let planned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE reminder_rule_id = (SELECT max(id) FROM reminder_rules)",
    )
    .fetch_one(owner)
    .await?;
    println!(
        "reminder planning, adding a 4th rule         {planned} reminders planned in {:.3}s",
        took.as_secs_f64()
    );
    Ok(())
}

pub async fn notify(owner: &PgPool, today: NaiveDate, n: usize) -> Result<()> {
    // SMS through a local webhook server.
    let gateway = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&gateway)
        .await;
    sqlx::query("UPDATE channel_settings SET sms_provider = 'json', sms_url = $1, smtp_host = '127.0.0.1', smtp_security = 'plain', smtp_from = 'bench@clinic.example'")
        .bind(format!("{}/sms", gateway.uri()))
        .execute(owner)
        .await?;
    let day = today + Duration::days(1);
    reminder_load(owner, n, day, "sms").await?;
    enqueue_and_deliver(owner, "reminders → webhook (SMS)", n, day).await?;
    let received = gateway
        .received_requests()
        .await
        .map(|r| r.len())
        .unwrap_or(0);
    println!(
        "{:<28} {received} requests received by the webhook server",
        ""
    );

    // Email through a real SMTP server on loopback (aiosmtpd, discarding what it accepts).
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    // The system python has the apt-installed aiosmtpd (a pyenv python on PATH may not).
    let python = if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let mut smtp = std::process::Command::new(python)
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            &format!("127.0.0.1:{port}"),
        ])
        .spawn()
        .map_err(|_| {
            Error::Unavailable("python3-aiosmtpd is needed for the SMTP benchmark.".into())
        })?;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    sqlx::query("UPDATE channel_settings SET smtp_port = $1")
        .bind(port as i32)
        .execute(owner)
        .await?;
    let day = today + Duration::days(2);
    reminder_load(owner, n, day, "email").await?;
    let result = enqueue_and_deliver(owner, "reminders → SMTP (email)", n, day).await;
    let _ = smtp.kill();
    let _ = smtp.wait();
    result
}

/// Monthly reports for `doctors` doctors with 200 appointments each (500 by default: ~100,000 appointments).
pub async fn reports(owner: &PgPool, today: NaiveDate, doctors: i64) -> Result<()> {
    let month = (today.with_day(1).expect("day 1") - Duration::days(1))
        .with_day(1)
        .expect("day 1");
    let started = Instant::now();
    exec(
        owner,
        "INSERT INTO departments (name) VALUES ('Bench Reports') ON CONFLICT DO NOTHING",
    )
    .await?;
    sqlx::query(
        "INSERT INTO doctors (full_name, department_id, qualification, slot_minutes, email)
         SELECT 'Dr. Report ' || g, (SELECT id FROM departments WHERE name = 'Bench Reports'), 'MBBS', 15,
                'doc' || g || '@bench.example'
           FROM generate_series(1, $1) g",
    )
    .bind(doctors)
    .execute(owner)
    .await?;
    sqlx::query(
        "INSERT INTO patients (full_name, date_of_birth, sex, preferred_channel)
         SELECT 'Report Patient ' || g, DATE '1970-01-01', 'male', 'none' FROM generate_series(1, $1) g",
    )
    .bind(200 * doctors)
    .execute(owner)
    .await?;
    let mut tx = owner.begin().await?;
    sqlx::raw_sql("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "WITH d AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM doctors WHERE full_name LIKE 'Dr. Report %'),
              p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM patients WHERE full_name LIKE 'Report Patient %'),
              s AS (SELECT d.id AS doctor_id, d.k AS dk, g AS slot FROM d CROSS JOIN generate_series(0, 199) g)
         INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, cancel_reason)
         SELECT s.doctor_id, p.id,
                $1::date + (s.slot % 28) * interval '1 day' + interval '9 hours' + (s.slot / 28) * interval '15 minutes',
                $1::date + (s.slot % 28) * interval '1 day' + interval '9 hours' + (s.slot / 28 + 1) * interval '15 minutes',
                (ARRAY['completed', 'completed', 'completed', 'cancelled', 'no_show'])[1 + s.slot % 5],
                CASE WHEN s.slot % 5 = 3 THEN 'bench' END
           FROM s JOIN p ON p.k = s.dk * 200 + s.slot",
    )
    .bind(month)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO treatments (appointment_id, visit_type, diagnosis, icd10_code)
         SELECT a.id, 'consultation', 'Bench diagnosis ' || (a.id % 7), (ARRAY['J20.9', 'I10', 'E11.9', 'M54.5'])[1 + a.id % 4]
           FROM appointments a JOIN doctors d ON d.id = a.doctor_id
          WHERE d.full_name LIKE 'Dr. Report %' AND a.status = 'completed'",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    exec(owner, "ANALYZE").await?;
    let appts: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments WHERE starts_at >= $1 AND starts_at < $1 + interval '1 month'")
        .bind(month.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
        .fetch_one(owner)
        .await?;
    println!(
        "prepared {doctors} doctors, {appts} appointments in {} in {:.1}s",
        month.format("%B %Y"),
        started.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir()?;
    let mut ctx = JobContext::new(owner.clone());
    ctx.reports_dir = dir.path().to_path_buf();
    let started = Instant::now();
    let run = jobs::run_once(
        &ctx,
        &due(JobKind::MonthlyReport, "bench", Scope::Month(month)),
        RunTrigger::Manual,
    )
    .await?
    .ok_or_else(|| Error::internal("period already claimed"))?;
    let took = started.elapsed();
    println!(
        "monthly reports: {} doctors, {} reports, {} files, {} emails queued, {} appointments in {:.2}s (10 statements, whatever the size)",
        run.counts.get("doctors").copied().unwrap_or(0),
        run.counts.get("reports").copied().unwrap_or(0),
        run.counts.get("files").copied().unwrap_or(0),
        run.counts.get("emails_queued").copied().unwrap_or(0),
        run.counts.get("appointments").copied().unwrap_or(0),
        took.as_secs_f64()
    );
    if let Some(e) = run.error {
        return Err(Error::internal(e));
    }
    Ok(())
}

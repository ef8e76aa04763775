//! Caches, dashboards, diagnostics, the audit log and quick search against a real PostgreSQL: cache hits and
//! invalidation (same process, another connection through LISTEN/NOTIFY, a dropped listener, TTL), dashboard
//! numbers against hand-computed values on a fixed dataset, and the admin-only screens' permissions.

use clinicdesk_core::context::Desk;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use clinicdesk_core::cache::{CacheTtls, Caches, Change, SlotKey};
use clinicdesk_core::db::{
    availability::WeeklySession, departments::DepartmentInput, doctors::DoctorInput,
};
use clinicdesk_core::services::{
    audit, availability, dashboard, departments, diagnostics, doctors, quick_search,
    scheduling as appts,
};
use clinicdesk_core::testing::Clinic;
use clinicdesk_core::Error;
use sqlx::PgPool;

fn day_after_tomorrow() -> NaiveDate {
    Utc::now().date_naive() + chrono::Duration::days(2)
}

async fn slots(c: &Caches, pool: &PgPool, doctor: i64, from: NaiveDate) -> Vec<String> {
    let key = SlotKey {
        type_id: None,
        doctor_id: doctor,
        from,
        days: 1,
    };
    c.slots(key, || appts::compute_free_slots(pool, doctor, from, 1))
        .await
        .unwrap()[0]
        .slots
        .iter()
        .map(|s| s.time.clone())
        .collect()
}

async fn stats(c: &Caches, name: &str) -> (i64, i64) {
    let (all, _) = c.stats().await;
    let s = all.into_iter().find(|s| s.name == name).unwrap();
    (s.hits, s.misses)
}

/// Waits (up to 10 s) for `cond`; the deadline is a failure bound, not a timing assertion.
async fn eventually<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if cond().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// The free-slot grid through a desk's own caches, as the app reads it.
async fn grid(desk: &Desk, doctor: i64, from: NaiveDate) -> Vec<String> {
    appts::free_slots(desk, doctor, from, 1).await.unwrap()[0]
        .slots
        .iter()
        .map(|s| s.time.clone())
        .collect()
}

#[tokio::test]
async fn hit_after_first_read_and_the_services_own_writes_invalidate() {
    let c = Clinic::new("Europe/London").await;
    let (doc, _) = c.doctor("Dr. Cache", false).await;
    let pat = c.patient("Pat Cache").await;
    let day = day_after_tomorrow();
    let caches = c.desk.caches();

    let first = grid(&c.desk, doc, day).await;
    assert_eq!(first.len(), 32);
    assert_eq!(stats(caches, "free slots").await, (0, 1));
    assert_eq!(grid(&c.desk, doc, day).await, first);
    assert_eq!(
        stats(caches, "free slots").await,
        (1, 1),
        "second read is a hit"
    );

    // booking through the desk drops its grid: nobody calls invalidate but the service
    let starts = appts::free_slots(&c.desk, doc, day, 1).await.unwrap()[0].slots[0].starts_at;
    appts::book(&c.desk, doc, pat, starts).await.unwrap();
    let after = grid(&c.desk, doc, day).await;
    assert_eq!(after.len(), 31, "the booked slot is gone at once");
    assert!(!after.contains(&"09:00".to_string()));

    // another doctor's entries survive a write for this one
    let (other, _) = c.doctor("Dr. Other", false).await;
    grid(&c.desk, other, day).await;
    let (hits, _) = stats(caches, "free slots").await;
    let pat2 = c.patient("Pat Two").await;
    let next = appts::free_slots(&c.desk, doc, day, 1).await.unwrap()[0].slots[0].starts_at;
    appts::book(&c.desk, doc, pat2, next).await.unwrap();
    grid(&c.desk, other, day).await;
    assert_eq!(stats(caches, "free slots").await.0, hits + 2, "still a hit");

    // a stale grid (another PC booked; no listener in this test) ends at the first Conflict: the refusal names who
    // holds the time, and the grid the desk reloads shows it taken
    let stale = appts::free_slots(&c.desk, doc, day, 1).await.unwrap()[0].slots[0].clone();
    let pc_b = Desk::new(c.db.pool_as_fresh_desk().await);
    let pat3 = c.patient("Pat Three").await;
    appts::book(&pc_b, doc, pat3, stale.starts_at)
        .await
        .unwrap();
    assert!(
        grid(&c.desk, doc, day).await.contains(&stale.time),
        "still cached"
    );
    let pat4 = c.patient("Pat Four").await;
    let refused = appts::book(&c.desk, doc, pat4, stale.starts_at)
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Conflict(_)), "{refused:?}");
    assert!(
        refused
            .to_string()
            .starts_with("Dr. Cache already has an appointment"),
        "{refused}"
    );
    assert!(!grid(&c.desk, doc, day).await.contains(&stale.time));

    // cancelling gives the slot back at once
    let booked = appts::doctor_calendar(&c.desk, doc, day, 1).await.unwrap();
    appts::cancel(&c.desk, booked[0].id, "Patient called")
        .await
        .unwrap();
    assert!(grid(&c.desk, doc, day).await.contains(&booked[0].time));

    // departments and doctors: cached lists, dropped by the admin's own writes
    assert_eq!(departments::list(&c.admin).await.unwrap().len(), 1);
    assert_eq!(departments::list(&c.admin).await.unwrap().len(), 1);
    assert_eq!(stats(c.admin.caches(), "departments").await, (1, 1));
    departments::create(
        &c.admin,
        &DepartmentInput {
            name: "Cardiology".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(departments::list(&c.admin).await.unwrap().len(), 2);
    assert_eq!(doctors::list(&c.admin, false).await.unwrap().len(), 2);
    doctors::set_active(&c.admin, other, false).await.unwrap();
    assert_eq!(doctors::list(&c.admin, false).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_write_from_another_connection_invalidates_through_listen_notify() {
    let c = Clinic::new("Europe/London").await;
    let (doc, _) = c.doctor("Dr. Notify", false).await;
    let pat = c.patient("Pat Notify").await;
    // "PC B": caches with a listener on the desk's role
    let caches = Caches::new(CacheTtls::default());
    caches.attach(c.desk.pool().clone());
    eventually("listener up", || async { caches.listening() }).await;
    let day = day_after_tomorrow();
    assert_eq!(slots(&caches, &c.desk, doc, day).await.len(), 32);
    assert_eq!(slots(&caches, &c.desk, doc, day).await.len(), 32);
    assert_eq!(stats(&caches, "free slots").await, (1, 1));

    // "PC A": another role, another connection, nothing told to these caches
    let pc_a = Desk::new(c.db.pool_as_fresh_desk().await);
    let starts = appts::free_slots(&pc_a, doc, day, 1).await.unwrap()[0].slots[3].starts_at;
    appts::book(&pc_a, doc, pat, starts).await.unwrap();
    eventually("PC B sees the booking", || async {
        slots(&caches, &c.desk, doc, day).await.len() == 31
    })
    .await;
    let (_, listener) = caches.stats().await;
    assert_eq!(listener.state, "listening");
    assert!(listener.notifications >= 1);

    // availability written elsewhere also reaches PC B
    availability::set_weekly(
        &c.admin,
        doc,
        30,
        &[WeeklySession {
            weekday: chrono::Datelike::weekday(&day).number_from_monday() as i16,
            starts_at: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            ends_at: chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        }],
    )
    .await
    .unwrap();
    eventually("PC B sees new hours", || async {
        slots(&caches, &c.desk, doc, day).await.len() == 5
    })
    .await;
    caches.detach();
}

#[tokio::test]
async fn a_dropped_listener_reconnects_clears_and_keeps_invalidating() {
    let c = Clinic::new("Europe/London").await;
    let (doc, _) = c.doctor("Dr. Reconnect", false).await;
    let pat = c.patient("Pat Reconnect").await;
    let caches = Caches::new(CacheTtls::default());
    caches.attach(c.desk.pool().clone());
    eventually("listener up", || async { caches.listening() }).await;
    let day = day_after_tomorrow();
    slots(&caches, &c.desk, doc, day).await;

    let owner = c.db.owner_pool().await;
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(killed, 1, "the listener's own connection");
    eventually("reconnected", || async {
        caches.reconnects() >= 1 && caches.listening()
    })
    .await;
    let (all, _) = caches.stats().await;
    assert_eq!(
        all.iter().find(|s| s.name == "free slots").unwrap().entries,
        0,
        "everything cached before the drop was cleared"
    );

    slots(&caches, &c.desk, doc, day).await;
    let other = Desk::new(c.db.pool_as_fresh_desk().await);
    let starts = appts::free_slots(&other, doc, day, 1).await.unwrap()[0].slots[0].starts_at;
    appts::book(&other, doc, pat, starts).await.unwrap();
    eventually("still invalidated after the reconnect", || async {
        slots(&caches, &c.desk, doc, day).await.len() == 31
    })
    .await;
    caches.detach();
}

#[tokio::test]
async fn entries_expire_after_their_ttl() {
    let c = Clinic::new("Europe/London").await;
    let (doc, _) = c.doctor("Dr. Ttl", false).await;
    let pat = c.patient("Pat Ttl").await;
    let caches = Caches::new(CacheTtls {
        slots: Duration::from_millis(300),
        ..CacheTtls::default()
    });
    let day = day_after_tomorrow();
    assert_eq!(slots(&caches, &c.desk, doc, day).await.len(), 32);
    let starts = appts::free_slots(&c.desk, doc, day, 1).await.unwrap()[0].slots[0].starts_at;
    // a write nobody tells these caches about (no listener, no invalidate): the entry is stale...
    appts::book(&c.desk, doc, pat, starts).await.unwrap();
    assert_eq!(slots(&caches, &c.desk, doc, day).await.len(), 32);
    // ...and the database still refuses the taken slot: the constraint is the final word
    let pat2 = c.patient("Pat Two").await;
    assert!(matches!(
        appts::book(&c.desk, doc, pat2, starts).await,
        Err(Error::Conflict(_))
    ));
    // ...until the TTL passes
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(slots(&caches, &c.desk, doc, day).await.len(), 31);
    assert_eq!(stats(&caches, "free slots").await, (1, 2));
}

#[tokio::test]
async fn a_load_racing_an_invalidation_is_not_cached() {
    let caches = Caches::new(CacheTtls::default());
    let c2 = Arc::clone(&caches);
    let stale = caches
        .departments(|| async move {
            // the write lands while this read is in flight
            c2.invalidate(Change::Departments).await;
            Ok(vec![])
        })
        .await
        .unwrap();
    assert!(stale.is_empty());
    let (all, _) = caches.stats().await;
    assert_eq!(
        all.iter()
            .find(|s| s.name == "departments")
            .unwrap()
            .entries,
        0,
        "the possibly stale result was not kept"
    );
}

// ------------------------------------------------------------------------------------------ dashboards

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

async fn raw_appt(
    owner: &PgPool,
    doctor: i64,
    patient: i64,
    date: NaiveDate,
    h: u32,
    m: u32,
    status: &str,
) {
    // November/October/December in London: local time = UTC (no DST on these dates except before 25 Oct)
    let starts = chrono_tz::Europe::London
        .from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc);
    sqlx::query(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, cancel_reason)
         VALUES ($1, $2, $3, $3 + interval '15 minutes', $4, CASE WHEN $4 = 'cancelled' THEN 'ill' END)",
    )
    .bind(doctor)
    .bind(patient)
    .bind(starts)
    .bind(status)
    .execute(owner)
    .await
    .unwrap();
}

#[tokio::test]
async fn dashboard_numbers_match_hand_computed_values() {
    let c = Clinic::new("Europe/London").await;
    let (a, _) = c.doctor("Dr. Able", false).await; // General Medicine, 09–17 daily, 15 min: 224 slots/week
    let cardio = departments::create(
        &c.admin,
        &DepartmentInput {
            name: "Cardiology".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap()
    .id;
    let b = doctors::create(
        &c.admin,
        &DoctorInput {
            full_name: "Dr. Baker".into(),
            department_id: cardio,
            qualification: String::new(),
            experience_years: 3,
            phone: None,
            email: None,
            consultation_fee_cents: 0,
            slot_minutes: 30,
            staff_username: None,
        },
    )
    .await
    .unwrap()
    .id;
    let t = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    let weekdays: Vec<WeeklySession> = (1..=5)
        .map(|wd| WeeklySession {
            weekday: wd,
            starts_at: t(9),
            ends_at: t(12),
        })
        .collect();
    availability::set_weekly(&c.admin, b, 30, &weekdays)
        .await
        .unwrap(); // 6 × 5 = 30 slots/week
    let (inactive, _) = c.doctor("Dr. Gone", false).await;
    doctors::set_active(&c.admin, inactive, false)
        .await
        .unwrap();
    let p1 = c.patient("Pat One").await;
    let p2 = c.patient("Pat Two").await;
    let p3 = c.patient("Pat Three").await;
    let owner = c.db.owner_pool().await;
    for (p, when) in [
        (p1, "2026-11-17 10:00+00"),
        (p2, "2026-11-17 11:00+00"),
        (p3, "2026-11-03 10:00+00"),
    ] {
        sqlx::query("UPDATE patients SET created_at = $2::timestamptz WHERE id = $1")
            .bind(p)
            .bind(when)
            .execute(&owner)
            .await
            .unwrap();
    }
    // "today" is Wednesday 18 November 2026; the week is 16–22 Nov
    for (doc, pat, date, h, m, status) in [
        (a, p1, d(11, 18), 10, 0, "booked"),
        (a, p2, d(11, 18), 11, 0, "cancelled"),
        (a, p1, d(11, 17), 9, 0, "completed"),
        (a, p2, d(11, 17), 9, 30, "no_show"),
        (b, p3, d(11, 16), 9, 0, "completed"),
        (b, p1, d(11, 20), 9, 0, "booked"),
        (a, p1, d(11, 10), 9, 0, "completed"),
        (a, p2, d(11, 2), 9, 0, "no_show"),
        (b, p3, d(10, 25), 9, 0, "completed"),
        (a, p3, d(11, 30), 9, 0, "booked"),
        (a, p3, d(12, 1), 9, 0, "booked"),
        (a, p1, d(9, 1), 9, 0, "no_show"),
        (a, p1, d(8, 20), 9, 0, "completed"),
    ] {
        raw_appt(&owner, doc, pat, date, h, m, status).await;
    }

    let dash = dashboard::admin(&c.admin, Some(d(11, 18))).await.unwrap();
    assert_eq!((dash.week_start, dash.month_start), (d(11, 16), d(11, 1)));
    assert_eq!((dash.active_doctors, dash.patients), (2, 3));
    assert_eq!(
        (
            dash.appointments_today,
            dash.appointments_week,
            dash.appointments_month
        ),
        (1, 5, 8)
    );
    assert_eq!(dash.per_day.len(), 44);
    assert_eq!(dash.per_day[0].date, d(10, 20));
    assert_eq!(dash.per_day[43].date, d(12, 2));
    let day = |x: NaiveDate| {
        let e = dash.per_day.iter().find(|p| p.date == x).unwrap();
        (e.appointments, e.cancelled)
    };
    assert_eq!(day(d(11, 18)), (1, 1));
    assert_eq!(day(d(11, 17)), (2, 0));
    assert_eq!(day(d(10, 25)), (1, 0));
    assert_eq!(day(d(12, 1)), (1, 0));
    assert_eq!(day(d(11, 19)), (0, 0));
    assert_eq!(dash.per_day.iter().map(|p| p.appointments).sum::<i64>(), 10);

    let s = &dash.status_breakdown;
    assert_eq!(
        (s.booked, s.checked_in, s.completed, s.cancelled, s.no_show),
        (1, 0, 4, 1, 2)
    );
    let dep = |id| {
        dash.by_department
            .iter()
            .find(|x| x.department_id == id)
            .unwrap()
            .appointments
    };
    assert_eq!((dep(c.department), dep(cardio)), (5, 2));

    assert_eq!(dash.no_show_trend.len(), 12);
    assert_eq!(dash.no_show_trend[0].week_start, d(8, 31));
    let week = |w: NaiveDate| {
        let r = dash
            .no_show_trend
            .iter()
            .find(|x| x.week_start == w)
            .unwrap();
        (r.no_shows, r.completed, r.rate)
    };
    assert_eq!(week(d(8, 31)), (1, 0, 1.0));
    assert_eq!(week(d(10, 19)), (0, 1, 0.0));
    assert_eq!(week(d(11, 2)), (1, 0, 1.0));
    assert_eq!(week(d(11, 9)), (0, 1, 0.0));
    let (n, done, rate) = week(d(11, 16));
    assert_eq!((n, done), (1, 2));
    assert!((rate - 1.0 / 3.0).abs() < 1e-9);

    assert_eq!(dash.utilisation.len(), 2, "inactive doctors are left out");
    let u = |id| {
        let x = dash.utilisation.iter().find(|x| x.doctor_id == id).unwrap();
        (x.booked_slots, x.available_slots, x.utilisation)
    };
    assert_eq!(u(a), (3, 224, 3.0 / 224.0));
    assert_eq!(u(b), (2, 30, 2.0 / 30.0));

    let np = |w| {
        dash.new_patients
            .iter()
            .find(|x| x.week_start == w)
            .unwrap()
            .count
    };
    assert_eq!((np(d(11, 16)), np(d(11, 2)), np(d(11, 9))), (2, 1, 0));

    let doc = dashboard::doctor(&c.admin, a, Some(d(11, 18)))
        .await
        .unwrap();
    assert_eq!(doc.today_appointments.len(), 2);
    assert_eq!((doc.today_count, doc.week_count), (1, 3));
    assert_eq!(doc.week_appointments.len(), 4);
    assert_eq!(doc.patients_seen_month, 1, "Pat One twice counts once");

    // only admins see the clinic dashboard
    assert!(matches!(
        dashboard::admin(&c.desk, Some(d(11, 18))).await,
        Err(Error::PermissionDenied(_))
    ));
}

// ------------------------------------------------------------------------------------------ diagnostics, audit, search

#[tokio::test]
async fn diagnostics_show_database_caches_and_jobs_to_admins_only() {
    let c = Clinic::new("Europe/London").await;
    let owner = c.db.owner_pool().await;
    sqlx::query(
        "INSERT INTO job_runs (job, period, host, started_at, finished_at, outcome) VALUES
           ('backup', '2026-11-25', 'pc1', '2026-11-25 02:00+00', '2026-11-25 02:01+00', 'ok'),
           ('backup', '2026-11-26', 'pc1', '2026-11-26 02:00+00', '2026-11-26 02:03+00', 'failed'),
           ('reminders_daily', '2026-11-26', 'pc2', '2026-11-26 08:00+00', NULL, NULL)",
    )
    .execute(&owner)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO backups (path, bytes, started_at, finished_at, host, trigger, outcome) VALUES
           ('/b/1.dump', 10, '2026-11-25 02:00+00', '2026-11-25 02:01+00', 'pc1', 'scheduled', 'ok'),
           ('/b/2.dump', 0, '2026-11-26 02:00+00', '2026-11-26 02:03+00', 'pc1', 'scheduled', 'failed')",
    )
    .execute(&owner)
    .await
    .unwrap();
    let caches = Caches::new(CacheTtls::default());
    let diag = diagnostics::collect(
        &Desk::with_caches(c.admin.pool().clone(), caches.clone()),
        "9.9.9",
    )
    .await
    .unwrap();
    assert_eq!(diag.app_version, "9.9.9");
    assert!(diag
        .database
        .server_version
        .chars()
        .next()
        .unwrap()
        .is_ascii_digit());
    assert!(diag.database.size_bytes > 0 && diag.database.connections >= 1);
    assert_eq!(diag.caches.len(), 5);
    assert_eq!(diag.listener.state, "off");
    let backup = diag.last_backup.unwrap();
    assert_eq!(
        (backup.path.as_str(), backup.outcome.as_str()),
        ("/b/1.dump", "ok")
    );
    let jobs: Vec<_> = diag
        .jobs
        .iter()
        .map(|j| (j.job.as_str(), j.outcome.as_deref()))
        .collect();
    assert_eq!(
        jobs,
        [("backup", Some("failed")), ("reminders_daily", None)]
    );
    assert!(matches!(
        diagnostics::collect(
            &Desk::with_caches(c.desk.pool().clone(), caches.clone()),
            "x"
        )
        .await,
        Err(Error::PermissionDenied(_))
    ));
}

#[tokio::test]
async fn audit_log_filters_and_exports_safe_csv() {
    let c = Clinic::new("Europe/London").await;
    c.patient("Pat Audit").await;
    let all = audit::list(&c.admin, &audit::AuditFilter::default(), 0)
        .await
        .unwrap();
    assert!(!all.entries.is_empty());
    let patients_only = audit::list(
        &c.admin,
        &audit::AuditFilter {
            table_name: Some("patients".into()),
            action: Some("insert".into()),
            ..Default::default()
        },
        0,
    )
    .await
    .unwrap();
    assert_eq!(patients_only.entries.len(), 1);
    assert!(!patients_only.more);
    let desk_user: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(c.desk.pool())
        .await
        .unwrap();
    assert_eq!(patients_only.entries[0].actor, desk_user);
    let by_admin = audit::list(
        &c.admin,
        &audit::AuditFilter {
            actor: Some(desk_user.to_uppercase()),
            ..Default::default()
        },
        0,
    )
    .await
    .unwrap();
    assert!(by_admin.entries.iter().all(|e| e.actor == desk_user));
    let future = audit::list(
        &c.admin,
        &audit::AuditFilter {
            from: Some(Utc::now().date_naive() + chrono::Duration::days(2)),
            ..Default::default()
        },
        0,
    )
    .await
    .unwrap();
    assert!(future.entries.is_empty());
    assert!(matches!(
        audit::list(&c.desk, &audit::AuditFilter::default(), 0).await,
        Err(Error::PermissionDenied(_))
    ));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.csv");
    let out = audit::export_csv(&c.admin, &audit::AuditFilter::default(), &path)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("ID,When,Staff,Action,Table,Row,Details\r\n"));
    assert_eq!(text.lines().count() as i64, out.rows + 1);
    assert_eq!(out.rows as usize, all.entries.len());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty());
    // the export is itself audited
    let exports = audit::list(
        &c.admin,
        &audit::AuditFilter {
            action: Some("export_audit_log".into()),
            ..Default::default()
        },
        0,
    )
    .await
    .unwrap();
    assert_eq!(exports.entries.len(), 1);
}

#[tokio::test]
async fn quick_search_finds_patients_doctors_and_todays_appointments() {
    let c = Clinic::new("UTC").await;
    let (doc, _) = c.doctor("Dr. Quincy Rao", false).await;
    let pat = c.patient("Quentin Blake").await;
    let owner = c.db.owner_pool().await;
    let now = Utc::now();
    let today = now.date_naive();
    raw_appt(&owner, doc, pat, today, 12, 0, "completed").await;
    let caches = Caches::new(CacheTtls::default());
    let r = quick_search::search(
        &Desk::with_caches(c.desk.pool().clone(), caches.clone()),
        "qu",
    )
    .await
    .unwrap();
    assert_eq!(r.patients.len(), 1);
    assert_eq!(r.patients[0].id, pat);
    assert_eq!(r.doctors.iter().map(|d| d.id).collect::<Vec<_>>(), [doc]);
    assert_eq!(r.appointments.len(), 1);
    let none = quick_search::search(
        &Desk::with_caches(c.desk.pool().clone(), caches.clone()),
        "zzzz",
    )
    .await
    .unwrap();
    assert!(none.patients.is_empty() && none.doctors.is_empty() && none.appointments.is_empty());
    assert!(quick_search::search(
        &Desk::with_caches(c.desk.pool().clone(), caches.clone()),
        "q"
    )
    .await
    .unwrap()
    .doctors
    .is_empty());
}

#[tokio::test]
async fn slow_statements_are_kept_without_their_values() {
    use clinicdesk_core::diagnostics::{self, SlowQueryLayer};
    use tracing_subscriber::prelude::*;
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::WARN)
        .with(SlowQueryLayer)
        .try_init();
    diagnostics::set_slow_threshold(Duration::from_millis(50));
    let c = Clinic::new("UTC").await;
    let pool = c.db.pool_as_fresh_desk().await; // opened after the threshold was set
    sqlx::query("SELECT pg_sleep($1), 'marker-7f3a' AS tag")
        .bind(0.12_f64)
        .execute(&pool)
        .await
        .unwrap();
    let slow = diagnostics::slow_queries();
    let hit = slow
        .iter()
        .find(|q| q.statement.contains("marker-7f3a"))
        .expect("the slow statement is in the ring");
    assert!(hit.statement.contains("pg_sleep($1)"));
    assert!(!hit.statement.contains("0.12"), "no parameter values");
    assert!(hit.elapsed_ms >= 100.0);
    let caches = Caches::new(CacheTtls::default());
    let diag = diagnostics_service(&c, &caches).await;
    assert_eq!(diag.slow_threshold_ms, 50);
    assert!(diag
        .slow_queries
        .iter()
        .any(|q| q.statement.contains("marker-7f3a")));
}

async fn diagnostics_service(c: &Clinic, caches: &Arc<Caches>) -> diagnostics::Diagnostics {
    diagnostics::collect(
        &Desk::with_caches(c.admin.pool().clone(), caches.clone()),
        "test",
    )
    .await
    .unwrap()
}

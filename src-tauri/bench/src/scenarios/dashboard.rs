//! `clinicctl bench dashboard`: dashboard stats and free slots on 1,000,000 appointments, uncached (the core
//! service, straight to PostgreSQL) and cached (the same through `core::cache`), plus EXPLAIN of the hot
//! queries. The appointments are generated set-based (generate_series) so loading takes a minute, not an hour.

use std::time::Instant;

use chrono::Duration as Days;
use clinicdesk_core::cache::{CacheTtls, Caches, SlotKey};
use clinicdesk_core::services::{dashboard, scheduling as appts};
use clinicdesk_core::{db, Result};

use super::{report, Bench, PW};

/// Appointments per doctor by default: 28 a day (08:00–15:00, 15 min) over ~714 days ending two weeks ahead
/// (`--appointments-per-doctor` for the growth runs).
const PER_DAY: i64 = 28;

async fn generate(b: &Bench, per_doctor: i64) -> Result<i64> {
    let started = Instant::now();
    let mut conn = b.owner.acquire().await?;
    // A history load by the owner: row triggers (audit, booking guard, cache notify) are for staff writes.
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *conn)
        .await?;
    // the demo's appointments for today would overlap the generated grid: start from none
    sqlx::query("TRUNCATE appointments CASCADE")
        .execute(&mut *conn)
        .await?;
    let doctors: Vec<i64> = sqlx::query_scalar("SELECT id FROM doctors WHERE active ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let patients: i64 = sqlx::query_scalar("SELECT count(*) FROM patients")
        .fetch_one(&mut *conn)
        .await?;
    let first_day = b.today + Days::days(14) - Days::days(per_doctor / PER_DAY);
    let mut total = 0u64;
    for (i, d) in doctors.iter().enumerate() {
        let n = sqlx::query(
            r#"WITH p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM patients)
               INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, cancel_reason)
               SELECT $1, p.id, t.s, t.s + interval '15 minutes',
                      CASE WHEN t.s > now() THEN 'booked'
                           WHEN (g * 7 + $2) % 100 < 8 THEN 'cancelled'
                           WHEN (g * 7 + $2) % 100 < 15 THEN 'no_show'
                           ELSE 'completed' END,
                      CASE WHEN t.s <= now() AND (g * 7 + $2) % 100 < 8 THEN 'bench' END
                 FROM generate_series(0, $3::bigint - 1) g
                 CROSS JOIN LATERAL (SELECT ($4::date + (g / $5)::int + time '08:00'
                                             + make_interval(mins => (15 * (g % $5))::int)) AT TIME ZONE 'UTC' AS s) t
                 JOIN p ON p.k = (g * 50 + $2) % $6"#,
        )
        .bind(d)
        .bind(i as i64)
        .bind(per_doctor)
        .bind(first_day)
        .bind(PER_DAY)
        .bind(patients)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        total += n;
    }
    sqlx::query("SET session_replication_role = origin")
        .execute(&mut *conn)
        .await?;
    drop(conn);
    sqlx::query("VACUUM ANALYZE appointments")
        .execute(&b.owner)
        .await?;
    sqlx::query("VACUUM ANALYZE patients")
        .execute(&b.owner)
        .await?;
    println!(
        "generated {total} appointments for {} doctors ({first_day} .. {}) in {:.1}s",
        doctors.len(),
        b.today + Days::days(14),
        started.elapsed().as_secs_f64()
    );
    Ok(total as i64)
}

async fn explain(b: &Bench, title: &str, sql: &str) -> Result<()> {
    let lines: Vec<String> =
        sqlx::query_scalar(&format!("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"))
            .fetch_all(&b.owner)
            .await?;
    println!("\n-- EXPLAIN {title}\n{}", lines.join("\n"));
    Ok(())
}

pub async fn run(b: &Bench, per_doctor: i64) -> Result<()> {
    let total = generate(b, per_doctor).await?;
    let admin_user = format!("bench_admin_{}", std::process::id());
    let admin = db::connect_pool(b.target.staff_options(&admin_user, PW), 4).await?; // as the app's pool

    // uncached: the service as the command calls it on a cache miss
    let d = dashboard::admin(&admin, None).await?;
    println!(
        "dashboard: {} appointments this month, {} this week, {} doctors",
        d.appointments_month,
        d.appointments_week,
        d.utilisation.len()
    );
    let mut samples = vec![];
    for _ in 0..20 {
        let t = Instant::now();
        dashboard::admin(&admin, None).await?;
        samples.push(t.elapsed());
    }
    report(
        &format!("admin dashboard, uncached ({total} appts)"),
        &mut samples,
    );

    let caches = Caches::new(CacheTtls::default());
    let today = dashboard::today(&admin).await?;
    caches
        .admin_dashboard(today, || dashboard::admin(&admin, Some(today)))
        .await?;
    let mut samples = vec![];
    for _ in 0..10_000 {
        let t = Instant::now();
        caches
            .admin_dashboard(today, || dashboard::admin(&admin, Some(today)))
            .await?;
        samples.push(t.elapsed());
    }
    report("admin dashboard, cached (lookup)", &mut samples);
    let mut samples = vec![];
    for _ in 0..1_000 {
        let t = Instant::now();
        let today = dashboard::today(&admin).await?;
        caches
            .admin_dashboard(today, || dashboard::admin(&admin, Some(today)))
            .await?;
        samples.push(t.elapsed());
    }
    report("admin dashboard, cached (command path)", &mut samples);

    let doctor_id: i64 = sqlx::query_scalar("SELECT min(id) FROM doctors")
        .fetch_one(&b.owner)
        .await?;
    let mut samples = vec![];
    for _ in 0..20 {
        let t = Instant::now();
        dashboard::doctor(&admin, doctor_id, None).await?;
        samples.push(t.elapsed());
    }
    report("doctor dashboard, uncached", &mut samples);

    // free slots: 7-day grid for every doctor, uncached vs cached
    let doctors: Vec<i64> = sqlx::query_scalar("SELECT id FROM doctors WHERE active ORDER BY id")
        .fetch_all(&b.owner)
        .await?;
    let from = b.today + Days::days(1);
    let mut samples = vec![];
    for _ in 0..4 {
        for d in &doctors {
            let t = Instant::now();
            appts::compute_free_slots(&b.desk, *d, from, 7).await?;
            samples.push(t.elapsed());
        }
    }
    report("free slots 7 days, uncached", &mut samples);
    super::first_available(b, &doctors).await?;
    let mut samples = vec![];
    for _ in 0..50 {
        let t = Instant::now();
        appts::today_board(&b.desk, Some(b.today)).await?;
        samples.push(t.elapsed());
    }
    report(
        &format!("Today board, today ({} appointments)", 50 * PER_DAY),
        &mut samples,
    );
    for d in &doctors {
        let key = SlotKey {
            doctor_id: *d,
            type_id: None,
            from,
            days: 7,
        };
        caches
            .slots(key, || appts::compute_free_slots(&b.desk, *d, from, 7))
            .await?;
    }
    let mut samples = vec![];
    for _ in 0..100 {
        for d in &doctors {
            let key = SlotKey {
                doctor_id: *d,
                type_id: None,
                from,
                days: 7,
            };
            let t = Instant::now();
            caches
                .slots(key, || appts::compute_free_slots(&b.desk, *d, from, 7))
                .await?;
            samples.push(t.elapsed());
        }
    }
    report("free slots 7 days, cached", &mut samples);
    let (stats, _) = caches.stats().await;
    for s in stats.iter().filter(|s| s.hits + s.misses > 0) {
        println!("cache {:<18} hits={} misses={}", s.name, s.hits, s.misses);
    }

    let window_from = today - Days::days(90);
    let window_to = today + Days::days(35);
    explain(
        b,
        "dashboard appointment counts (~125 days)",
        &format!(
            "SELECT (a.starts_at AT TIME ZONE 'UTC')::date, a.doctor_id, a.status, count(*) FROM appointments a \
             WHERE a.starts_at >= '{window_from}' AND a.starts_at < '{window_to}' GROUP BY 1, 2, 3"
        ),
    )
    .await?;
    explain(
        b,
        "new patients per week",
        &format!(
            "SELECT date_trunc('week', created_at AT TIME ZONE 'UTC')::date, count(*) FROM patients \
             WHERE created_at >= '{window_from}' GROUP BY 1"
        ),
    )
    .await?;
    explain(
        b,
        "free slots: a doctor's busy times over 7 days",
        &format!(
            "SELECT doctor_id, starts_at, ends_at FROM appointments WHERE doctor_id = ANY(ARRAY[{doctor_id}]::bigint[]) \
             AND status <> 'cancelled' AND starts_at > '{from}'::timestamptz - interval '1 day' \
             AND starts_at < '{}' AND ends_at > '{from}'",
            from + Days::days(7)
        ),
    )
    .await?;
    explain(
        b,
        "doctor dashboard: patients seen this month",
        &format!(
            "SELECT count(DISTINCT patient_id) FROM appointments WHERE doctor_id = {doctor_id} \
             AND starts_at >= '{}' AND starts_at < '{}' AND status = 'completed'",
            dashboard::month_start(today),
            today + Days::days(31)
        ),
    )
    .await?;
    explain(
        b,
        "audit log viewer: one table, newest first",
        "SELECT id, at, actor, action, table_name, row_id, details::text FROM audit_log \
         WHERE table_name = 'patients' ORDER BY at DESC, id DESC LIMIT 201",
    )
    .await?;
    admin.close().await;
    Ok(())
}

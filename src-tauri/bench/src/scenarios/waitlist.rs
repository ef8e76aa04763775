//! `clinicdesk-bench waitlist`: matching a freed slot against 10,000 open waitlist entries (issue 15), through
//! the core service the desk calls when the "slot freed" notice arrives (clinic, doctor, is-it-still-free
//! check and the match query), and the match query alone, plus its EXPLAIN. Entries are generated set-based:
//! 70% name a doctor, 30% a department; windows of 1–30 days starting within the next 60; 40% with a time of day.

use std::time::Instant;

use chrono::{Duration as Days, NaiveTime};
use clinicdesk_core::services::waitlist::{self, FreedSlot};
use clinicdesk_core::Result;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{report, Bench};

const SLOTS: usize = 500;

pub async fn run(b: &Bench, entries: i64) -> Result<()> {
    let started = Instant::now();
    let n = sqlx::query(
        "WITH d AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(department_id ORDER BY id) AS deps
                      FROM doctors WHERE active),
              p AS (SELECT array_agg(id ORDER BY id) AS ids FROM patients)
         INSERT INTO waitlist_entries (patient_id, doctor_id, department_id, window_from, window_to,
                                       time_from, time_to, note)
         SELECT p.ids[1 + (g * 7919) % cardinality(p.ids)],
                CASE WHEN g % 10 < 7 THEN d.ids[1 + g % cardinality(d.ids)] END,
                CASE WHEN g % 10 >= 7 THEN d.deps[1 + g % cardinality(d.deps)] END,
                $1::date + (g % 60)::int, $1::date + (g % 60)::int + (g % 30)::int,
                CASE WHEN g % 5 < 2 THEN CASE WHEN g % 2 = 0 THEN time '09:00' ELSE time '12:00' END END,
                CASE WHEN g % 5 < 2 THEN CASE WHEN g % 2 = 0 THEN time '12:00' ELSE time '17:00' END END,
                ''
           FROM generate_series(1, $2::bigint) g, d, p",
    )
    .bind(b.today)
    .bind(entries)
    .execute(&b.owner)
    .await?
    .rows_affected();
    sqlx::query("ANALYZE waitlist_entries")
        .execute(&b.owner)
        .await?;
    println!(
        "waitlist: {n} open entries in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let doctors: Vec<(i64, i32)> =
        sqlx::query_as("SELECT id, slot_minutes FROM doctors WHERE active ORDER BY id")
            .fetch_all(&b.owner)
            .await?;
    let mut rng = StdRng::seed_from_u64(15);
    let slots: Vec<FreedSlot> = (0..SLOTS)
        .map(|_| {
            let (doctor_id, minutes) = doctors[rng.gen_range(0..doctors.len())];
            let day = b.today + Days::days(rng.gen_range(1..45));
            let start = NaiveTime::from_hms_opt(9, 0, 0).unwrap()
                + Days::minutes(minutes as i64 * rng.gen_range(0..(8 * 60 / minutes as i64)));
            let starts_at = day.and_time(start).and_utc();
            FreedSlot {
                doctor_id,
                starts_at,
                ends_at: starts_at + Days::minutes(minutes as i64),
            }
        })
        .collect();

    let mut service = vec![];
    let mut found = 0usize;
    for s in &slots {
        let t = Instant::now();
        let m = waitlist::matches(&b.desk, s).await?;
        service.push(t.elapsed());
        found += m.entries.len();
    }
    report("waitlist match, core service (desk role)", &mut service);
    println!(
        "  {:.1} matching entries per slot on average (at most {})",
        found as f64 / SLOTS as f64,
        waitlist::MATCH_LIMIT
    );

    let mut conn = b.desk.acquire().await?;
    let mut query = vec![];
    for s in &slots {
        let dep: i64 = sqlx::query_scalar("SELECT department_id FROM doctors WHERE id = $1")
            .bind(s.doctor_id)
            .fetch_one(&mut *conn)
            .await?;
        let t = Instant::now();
        clinicdesk_core::db::waitlist::matching(
            &mut conn,
            s.doctor_id,
            dep,
            s.starts_at.date_naive(),
            b.today,
            s.starts_at.time(),
            s.ends_at.time(),
            waitlist::MATCH_LIMIT,
        )
        .await?;
        query.push(t.elapsed());
    }
    report("waitlist match, the query alone", &mut query);

    let s = &slots[0];
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
         SELECT w.id FROM waitlist_entries w
          WHERE w.closed_at IS NULL
            AND (w.doctor_id = $1 OR w.department_id = (SELECT department_id FROM doctors WHERE id = $1))
            AND w.window_from <= $2 AND w.window_to >= $2 AND w.window_to >= $3
            AND (w.time_from IS NULL OR (w.time_from <= $4 AND w.time_to >= $5))
          ORDER BY w.created_at, w.id LIMIT 50",
    )
    .bind(s.doctor_id)
    .bind(s.starts_at.date_naive())
    .bind(b.today)
    .bind(s.starts_at.time())
    .bind(s.ends_at.time())
    .fetch_all(&mut *conn)
    .await?;
    println!("EXPLAIN of the match query (one slot):");
    for line in plan {
        println!("  {line}");
    }
    Ok(())
}

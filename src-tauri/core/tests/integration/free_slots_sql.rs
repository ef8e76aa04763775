//! The free-slot arithmetic in SQL (`clinicdesk_free_slots`, behind first available) against the Rust one
//! (`schedule` via the booking grid's `free_slots`) over random schedules — weekly sessions, leave, extra
//! sessions, clinic holidays, booked, overbooked, cancelled and odd-length appointments — in zones whose DST
//! changes fall inside the days compared, so the two cannot drift apart.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use clinicdesk_core::db::appointment_types::{AppointmentTypeInput, TypeOffer};
use clinicdesk_core::db::availability::{self as availability_db, ExceptionInput, WeeklySession};
use clinicdesk_core::schedule::ExceptionKind;
use clinicdesk_core::services::{appointment_types, availability, scheduling as appts};
use clinicdesk_core::testing::Clinic;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

type Row = (i64, DateTime<Utc>, DateTime<Utc>, NaiveDate, String, String);

fn hm(minutes: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap()
}

/// Sorted, non-overlapping (possibly touching) sessions on a 5-minute grid; often around 01:00–04:00, where
/// DST changes happen.
fn random_sessions(rng: &mut StdRng) -> Vec<WeeklySession> {
    let mut out = vec![];
    for weekday in 1..=7 {
        let mut t = if rng.gen_bool(0.4) {
            rng.gen_range(0..30) * 5
        } else {
            rng.gen_range(12..120) * 5
        };
        for _ in 0..rng.gen_range(0..=3) {
            let len = rng.gen_range(3..60) * 5;
            if t + len > 23 * 60 + 55 {
                break;
            }
            out.push(WeeklySession {
                weekday,
                starts_at: hm(t),
                ends_at: hm(t + len),
            });
            // the next one touches this one (merged) or starts after a gap
            t += len
                + if rng.gen_bool(0.3) {
                    0
                } else {
                    rng.gen_range(1..40) * 5
                };
        }
    }
    out
}

fn random_window(rng: &mut StdRng) -> (NaiveTime, NaiveTime) {
    let s = rng.gen_range(0..240) * 5;
    (hm(s), hm(s + rng.gen_range(1..40) * 5))
}

fn rows(doctor_id: i64, days: Vec<appts::SlotDay>) -> Vec<Row> {
    days.into_iter()
        .flat_map(|d| d.slots)
        .map(|s| {
            (
                doctor_id,
                s.starts_at,
                s.ends_at,
                s.date,
                s.time,
                s.end_time,
            )
        })
        .collect()
}

/// One random clinic in `tz` compared over the 7 days from `from` (which hold a DST change).
async fn compare(tz: &str, from: NaiveDate, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let c = Clinic::new(tz).await;
    let owner = c.db.owner_pool().await;
    let mut doctors = vec![];
    for i in 0..3 {
        let id = c.doctor(&format!("Dr. Random {seed}-{i}"), false).await.0;
        let slot = *[5, 10, 15, 20, 25, 30, 45, 60].choose(&mut rng).unwrap();
        availability::set_weekly(&c.admin, id, slot, &random_sessions(&mut rng))
            .await
            .expect("random hours");
        doctors.push(id);
    }
    for _ in 0..rng.gen_range(2..8) {
        let doctor = *doctors.choose(&mut rng).unwrap();
        let on_date = from + Duration::days(rng.gen_range(0..7));
        let kind = *[
            ExceptionKind::Leave,
            ExceptionKind::Extra,
            ExceptionKind::Holiday,
        ]
        .choose(&mut rng)
        .unwrap();
        let times = if kind == ExceptionKind::Extra || rng.gen_bool(0.7) {
            let (s, e) = random_window(&mut rng);
            (Some(s), Some(e))
        } else {
            (None, None)
        };
        availability::add_exception(
            &c.admin,
            &ExceptionInput {
                doctor_id: (kind != ExceptionKind::Holiday).then_some(doctor),
                on_date,
                kind,
                starts_at: times.0,
                ends_at: times.1,
                reason: String::new(),
            },
        )
        .await
        .expect("random exception");
    }
    // appointments: some free slots booked as the desk does, plus odd ones written straight (longer than a slot,
    // off the grid, overbooked, cancelled — a cancelled one frees its time)
    let patient = c.patient("Pat Random").await;
    let mut grid = vec![];
    for d in &doctors {
        grid.extend(rows(
            *d,
            appts::compute_free_slots(&c.desk, *d, from, 7)
                .await
                .unwrap(),
        ));
    }
    grid.shuffle(&mut rng);
    for (i, (doctor, start, ..)) in grid.iter().take(6).enumerate() {
        let p = if i == 0 {
            patient
        } else {
            c.patient(&format!("Pat {i}")).await
        };
        appts::book(&c.desk, *doctor, p, *start)
            .await
            .expect("book a free slot");
    }
    let mut tx = owner.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    for (i, (doctor, start, ..)) in grid.iter().skip(6).take(6).enumerate() {
        let p = c.patient(&format!("Pat odd {i}")).await;
        let start = *start + Duration::minutes(rng.gen_range(-20..20));
        let end = start + Duration::minutes(rng.gen_range(5..90));
        let status = if rng.gen_bool(0.3) {
            "cancelled"
        } else {
            "booked"
        };
        // overbooked: beside a booking of the same doctor without breaking the no-overlap rule
        sqlx::query(
            "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, overbooked)
             VALUES ($1, $2, $3, $4, $5, true)",
        )
        .bind(doctor)
        .bind(p)
        .bind(start)
        .bind(end)
        .bind(status)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    let mut rust: Vec<Row> = vec![];
    for d in &doctors {
        rust.extend(rows(
            *d,
            appts::compute_free_slots(&c.desk, *d, from, 7)
                .await
                .unwrap(),
        ));
    }
    rust.sort();
    let mut conn = c.desk.acquire().await.unwrap();
    let mut sql: Vec<Row> =
        availability_db::free_slots(&mut conn, &doctors, from, 7, Utc::now(), tz, None, None)
            .await
            .unwrap()
            .into_iter()
            .map(|(d, s)| {
                (
                    d,
                    s.starts_at,
                    s.ends_at,
                    s.date,
                    s.time.format("%H:%M").to_string(),
                    s.end_time.format("%H:%M").to_string(),
                )
            })
            .collect();
    sql.sort();
    assert!(
        !rust.is_empty(),
        "seed {seed}: a schedule with no free slot proves little"
    );
    if rust != sql {
        let only_rust: Vec<_> = rust.iter().filter(|r| !sql.contains(r)).take(5).collect();
        let only_sql: Vec<_> = sql.iter().filter(|r| !rust.contains(r)).take(5).collect();
        panic!(
            "{tz} from {from}, seed {seed}: Rust {} slots, SQL {}; only in Rust {only_rust:?}; only in SQL {only_sql:?}",
            rust.len(),
            sql.len()
        );
    }
    // the first one, as the database finds it a day at a time, is the earliest of them all
    let first =
        availability_db::first_free(&mut conn, &doctors, from, 7, Utc::now(), tz, None, None)
            .await
            .unwrap()
            .map(|(d, s)| (d, s.starts_at));
    assert_eq!(
        first.map(|f| f.1),
        rust.iter().map(|r| r.1).min(),
        "seed {seed}"
    );

    // the same for a visit longer (or shorter) than the slot: an appointment type each doctor offers
    let minutes = *[10, 20, 35, 45, 60].choose(&mut rng).unwrap();
    // and a buffer after it: the doctor's time the grid must find free is the visit and its buffer
    let buffer = *[0, 5, 15].choose(&mut rng).unwrap();
    let visit = appointment_types::create(
        &c.admin,
        &AppointmentTypeInput {
            name: format!("Visit {minutes}"),
            minutes,
            colour: "#0f766e".into(),
            active: true,
            buffer_minutes: buffer,
        },
    )
    .await
    .unwrap();
    let mut offering = vec![];
    for d in &doctors {
        let offer = [TypeOffer {
            type_id: visit.id,
            is_default: false,
        }];
        // refused for a doctor whose every session is shorter than the visit
        if appointment_types::set_offers(&c.admin, *d, &offer)
            .await
            .is_ok()
        {
            offering.push(*d);
        }
    }
    let mut rust: Vec<Row> = vec![];
    for d in &offering {
        rust.extend(rows(
            *d,
            appts::compute_free_starts(&c.desk, *d, Some(visit.id), from, 7)
                .await
                .unwrap(),
        ));
    }
    rust.sort();
    let mut sql: Vec<Row> = availability_db::free_slots(
        &mut conn,
        &offering,
        from,
        7,
        Utc::now(),
        tz,
        Some(minutes),
        Some(buffer),
    )
    .await
    .unwrap()
    .into_iter()
    .map(|(d, s)| {
        (
            d,
            s.starts_at,
            s.ends_at,
            s.date,
            s.time.format("%H:%M").to_string(),
            s.end_time.format("%H:%M").to_string(),
        )
    })
    .collect();
    sql.sort();
    assert!(
        rust.iter()
            .all(|r| r.2 - r.1 == Duration::minutes((minutes + buffer) as i64)),
        "seed {seed}: every start takes the type's {minutes} minutes and its {buffer}-minute buffer"
    );
    assert_eq!(
        rust, sql,
        "{tz} from {from}, seed {seed}, {minutes}-minute visits with {buffer} minutes after"
    );
}

#[tokio::test]
async fn sql_free_slots_agree_with_rust_across_spring_forward() {
    for seed in 0..6 {
        // Europe/Berlin springs forward 02:00 → 03:00 on Sunday 28 March 2027
        compare(
            "Europe/Berlin",
            NaiveDate::from_ymd_opt(2027, 3, 25).unwrap(),
            seed,
        )
        .await;
    }
}

#[tokio::test]
async fn sql_free_slots_agree_with_rust_across_fall_back() {
    for seed in 10..16 {
        // America/New_York falls back 02:00 → 01:00 on Sunday 7 November 2027 (01:00–02:00 happens twice)
        compare(
            "America/New_York",
            NaiveDate::from_ymd_opt(2027, 11, 4).unwrap(),
            seed,
        )
        .await;
    }
}

#[tokio::test]
async fn sql_free_slots_agree_with_rust_in_a_half_hour_zone() {
    for seed in 20..23 {
        // Australia/Lord_Howe moves by 30 minutes (02:00 → 01:30) on Sunday 4 April 2027
        compare(
            "Australia/Lord_Howe",
            NaiveDate::from_ymd_opt(2027, 4, 1).unwrap(),
            seed,
        )
        .await;
    }
}

#[tokio::test]
async fn first_available_is_the_earliest_free_slot_of_the_department() {
    let c = Clinic::new("Europe/London").await;
    let (early, late) = (
        c.doctor("Dr. Early", false).await.0,
        c.doctor("Dr. Late", false).await.0,
    );
    let week = |h: u32| -> Vec<WeeklySession> {
        (1..=7)
            .map(|wd| WeeklySession {
                weekday: wd,
                starts_at: hm(h * 60),
                ends_at: hm(h * 60 + 120),
            })
            .collect()
    };
    availability::set_weekly(&c.admin, early, 20, &week(7))
        .await
        .unwrap();
    availability::set_weekly(&c.admin, late, 15, &week(20))
        .await
        .unwrap();
    let today = Utc::now().date_naive();
    let mut expected: Vec<(DateTime<Utc>, i64)> = vec![];
    for d in [early, late] {
        for r in rows(
            d,
            appts::compute_free_slots(&c.desk, d, today, 14)
                .await
                .unwrap(),
        ) {
            expected.push((r.1, d));
        }
    }
    expected.sort();
    let first = appts::first_available(&c.desk, c.department, None)
        .await
        .unwrap()
        .expect("a free slot within two weeks");
    assert_eq!((first.starts_at, first.doctor_id), expected[0]);

    // the whole first day of the earlier doctor on leave: the answer moves on, as the grid's does
    let first_day = first.date;
    availability::add_exception(
        &c.admin,
        &ExceptionInput {
            doctor_id: Some(first.doctor_id),
            on_date: first_day,
            kind: ExceptionKind::Leave,
            starts_at: None,
            ends_at: None,
            reason: String::new(),
        },
    )
    .await
    .unwrap();
    let next = appts::first_available(&c.desk, c.department, None)
        .await
        .unwrap()
        .unwrap();
    let mut expected: Vec<(DateTime<Utc>, i64)> = vec![];
    for d in [early, late] {
        for r in rows(
            d,
            appts::compute_free_slots(&c.desk, d, today, 14)
                .await
                .unwrap(),
        ) {
            expected.push((r.1, d));
        }
    }
    expected.sort();
    assert_eq!((next.starts_at, next.doctor_id), expected[0]);
    assert!(next.starts_at > first.starts_at);
}

#[tokio::test]
async fn a_range_outside_the_grids_bound_is_refused_by_name_in_sql_and_in_the_service() {
    let c = Clinic::new("Europe/London").await;
    let (doc, _) = c.doctor("Dr. Rao", false).await;
    let today = Utc::now().date_naive();
    for f in ["clinicdesk_free_slots", "clinicdesk_first_free_slot"] {
        for days in [0, 32, 100_000] {
            let e = sqlx::query(&format!(
                "SELECT * FROM {f}(ARRAY[$1]::bigint[], $2, $3, now(), 'Europe/London', NULL)"
            ))
            .bind(doc)
            .bind(today)
            .bind(days)
            .execute(c.desk.pool())
            .await
            .unwrap_err();
            assert_eq!(
                e.as_database_error().unwrap().constraint(),
                Some("free_slots_days"),
                "{f} {days}"
            );
        }
        // the bound itself is allowed
        sqlx::query(&format!(
            "SELECT * FROM {f}(ARRAY[$1]::bigint[], $2, 31, now(), 'Europe/London', NULL)"
        ))
        .bind(doc)
        .bind(today)
        .execute(c.desk.pool())
        .await
        .unwrap();
    }
    let e = appts::free_slots(&c.desk, doc, today, 32)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, clinicdesk_core::Error::Validation { field, .. } if field == "days"),
        "{e:?}"
    );
}

//! The booking checks a start in SQL (`clinicdesk_slot_end`), the grid lays slots in Rust (`schedule`): over random
//! schedules in several zones, DST change days included, both must name exactly the same slots.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use clinicdesk_core::schedule::{self, DatedException, ExceptionKind, WeeklyWindow};
use clinicdesk_core::testing::Clinic;
use sqlx::PgPool;

/// A small seeded generator: the cases are the same on every run, and a failure names its case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `k` sorted, distinct times on the 5-minute grid (00:00–23:55).
    fn times(&mut self, k: usize) -> Vec<NaiveTime> {
        let mut minutes: Vec<u32> = vec![];
        while minutes.len() < k {
            let m = self.below(288) as u32 * 5;
            if !minutes.contains(&m) {
                minutes.push(m);
            }
        }
        minutes.sort();
        minutes
            .into_iter()
            .map(|m| NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap())
            .collect()
    }
}

fn exception(
    kind: ExceptionKind,
    on_date: NaiveDate,
    times: Option<(NaiveTime, NaiveTime)>,
) -> DatedException {
    DatedException {
        on_date,
        kind,
        start: times.map(|t| t.0),
        end: times.map(|t| t.1),
    }
}

/// Replaces the doctor's schedule for `date` (and the clinic's holidays that day) with the given one.
async fn store(
    owner: &PgPool,
    doctor: i64,
    date: NaiveDate,
    weekly: &[WeeklyWindow],
    exceptions: &[DatedException],
) {
    sqlx::query("DELETE FROM doctor_availability WHERE doctor_id = $1")
        .bind(doctor)
        .execute(owner)
        .await
        .unwrap();
    sqlx::query(
        "DELETE FROM doctor_availability_exceptions WHERE doctor_id = $1 OR doctor_id IS NULL",
    )
    .bind(doctor)
    .execute(owner)
    .await
    .unwrap();
    for w in weekly {
        sqlx::query("INSERT INTO doctor_availability (doctor_id, weekday, starts_at, ends_at) VALUES ($1, $2, $3, $4)")
            .bind(doctor)
            .bind(w.weekday as i16)
            .bind(w.start)
            .bind(w.end)
            .execute(owner)
            .await
            .unwrap();
    }
    for e in exceptions {
        let kind = match e.kind {
            ExceptionKind::Leave => "leave",
            ExceptionKind::Extra => "extra",
            ExceptionKind::Holiday => "holiday",
        };
        sqlx::query(
            "INSERT INTO doctor_availability_exceptions (doctor_id, on_date, kind, starts_at, ends_at)
             VALUES (CASE WHEN $3 = 'holiday' THEN NULL ELSE $1 END, $2, $3, $4, $5)",
        )
        .bind(doctor)
        .bind(date)
        .bind(kind)
        .bind(e.start)
        .bind(e.end)
        .execute(owner)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn the_database_and_the_grid_agree_on_every_slot_over_random_schedules() {
    let c = Clinic::new("Europe/London").await;
    let owner = c.db.owner_pool().await;
    let (doctor, _) = c.doctor("Dr. Random", false).await;
    let zones = [
        "Europe/London",
        "America/New_York",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
    ];
    // spring-forward and fall-back days of those zones in 2026, and ordinary days
    let days = [
        (2026, 3, 29),
        (2026, 10, 25),
        (2026, 3, 8),
        (2026, 11, 1),
        (2026, 4, 5),
        (2026, 10, 4),
        (2026, 6, 15),
        (2026, 12, 2),
    ];
    let mut rng = Rng(0x2026_1129_0bad_5eed);
    let (mut compared, mut slots_seen) = (0, 0);
    for case in 0..80 {
        let zone = zones[case % zones.len()];
        let tz: Tz = zone.parse().unwrap();
        let (y, m, d) = days[rng.below(days.len() as u64) as usize];
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let weekday = chrono::Datelike::weekday(&date).number_from_monday();
        let slot_minutes: i64 = [5, 10, 15, 20, 25, 30, 45, 60][rng.below(8) as usize];
        // weekly sessions on that weekday (never overlapping, as the table requires), plus one on another day
        let n = rng.below(4) as usize;
        let bounds = rng.times(2 * n);
        let mut weekly: Vec<WeeklyWindow> = bounds
            .chunks(2)
            .map(|p| WeeklyWindow {
                weekday,
                start: p[0],
                end: p[1],
            })
            .collect();
        weekly.push(WeeklyWindow {
            weekday: weekday % 7 + 1,
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        });
        let mut exceptions = vec![];
        for _ in 0..rng.below(4) {
            let t = rng.times(2);
            let times = Some((t[0], t[1]));
            exceptions.push(match rng.below(10) {
                0..=3 => exception(ExceptionKind::Extra, date, times),
                4..=6 => exception(ExceptionKind::Leave, date, times),
                7 => exception(ExceptionKind::Leave, date, None),
                8 => exception(ExceptionKind::Holiday, date, times),
                _ => exception(ExceptionKind::Holiday, date, None),
            });
        }
        store(&owner, doctor, date, &weekly, &exceptions).await;

        let windows = schedule::day_windows(date, &weekly, &exceptions);
        let rust: Vec<(DateTime<Utc>, DateTime<Utc>)> =
            schedule::slots_in_windows(tz, date, &windows, slot_minutes)
                .into_iter()
                .map(|s| (s.starts_at, s.ends_at))
                .collect();
        let (from, to) = schedule::utc_range(tz, date, 1);
        let sql: Vec<(DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
            "SELECT g, clinicdesk_slot_end($1, $2, g, $3)
               FROM generate_series($4::timestamptz, $5::timestamptz - interval '1 minute', interval '5 minutes') g
              WHERE clinicdesk_slot_end($1, $2, g, $3) IS NOT NULL
              ORDER BY g",
        )
        .bind(doctor)
        .bind(slot_minutes as i32)
        .bind(zone)
        .bind(from)
        .bind(to)
        .fetch_all(&owner)
        .await
        .unwrap();
        let mut rust_sorted = rust.clone();
        rust_sorted.sort();
        assert_eq!(
            sql, rust_sorted,
            "case {case}: {zone} {date}, {slot_minutes}-minute slots, weekly {weekly:?}, exceptions {exceptions:?}"
        );
        compared += 1;
        slots_seen += rust.len();
    }
    assert_eq!(compared, 80);
    assert!(
        slots_seen > 500,
        "the cases must actually hold slots ({slots_seen})"
    );
}

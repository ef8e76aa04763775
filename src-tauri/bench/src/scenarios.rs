//! The scenarios of `clinicdesk-bench`: the numbers in BENCHMARKS.md. Each scenario builds its own throwaway database
//! (`clinicdesk_bench`) in the embedded cluster, loads demo data, and times the same core services the app
//! calls — beside raw PostgreSQL doing the same work from the same pool where a comparison is asked for.
//! Numbers are printed, never asserted.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate, Utc};
use clinicdesk_core::context::Desk;
use clinicdesk_core::db::{self, staff::StaffRole};
use clinicdesk_core::demo::{self, DemoOptions};
use clinicdesk_core::embedded::EmbeddedCluster;
use clinicdesk_core::services::{patients, scheduling as appts, setup, staff};
use clinicdesk_core::target::DbTarget;
use clinicdesk_core::{Error, Result};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::{Connection, PgPool};

mod dashboard;
mod waitlist;

const BENCH_DB: &str = "clinicdesk_bench";
const PW: &str = "bench-violet-anchor-mango-29";

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Scenario {
    /// Booking throughput, 8 clients: core service vs raw INSERT; then 8 clients racing for the same slots.
    Booking,
    /// Free-slot grids (7 days) for 50 doctors.
    Slots,
    /// Patient search (name fragment, phone prefix, MRN) over many patients.
    Search,
    /// Today board for a day with 2,000 appointments.
    Board,
    /// Bulk CSV export of 1,000,000 visits vs COPY of the same query, with peak memory growth.
    Export,
    /// A patient's visit timeline with 500 visits.
    Timeline,
    /// 10,000 reminders enqueued and delivered to a local webhook (SMS) and to a local SMTP server.
    Notify,
    /// Planning reminders for 10,000 appointments with three reminder rules (the daily planning pass).
    Reminders,
    /// Monthly reports for 500 doctors over a month of ~100,000 appointments.
    Reports,
    /// Dashboard stats and free slots on 1,000,000 appointments, uncached vs cached, with EXPLAIN.
    Dashboard,
    /// Matching a freed slot against 10,000 open waitlist entries (core service and query alone), with EXPLAIN.
    Waitlist,
}

struct Bench {
    target: DbTarget,
    owner: PgPool,
    desk: PgPool,
    today: NaiveDate,
}

/// A fresh bench database with a clinic, a reception pool of `clients` connections and demo data.
async fn prepare(
    cluster: &EmbeddedCluster,
    clients: u32,
    doctors: usize,
    patients: usize,
) -> Result<Bench> {
    cluster.start().await?;
    let mut admin_conn = db::connect_one(&cluster.owner_options("postgres")).await?;
    sqlx::query_scalar!("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'clinicdesk_bench' AND pid <> pg_backend_pid()")
        .fetch_one(&mut admin_conn)
        .await?;
    // the name is a constant: identifiers cannot be bound
    sqlx::query("DROP DATABASE IF EXISTS clinicdesk_bench")
        .execute(&mut admin_conn)
        .await?;
    cluster.ensure_database(BENCH_DB).await?;
    let target = DbTarget::Embedded {
        cluster: cluster.clone(),
        database: BENCH_DB.into(),
    };
    let tag = std::process::id();
    let admin_user = format!("bench_admin_{tag}");
    let desk_user = format!("bench_desk_{tag}");
    let input = setup::SetupInput {
        clinic_name: "Bench Clinic".into(),
        time_zone: "UTC".into(),
        admin_username: admin_user.clone(),
        admin_full_name: "Bench Admin".into(),
        admin_password: PW.into(),
        load_demo: false,
        locale: None,
    };
    setup::complete_setup(&target, &db::MIGRATOR, &input).await?;
    let owner = db::connect_pool(target.owner_options().expect("owner"), clients.max(2)).await?;
    staff::create(
        &owner,
        &staff::NewStaff {
            username: desk_user.clone(),
            full_name: "Bench Desk".into(),
            role: StaffRole::Reception,
            password: PW.into(),
        },
    )
    .await?;
    let today = Utc::now().date_naive();
    let started = Instant::now();
    let mut conn = owner.acquire().await?;
    let mut tx = conn.begin().await?;
    let opts = DemoOptions {
        doctors,
        patients,
        days: 0,
        seed: 7,
        anchor: Some(today),
    };
    let summary = demo::load(&mut tx, &opts).await?;
    tx.commit().await?;
    drop(conn);
    sqlx::query!("ANALYZE").execute(&owner).await?;
    println!(
        "prepared: {} doctors, {} patients, {} appointments today in {:.1}s",
        summary.doctors,
        summary.patients,
        summary.appointments,
        started.elapsed().as_secs_f64()
    );
    let desk = db::connect_pool(target.staff_options(&desk_user, PW), clients).await?;
    Ok(Bench {
        target,
        owner,
        desk,
        today,
    })
}

impl Bench {
    async fn finish(self) {
        self.desk.close().await;
        self.owner.close().await;
    }
}

fn pct(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

fn report(name: &str, samples: &mut Vec<Duration>) {
    println!(
        "{name:<44} n={:<6} p50={:>8.3} ms  p99={:>8.3} ms  max={:>8.3} ms",
        samples.len(),
        pct(samples, 0.5),
        pct(samples, 0.99),
        pct(samples, 1.0)
    );
}

/// Free slots of every active doctor over `days` days from `from`: (doctor, start).
async fn slot_tasks(
    b: &Bench,
    from: NaiveDate,
    days: i64,
) -> Result<Vec<(i64, chrono::DateTime<Utc>)>> {
    let mut out = vec![];
    let doctors: Vec<i64> = sqlx::query_scalar!("SELECT id FROM doctors WHERE active ORDER BY id")
        .fetch_all(&b.owner)
        .await?;
    for d in doctors {
        for day in appts::compute_free_slots(&b.desk, d, from, days).await? {
            out.extend(day.slots.iter().map(|s| (d, s.starts_at)));
        }
    }
    Ok(out)
}

/// Live appointments that overlap an earlier one of the same doctor (one sorted pass, not a self-join: the
/// growth runs hold a million appointments).
async fn double_bookings(pool: &PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM (
             SELECT starts_at, max(ends_at) OVER (PARTITION BY doctor_id ORDER BY starts_at, id
                                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_end
               FROM appointments WHERE status <> 'cancelled' AND NOT overbooked) x
            WHERE starts_at < earlier_end"#
    )
    .fetch_one(pool)
    .await?)
}

/// Runs `tasks` on `clients` concurrent workers; returns (wall time, successes, conflicts).
async fn run_clients<F, Fut>(
    clients: usize,
    tasks: Vec<(i64, chrono::DateTime<Utc>, i64)>,
    f: F,
) -> (Duration, usize, usize)
where
    F: Fn((i64, chrono::DateTime<Utc>, i64)) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let tasks = Arc::new(tasks);
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let conflicts = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (tasks, next, ok, conflicts, f) = (
                tasks.clone(),
                next.clone(),
                ok.clone(),
                conflicts.clone(),
                f.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(t) = tasks.get(i) else { break };
                    match f(*t).await {
                        Ok(()) => ok.fetch_add(1, Ordering::Relaxed),
                        Err(Error::Conflict(_)) => conflicts.fetch_add(1, Ordering::Relaxed),
                        Err(e) => panic!("bench task failed: {e:?}"),
                    };
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    (
        started.elapsed(),
        ok.load(Ordering::Relaxed),
        conflicts.load(Ordering::Relaxed),
    )
}

/// Booking throughput; `history` past appointments are loaded first (the growth runs), none by default.
async fn booking(b: &Bench, clients: usize, history: i64) -> Result<()> {
    if history > 0 {
        let started = Instant::now();
        let n = visits(b, history, None).await?;
        println!(
            "history: {n} past appointments in {:.1}s",
            started.elapsed().as_secs_f64()
        );
    }
    let patients: Vec<i64> = sqlx::query_scalar!("SELECT id FROM patients ORDER BY id")
        .fetch_all(&b.owner)
        .await?;
    let mut rng = StdRng::seed_from_u64(11);
    // distinct slots for each path, on days nobody else uses; a distinct patient per booking
    let mut core_slots = slot_tasks(b, b.today + Days::days(30), 7).await?;
    let mut raw_slots = slot_tasks(b, b.today + Days::days(40), 7).await?;
    core_slots.shuffle(&mut rng);
    raw_slots.shuffle(&mut rng);
    let n = core_slots
        .len()
        .min(raw_slots.len())
        .min(patients.len() / 2)
        .min(4000);
    let core_tasks: Vec<_> = core_slots[..n]
        .iter()
        .enumerate()
        .map(|(i, (d, s))| (*d, *s, patients[i]))
        .collect();
    let raw_tasks: Vec<_> = raw_slots[..n]
        .iter()
        .enumerate()
        .map(|(i, (d, s))| (*d, *s, patients[n + i]))
        .collect();

    let pool = Desk::new(b.desk.clone());
    let (core_t, core_ok, _) = run_clients(clients, core_tasks, move |(d, s, p)| {
        let pool = pool.clone();
        async move { appts::book(&pool, d, p, s).await.map(|_| ()) }
    })
    .await;
    let pool = b.desk.clone();
    let (raw_t, raw_ok, _) = run_clients(clients, raw_tasks, move |(d, s, p)| {
        let pool = pool.clone();
        async move {
            let end = s + Days::minutes(15);
            sqlx::query!("INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)", d, p, s, end)
                .execute(&pool)
                .await
                .map(|_| ())
                .map_err(Error::from)
        }
    })
    .await;
    let core_rate = core_ok as f64 / core_t.as_secs_f64();
    let raw_rate = raw_ok as f64 / raw_t.as_secs_f64();
    println!("booking, {clients} clients, core service (validate + slot check + insert + outbox): {core_ok} in {:.2}s = {core_rate:.0}/s", core_t.as_secs_f64());
    println!("booking, {clients} clients, raw INSERT with the same constraints:                   {raw_ok} in {:.2}s = {raw_rate:.0}/s", raw_t.as_secs_f64());
    println!("core / raw = {:.2}", core_rate / raw_rate);

    // the race: every client tries every slot (in its own order); each slot must be won exactly once
    let mut race_slots = slot_tasks(b, b.today + Days::days(50), 3).await?;
    race_slots.truncate(500);
    let base = 2 * n;
    let mut race = vec![];
    for c in 0..clients {
        let mut mine: Vec<_> = race_slots
            .iter()
            .enumerate()
            .map(|(i, (d, s))| {
                (
                    *d,
                    *s,
                    patients[(base + c * race_slots.len() + i) % patients.len()],
                )
            })
            .collect();
        mine.shuffle(&mut rng);
        race.extend(mine);
    }
    let attempts = race.len();
    let pool = Desk::new(b.desk.clone());
    let (race_t, race_ok, race_conflicts) = run_clients(clients, race, move |(d, s, p)| {
        let pool = pool.clone();
        async move { appts::book(&pool, d, p, s).await.map(|_| ()) }
    })
    .await;
    println!(
        "race: {attempts} attempts at {} slots by {clients} clients in {:.2}s → {race_ok} booked, {race_conflicts} refused as Conflict",
        race_slots.len(),
        race_t.as_secs_f64()
    );
    println!(
        "double bookings in the database: {}",
        double_bookings(&b.owner).await?
    );
    Ok(())
}

async fn slots(b: &Bench) -> Result<()> {
    let doctors: Vec<i64> = sqlx::query_scalar!("SELECT id FROM doctors WHERE active ORDER BY id")
        .fetch_all(&b.owner)
        .await?;
    let mut per_doctor = vec![];
    let mut all = vec![];
    for _ in 0..20 {
        let t_all = Instant::now();
        for d in &doctors {
            let t = Instant::now();
            appts::compute_free_slots(&b.desk, *d, b.today, 7).await?;
            per_doctor.push(t.elapsed());
        }
        all.push(t_all.elapsed());
    }
    report(
        "free slots, one doctor × 7 days (uncached)",
        &mut per_doctor,
    );
    report(
        &format!(
            "free slots, all {} doctors × 7 days (uncached)",
            doctors.len()
        ),
        &mut all,
    );
    println!("free slots, cached: see `bench dashboard` (it measures the slot cache's lookups)");
    typed_slots(b, &doctors).await?;
    first_available(b, &doctors).await
}

/// A 45-minute appointment type every doctor offers: its free starts for one doctor × 7 days (Rust, uncached),
/// and the first available start across all doctors (SQL, a day at a time).
async fn typed_slots(b: &Bench, doctors: &[i64]) -> Result<()> {
    use clinicdesk_core::clock::Clock;
    use clinicdesk_core::db::availability;
    let type_id: i64 = sqlx::query_scalar(
        "INSERT INTO appointment_types (name, minutes) VALUES ('Bench 45', 45)
         ON CONFLICT (lower(name)) DO UPDATE SET minutes = 45 RETURNING id",
    )
    .fetch_one(&b.owner)
    .await?;
    sqlx::query(
        "INSERT INTO doctor_appointment_types (doctor_id, type_id) SELECT unnest($1::bigint[]), $2
         ON CONFLICT DO NOTHING",
    )
    .bind(doctors)
    .bind(type_id)
    .execute(&b.owner)
    .await?;
    let mut per_doctor = vec![];
    for _ in 0..5 {
        for d in doctors {
            let t = Instant::now();
            appts::compute_free_starts(&b.desk, *d, Some(type_id), b.today, 7).await?;
            per_doctor.push(t.elapsed());
        }
    }
    report(
        "free starts of a 45-minute type, one doctor × 7 days (uncached)",
        &mut per_doctor,
    );
    let mut conn = b.desk.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let mut first = vec![];
    for _ in 0..200 {
        let t = Instant::now();
        availability::first_free(
            &mut conn,
            doctors,
            clock.today(),
            7,
            clock.now,
            clock.tz.name(),
            Some(45),
            Some(0),
        )
        .await?;
        first.push(t.elapsed());
    }
    report(
        &format!(
            "first available start of a 45-minute type, all {} doctors × 7 days (SQL)",
            doctors.len()
        ),
        &mut first,
    );
    drop(conn);
    // a weekly series of 52 visits of that type, previewed (conflicts and alternatives included)
    let patient: i64 = sqlx::query_scalar("SELECT min(id) FROM patients")
        .fetch_one(&b.owner)
        .await?;
    let first_start = appts::compute_free_starts(
        &b.desk,
        doctors[0],
        Some(type_id),
        b.today + Days::days(1),
        7,
    )
    .await?
    .iter()
    .find_map(|d| d.slots.first().map(|s| s.starts_at))
    .ok_or_else(|| clinicdesk_core::Error::internal("no free start for the series bench"))?;
    let req = appts::SeriesRequest {
        doctor_id: doctors[0],
        patient_id: patient,
        type_id: Some(type_id),
        reason: String::new(),
        first_start,
        every: 1,
        unit: appts::RepeatUnit::Weeks,
        weekdays: vec![],
        count: Some(52),
        until: None,
    };
    let mut preview = vec![];
    let mut n = 0;
    let desk = Desk::new(b.desk.clone());
    for _ in 0..50 {
        let t = Instant::now();
        n = appts::preview_series(&desk, &req).await?.len();
        preview.push(t.elapsed());
    }
    report(&format!("series preview, {n} weekly visits"), &mut preview);
    Ok(())
}

/// First available across all doctors × 7 days, set-based in SQL (no cache in the way), beside the whole grid
/// of the same doctors and days in one statement and the department service (14 days).
async fn first_available(b: &Bench, doctors: &[i64]) -> Result<()> {
    use clinicdesk_core::clock::Clock;
    use clinicdesk_core::db::availability;
    let mut conn = b.desk.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let (mut first, mut grid) = (vec![], vec![]);
    let (mut grid_slots, mut found) = (0, None);
    for _ in 0..200 {
        let t = Instant::now();
        found = availability::first_free(
            &mut conn,
            doctors,
            clock.today(),
            7,
            clock.now,
            clock.tz.name(),
            None,
            None,
        )
        .await?;
        first.push(t.elapsed());
        let t = Instant::now();
        grid_slots = availability::free_slots(
            &mut conn,
            doctors,
            clock.today(),
            7,
            clock.now,
            clock.tz.name(),
            None,
            None,
        )
        .await?
        .len();
        grid.push(t.elapsed());
    }
    report(
        &format!(
            "first available, all {} doctors × 7 days (SQL)",
            doctors.len()
        ),
        &mut first,
    );
    match found {
        Some((_, s)) => println!(
            "  … found on {} (day {} of 7)",
            s.date,
            (s.date - clock.today()).num_days() + 1
        ),
        None => println!("  … none in 7 days: every day computed (the worst case)"),
    }
    report(
        &format!(
            "all free slots, {} doctors × 7 days, one statement ({grid_slots})",
            doctors.len()
        ),
        &mut grid,
    );
    drop(conn);
    let departments: Vec<i64> = sqlx::query_scalar!("SELECT id FROM departments ORDER BY id")
        .fetch_all(&b.owner)
        .await?;
    let mut per_department = vec![];
    for _ in 0..20 {
        for d in &departments {
            let t = Instant::now();
            appts::first_available(&b.desk, *d, None).await?;
            per_department.push(t.elapsed());
        }
    }
    report(
        &format!(
            "first available in a department (service, 14 days, {} departments)",
            departments.len()
        ),
        &mut per_department,
    );
    Ok(())
}

async fn search(b: &Bench) -> Result<()> {
    let sample: Vec<(String, Option<String>, String)> =
        sqlx::query!("SELECT full_name, phone, mrn FROM patients TABLESAMPLE SYSTEM (1) LIMIT 300")
            .fetch_all(&b.owner)
            .await?
            .into_iter()
            .map(|r| (r.full_name, r.phone, r.mrn))
            .collect();
    let mut rng = StdRng::seed_from_u64(5);
    let (mut prefixes, mut fragments, mut typos, mut phones, mut mrns) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (name, phone, mrn) in &sample {
        let chars: Vec<char> = name.chars().collect();
        // what a receptionist types: the start of the first name or of the surname, 2–6 characters
        let word: Vec<char> = if rng.gen_bool(0.5) {
            chars.clone()
        } else {
            name.rsplit(' ').next().unwrap_or(name).chars().collect()
        };
        prefixes.push(
            word[..rng.gen_range(2..=6).min(word.len())]
                .iter()
                .collect::<String>(),
        );
        // the hard case: a piece from anywhere inside the name
        let len = rng.gen_range(3..=6).min(chars.len());
        let at = rng.gen_range(0..=chars.len() - len);
        let fragment: String = chars[at..at + len]
            .iter()
            .collect::<String>()
            .trim()
            .to_string();
        if fragment.chars().count() >= 2 {
            fragments.push(fragment);
        }
        // a typo: the whole name with two neighbouring letters swapped
        if chars.len() >= 5 {
            let k = rng.gen_range(1..chars.len() - 2);
            let mut t = chars.clone();
            t.swap(k, k + 1);
            typos.push((t.into_iter().collect::<String>(), name.clone()));
        }
        if let Some(p) = phone {
            phones.push(p[..8.min(p.len())].to_string());
        }
        mrns.push(mrn.clone());
    }

    // the service, as the app calls it
    let service = |qs: Vec<String>| async move {
        let mut samples = vec![];
        let mut hits = vec![];
        for q in qs {
            let t = Instant::now();
            let h = patients::search(&b.desk, &q).await?;
            samples.push(t.elapsed());
            hits.push((q, h));
        }
        Ok::<_, Error>((samples, hits))
    };
    let (mut s, _) = service(prefixes.clone()).await?;
    report("patient search, name/surname prefix (2–6 chars)", &mut s);
    let (mut s, hits) = service(fragments.clone()).await?;
    let key = |x: &str| {
        let mut k = String::new();
        for c in x.to_lowercase().chars() {
            if c.is_alphanumeric() {
                k.push(c);
            } else if !k.ends_with('0') || k.is_empty() {
                k.push('0');
            }
        }
        k
    };
    let containing = hits
        .iter()
        .filter(|(q, h)| h.iter().any(|p| key(&p.full_name).contains(&key(q))))
        .count();
    report("patient search, inner fragment (2–6 chars)", &mut s);
    println!(
        "  … results containing the fragment: {containing}/{}",
        hits.len()
    );
    let (mut s, hits) = service(typos.iter().map(|(t, _)| t.clone()).collect()).await?;
    let found = hits
        .iter()
        .zip(&typos)
        .filter(|((_, h), (_, name))| h.iter().any(|p| &p.full_name == name))
        .count();
    report("patient search, whole name with a typo", &mut s);
    println!(
        "  … the intended name among the results: {found}/{}",
        typos.len()
    );
    let (mut s, _) = service(phones).await?;
    report("patient search, phone prefix (8 chars)", &mut s);
    let (mut s, _) = service(mrns).await?;
    report("patient search, MRN", &mut s);

    // the candidates for a piece from inside a name, side by side on the same pieces (BENCHMARKS.md)
    println!("candidates, the same inner fragments of 3+ characters (raw SQL as the desk, without the prefix search):");
    let started = Instant::now();
    // the index the search used before (migration 3, dropped in 20261129001002), for candidates A
    sqlx::query(
        "CREATE INDEX bench_full_name_gist ON patients USING gist (full_name gist_trgm_ops)",
    )
    .execute(&b.owner)
    .await?;
    sqlx::query!("ANALYZE patients").execute(&b.owner).await?;
    println!(
        "  (built the former GiST trigram index on full_name again for the A candidates in {:.1}s)",
        started.elapsed().as_secs_f64()
    );
    let like = |q: &str| {
        format!(
            "%{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    };
    let candidates: [(&str, &str, &str); 5] = [
        (
            "A. before: GiST word similarity (<%, KNN <<->)",
            "RESET ALL",
            "SELECT id FROM patients WHERE $1 <% full_name ORDER BY $1 <<-> full_name LIMIT 20",
        ),
        (
            "B. GIN lower(name) LIKE, LIMIT 20",
            "RESET ALL",
            "SELECT id FROM patients WHERE lower(full_name) LIKE $2 LIMIT 20",
        ),
        (
            "C. B, 200 candidates, ranked, LIMIT 20",
            "RESET ALL",
            "SELECT id FROM (SELECT id, full_name FROM patients WHERE lower(full_name) LIKE $2 LIMIT 200) c
              ORDER BY full_name LIMIT 20",
        ),
        (
            "D. name-key GIN, no seq scan, 200 cand., ranked",
            "SET enable_seqscan = off",
            "SELECT id FROM (SELECT id, full_name FROM patients
                              WHERE clinicdesk_name_key(full_name) LIKE '%' || clinicdesk_name_key($1) || '%'
                              LIMIT 200) c
              ORDER BY full_name LIMIT 20",
        ),
        (
            "E. D, candidates sampled first (chosen, in SQL)",
            "RESET ALL",
            "SELECT id FROM clinicdesk_patients_with_name_piece($1, '{}', 20)",
        ),
    ];
    for (label, setup, sql) in candidates {
        let mut samples = vec![];
        let mut empty = 0;
        let mut conn = b.desk.acquire().await?;
        sqlx::query(setup).execute(&mut *conn).await?;
        for q in fragments.iter().filter(|q| q.chars().count() >= 3) {
            let t = Instant::now();
            let query = sqlx::query_scalar(sql).bind(q);
            let query = if sql.contains("$2") {
                query.bind(like(q))
            } else {
                query
            };
            let ids: Vec<i64> = query.fetch_all(&mut *conn).await?;
            samples.push(t.elapsed());
            empty += usize::from(ids.is_empty());
        }
        sqlx::query("RESET ALL").execute(&mut *conn).await?;
        let n = samples.len();
        report(&format!("  {label}"), &mut samples);
        println!("    … nothing found for {empty}/{n}");
    }
    println!("candidates for a typo, same names:");
    let typo_candidates: [(&str, &str); 4] = [
        (
            "A. before: GiST word similarity, KNN",
            "SELECT full_name FROM patients WHERE $1 <% full_name ORDER BY $1 <<-> full_name LIMIT 20",
        ),
        (
            "B. GiST similarity (%), KNN <->",
            "SELECT full_name FROM patients WHERE full_name % $1 ORDER BY full_name <-> $1 LIMIT 20",
        ),
        (
            "C. GIN similarity (%), 200 candidates, ranked",
            "SELECT full_name FROM (SELECT full_name FROM patients WHERE lower(full_name) % lower($1) LIMIT 200) c
              ORDER BY lower(full_name) <-> lower($1) LIMIT 20",
        ),
        (
            "D. C or GIN word similarity (<%), ranked (chosen)",
            "SELECT full_name FROM clinicdesk_patients_like_name($1, 20)",
        ),
    ];
    for (label, sql) in typo_candidates {
        let mut samples = vec![];
        let mut found = 0;
        let mut conn = b.desk.acquire().await?;
        for (q, name) in &typos {
            let t = Instant::now();
            let names: Vec<String> = sqlx::query_scalar(sql)
                .bind(q)
                .fetch_all(&mut *conn)
                .await?;
            samples.push(t.elapsed());
            found += usize::from(names.contains(name));
        }
        report(&format!("  {label}"), &mut samples);
        println!(
            "    … the intended name among the results: {found}/{}",
            typos.len()
        );
    }
    sqlx::query("DROP INDEX bench_full_name_gist")
        .execute(&b.owner)
        .await?;
    Ok(())
}

async fn board(b: &Bench) -> Result<()> {
    let day = b.today + Days::days(14);
    // 40 appointments for each of 50 doctors on one day, 10 minutes apart from 08:00; distinct patients per time
    let n: i64 = sqlx::query_scalar!(
        r#"WITH d AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM doctors WHERE active ORDER BY id LIMIT 50),
                p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM patients ORDER BY id LIMIT 2000),
                ins AS (
                  INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at)
                  SELECT d.id, p.id, $1::date + time '08:00' + make_interval(mins => (10 * s)::int),
                         $1::date + time '08:00' + make_interval(mins => (10 * s + 10)::int)
                    FROM d CROSS JOIN generate_series(0, 39) s JOIN p ON p.k = d.k * 40 + s
                  RETURNING 1)
           SELECT count(*) AS "n!" FROM ins"#,
        day
    )
    .fetch_one(&b.owner)
    .await?;
    println!("board day {day}: {n} appointments");
    // what autovacuum does after a bulk load: planner statistics for the new rows
    sqlx::query("ANALYZE appointments")
        .execute(&b.owner)
        .await?;
    // the first call on a connection also prepares its statements (once per connection): shown, not sampled
    let t = Instant::now();
    appts::today_board(&b.desk, Some(day)).await?;
    println!(
        "board first call (prepares its statements): {:.3} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let mut samples = vec![];
    for _ in 0..200 {
        let t = Instant::now();
        let board = appts::today_board(&b.desk, Some(day)).await?;
        samples.push(t.elapsed());
        assert!(
            board
                .columns
                .iter()
                .map(|c| c.appointments.len())
                .sum::<usize>()
                >= n as usize
        );
    }
    report("Today board, one day", &mut samples);

    // The flow board: today, the same 2,000 appointments, with waiting times: of each doctor's 40, the first 15
    // done, 5 with the doctor, 10 waiting (arrived 5–50 minutes ago), 10 booked; stamps written by the owner
    let today = b.today;
    let n: i64 = sqlx::query_scalar!(
        r#"WITH d AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM doctors WHERE active ORDER BY id LIMIT 50),
                p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM patients ORDER BY id LIMIT 2000),
                ins AS (
                  INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, checked_in_at, called_at,
                                            overbooked)
                  SELECT d.id, p.id, $1::date + time '08:00' + make_interval(mins => (10 * s)::int),
                         $1::date + time '08:00' + make_interval(mins => (10 * s + 10)::int),
                         CASE WHEN s < 15 THEN 'completed' WHEN s < 30 THEN 'checked_in' ELSE 'booked' END,
                         CASE WHEN s < 30 THEN now() - make_interval(mins => (5 * (30 - s))::int) END,
                         CASE WHEN s < 20 THEN now() - make_interval(mins => (5 * (30 - s) - 7)::int) END, true
                    FROM d CROSS JOIN generate_series(0, 39) s JOIN p ON p.k = d.k * 40 + s
                  -- a demo patient already booked at that time today keeps their own appointment
                  ON CONFLICT DO NOTHING
                  RETURNING 1)
           SELECT count(*) AS "n!" FROM ins"#,
        today
    )
    .fetch_one(&b.owner)
    .await?;
    println!("flow board today {today}: {n} more appointments (per doctor: 15 done, 5 with the doctor, 10 waiting, 10 booked)");
    let mut samples = vec![];
    for _ in 0..200 {
        let t = Instant::now();
        let board = appts::today_board(&b.desk, None).await?;
        samples.push(t.elapsed());
        let cards: usize = board.columns.iter().map(|c| c.flow.cards.len()).sum();
        assert!(
            cards >= n as usize,
            "every appointment has its flow card ({cards})"
        );
    }
    report(
        "Flow board with waiting times, 2,000 appointments",
        &mut samples,
    );
    Ok(())
}

/// Runs a scenario in a cluster of its own under `<data dir>/bench-cluster` (durable settings, made afresh and
/// removed afterwards), so a benchmark never touches a clinic's database or roles.
/// Completed visits with treatments, written straight by the owner (triggers off): `n` of them, back from
/// yesterday in 10-minute steps — spread over 50 doctors and all patients, or all for one `patient`.
async fn visits(b: &Bench, n: i64, patient: Option<i64>) -> Result<i64> {
    let mut tx = b.owner.begin().await?;
    sqlx::query!("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query_scalar!(
        r#"WITH d AS (SELECT array_agg(id ORDER BY id) AS ids FROM (SELECT id FROM doctors WHERE active ORDER BY id LIMIT 50) x),
                p AS (SELECT array_agg(id ORDER BY id) AS ids FROM patients),
                a AS (
                  INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, booked_by)
                  SELECT d.ids[1 + g % array_length(d.ids, 1)],
                         coalesce($2, p.ids[1 + g % array_length(p.ids, 1)]),
                         date_trunc('day', now()) - interval '1 day'
                           - make_interval(mins => (10 * CASE WHEN $2::bigint IS NULL THEN g / array_length(d.ids, 1) ELSE g END)::int),
                         date_trunc('day', now()) - interval '1 day' + interval '5 min'
                           - make_interval(mins => (10 * CASE WHEN $2::bigint IS NULL THEN g / array_length(d.ids, 1) ELSE g END)::int),
                         'completed', 'bench'
                    FROM generate_series(0, $1::bigint - 1) g, d, p
                  RETURNING id)
           INSERT INTO treatments (appointment_id, visit_type, symptoms, diagnosis, icd10_code, treatment_given, prescription, notes, recorded_by)
           SELECT id, 'consultation', 'cough, fever for three days', 'Acute upper respiratory infection', 'J06.9', 'Rest and fluids',
                  '[{"medicine": "Paracetamol", "dose": "1 g", "frequency": "four times daily", "duration": "3 days", "instructions": "after food"}]',
                  'Review if not better in a week', 'bench'
             FROM a"#,
        n,
        patient
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    sqlx::query!("ANALYZE").execute(&b.owner).await?;
    Ok(inserted as i64)
}

/// The process's peak resident memory so far (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

async fn export_bench(b: &Bench, visits_n: i64) -> Result<()> {
    use clinicdesk_core::export::{self, ExportControl, ExportRequest, ExportScope};
    let started = Instant::now();
    let n = visits(b, visits_n, None).await?;
    println!(
        "generated {n} visits in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir()?;
    // every visit: 10-minute steps over 50 doctors reach back n / 7,200 days (139 for 1,000,000)
    let (from, to) = (b.today - Days::days(n / 7_200 + 30), b.today);

    // raw PostgreSQL: COPY of the same query, streamed into a file
    let copy_path = dir.path().join("copy.csv");
    let t = Instant::now();
    {
        use futures_util::TryStreamExt;
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&copy_path)?);
        let sql = format!(
            "COPY (SELECT p.id, p.mrn, p.full_name, d.full_name, dep.name, a.starts_at, t.visit_type, t.symptoms, t.diagnosis, t.icd10_code,
                          t.treatment_given, t.prescription, t.notes, t.next_visit_on
                     FROM treatments t JOIN appointments a ON a.id = t.appointment_id JOIN patients p ON p.id = a.patient_id
                     JOIN doctors d ON d.id = a.doctor_id JOIN departments dep ON dep.id = d.department_id
                    WHERE a.starts_at >= '{from}' AND a.starts_at < '{to}'::date + 1 ORDER BY a.starts_at, a.id)
             TO STDOUT WITH (FORMAT csv, HEADER)"
        );
        let mut stream = sqlx::postgres::PgPoolCopyExt::copy_out_raw(&b.owner, &sql).await?;
        while let Some(chunk) = stream.try_next().await? {
            file.write_all(&chunk)?;
        }
        file.flush()?;
    }
    let copy_t = t.elapsed();
    let copy_rate = n as f64 / copy_t.as_secs_f64();

    // ClinicDesk: the app's export (formatting, neutralising, temp file + rename, record + audit)
    let before = peak_rss_mib();
    let t = Instant::now();
    let path = dir.path().join("visits.csv");
    let started = export::start(
        &b.owner,
        ExportRequest {
            scope: ExportScope::Visits { from, to },
            path: path.clone(),
            bom: false,
        },
    )
    .await?;
    let out = export::run(&b.owner, &started, &ExportControl::default()).await?;
    let export_t = t.elapsed();
    let after = peak_rss_mib();
    let rate = out.rows as f64 / export_t.as_secs_f64();
    println!(
        "COPY (same query) TO STDOUT → file: {n} rows in {:.2}s = {copy_rate:.0} rows/s ({} MB)",
        copy_t.as_secs_f64(),
        std::fs::metadata(&copy_path)?.len() / 1_000_000
    );
    println!(
        "clinicdesk export:               {} rows in {:.2}s = {rate:.0} rows/s ({} MB)",
        out.rows,
        export_t.as_secs_f64(),
        out.bytes / 1_000_000
    );
    println!("export / COPY = {:.2}", rate / copy_rate);
    println!(
        "peak RSS: {before:.1} MiB before the export, {after:.1} MiB after (growth {:.1} MiB)",
        after - before
    );
    Ok(())
}

async fn timeline(b: &Bench, visits_n: i64) -> Result<()> {
    use clinicdesk_core::services::clinical::{self, HistoryFilter};
    let patient: i64 = sqlx::query_scalar!(r#"SELECT min(id) AS "id!" FROM patients"#)
        .fetch_one(&b.owner)
        .await?;
    let n = visits(b, visits_n, Some(patient)).await?;
    let doctor: String =
        sqlx::query_scalar!("SELECT username FROM staff WHERE role = 'doctor' ORDER BY id LIMIT 1")
            .fetch_one(&b.owner)
            .await?;
    let pool = db::connect_pool(b.target.staff_options(&doctor, demo::DEMO_PASSWORD), 2).await?;
    let mut samples = vec![];
    for _ in 0..50 {
        let t = Instant::now();
        let v = clinical::history(&pool, patient, &HistoryFilter::default()).await?;
        samples.push(t.elapsed());
        assert_eq!(v.len() as i64, n);
    }
    report(
        &format!("patient timeline, {n} visits (as a doctor)"),
        &mut samples,
    );
    Ok(())
}

pub async fn run(
    data_dir: &std::path::Path,
    scenario: Scenario,
    patients_n: Option<usize>,
    per_doctor: i64,
    visits_n: i64,
    scale: Option<u32>,
) -> Result<()> {
    let dir = data_dir.join("bench-cluster");
    let cluster = EmbeddedCluster::new(&dir, clinicdesk_core::embedded::Durability::Durable)?;
    cluster.stop().await.ok();
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let result = run_in(&cluster, scenario, patients_n, per_doctor, visits_n, scale).await;
    cluster.stop().await?;
    std::fs::remove_dir_all(&dir)?;
    result
}

async fn run_in(
    cluster: &EmbeddedCluster,
    scenario: Scenario,
    patients_n: Option<usize>,
    per_doctor: i64,
    visits_n: i64,
    scale: Option<u32>,
) -> Result<()> {
    let times = i64::from(scale.unwrap_or(1));
    let (doctors, default_patients) = match scenario {
        Scenario::Search => (50, 1_000_000),
        _ => (50, 20_000),
    };
    let b = prepare(cluster, 8, doctors, patients_n.unwrap_or(default_patients)).await?;
    let result = match scenario {
        Scenario::Booking => booking(&b, 8, scale.map_or(0, |s| 100_000 * i64::from(s))).await,
        Scenario::Slots => slots(&b).await,
        Scenario::Search => search(&b).await,
        Scenario::Board => board(&b).await,
        Scenario::Export => export_bench(&b, visits_n).await,
        Scenario::Timeline => timeline(&b, 500 * times).await,
        Scenario::Notify => crate::jobs::notify(&b.owner, b.today, 10_000 * times as usize).await,
        Scenario::Reminders => {
            crate::jobs::reminders(&b.owner, b.today, 10_000 * times as usize).await
        }
        Scenario::Reports => crate::jobs::reports(&b.owner, b.today, 500 * times).await,
        Scenario::Dashboard => dashboard::run(&b, per_doctor).await,
        Scenario::Waitlist => waitlist::run(&b, 10_000 * times).await,
    };
    b.finish().await;
    result
}

//! What a person at the desk waits for, measured in the real app through IPC (issue 16, part 4): keystroke to
//! search results, "Book" to the booked toast, and opening the Today board to its first paint with 2,000
//! appointments. A benchmark that prints numbers, not a test: `make bench-ipc` runs it on the release app; `make
//! test` skips it.
//!
//! Each try is driven from here through WebDriver and timed in the page: the start is the `keydown`/`click` event's
//! own timestamp, the end is the first task after the frame that shows the result (`requestAnimationFrame`, then a
//! message), so WebDriver's own round trips are not counted.

use super::*;
use std::time::Instant;

/// Arms one measurement. `kind` "search": from the last keydown to the results list answering `arg` (the query);
/// "booking": from the click on Book to a toast naming `arg` (the patient) entering the page; "board": from the click
/// on Today to `arg` cards in the board. Writes `window.__ipcM = { t0, dom, end }` (ms, page clock).
const ARM: &str = r#"
const [kind, arg] = arguments;
const m = { kind, arg, t0: null, dom: null, end: null };
window.__ipcM = m;
if (!window.__ipcListening) {
  window.__ipcListening = true;
  document.addEventListener('keydown', (e) => {
    const m = window.__ipcM; if (m && m.dom === null && m.kind === 'search') m.t0 = e.timeStamp; }, true);
  document.addEventListener('click', (e) => {
    const m = window.__ipcM; if (m && m.dom === null && m.kind !== 'search' && m.t0 === null) m.t0 = e.timeStamp; }, true);
}
const shown = () => kind === 'search'
  ? [...document.querySelectorAll('ul.hits')].some((u) => u.getAttribute('aria-label') === 'Search results for ' + arg)
  : document.querySelectorAll('[data-card]').length >= arg;
const toastIn = (records) => records.some((r) => [...r.addedNodes].some((n) => n.nodeType === 1
  && (n.matches('.p-toast-message') || n.querySelector('.p-toast-message')) && n.textContent.includes(arg)));
// the first task after the next frame: what changed the DOM has been painted
const afterPaint = (set) => requestAnimationFrame(() => {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => set(performance.now());
  ch.port2.postMessage(0);
});
const obs = new MutationObserver((records) => {
  if (m.t0 === null || m.dom !== null) return;
  if (kind === 'board' && m.first === undefined && document.querySelector('[data-card]')) {
    // the frame that paints the first cards (the board draws the rest in later tasks, which would delay a marker
    // placed after the paint)
    m.first = null;
    requestAnimationFrame(() => { m.first = performance.now(); });
  }
  if (kind === 'booking' ? toastIn(records) : shown()) {
    m.dom = performance.now();
    obs.disconnect();
    afterPaint((t) => { m.end = t; });
  }
});
obs.observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
"#;

/// Waits for the armed measurement; returns (to the DOM holding the result, to after its frame, to the start of the
/// frame that first shows board cards) in ms.
async fn measured(c: &Client, what: &str) -> (f64, f64, f64) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let v = c
            .execute(
                "const m = window.__ipcM; return m && m.end !== null && m.first !== null ? [m.dom - m.t0, m.end - m.t0, (m.first || 0) - m.t0] : null;",
                vec![],
            )
            .await
            .unwrap();
        if let Some(a) = v.as_array() {
            return (
                a[0].as_f64().unwrap(),
                a[1].as_f64().unwrap(),
                a[2].as_f64().unwrap(),
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    shot(c, &format!("failed-ipc-{what}")).await;
    let state = c
        .execute(
            "return JSON.stringify({ m: window.__ipcM, cards: document.querySelectorAll('[data-card]').length, url: location.hash });",
            vec![],
        )
        .await
        .ok();
    panic!("{what}: the result never showed; {state:?}");
}

/// One command called straight through Tauri's IPC from the page (no screen): invoke, the answer's JSON parsed, in ms.
async fn invoke_ms(c: &Client, cmd: &str, args: serde_json::Value) -> f64 {
    c.execute_async(
        "const [cmd, args, done] = arguments; const t = performance.now();
         window.__TAURI_INTERNALS__.invoke(cmd, args).then(() => done(performance.now() - t), (e) => done(String(e)));",
        vec![json!(cmd), args],
    )
    .await
    .unwrap()
    .as_f64()
    .unwrap_or_else(|| panic!("{cmd} was refused"))
}

async fn arm(c: &Client, kind: &str, arg: serde_json::Value) {
    c.execute(ARM, vec![json!(kind), arg]).await.unwrap();
}

/// p50/p99 (nearest rank) of `ms`, printed as one line.
fn print_line(name: &str, ms: &mut [f64]) {
    if ms.is_empty() {
        println!("{name}: no tries");
        return;
    }
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |p: f64| ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    println!(
        "{name}: n={} p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms.len(),
        at(0.50),
        at(0.99),
        ms[ms.len() - 1]
    );
}

/// What the measurements need from the seeded clinic.
struct Busy {
    /// Surname beginnings of sampled patients (3–6 letters).
    queries: Vec<String>,
    /// Patients without any appointment, each with a doctor to book: (patient id, patient name, doctor id).
    bookings: Vec<(i64, String, i64)>,
    /// Appointments on today's board.
    today: i64,
}

/// A clinic like the benchmarks' (`clinicdesk-bench`): 50 doctors, `patients` demo patients, and today 40
/// appointments for each doctor (2,000), 10 minutes apart from 08:00; reception `rita`.
async fn seed_busy_clinic(data: &Path, patients: usize, tries: usize) -> Busy {
    let wanted = tries as i64 + 10;
    let started = Instant::now();
    let owner = set_up_clinic(data).await;
    let today = Utc::now().date_naive();
    let mut tx = owner.begin().await.unwrap();
    let opts = clinicdesk_core::demo::DemoOptions {
        doctors: 50,
        patients,
        days: 0,
        seed: 7,
        // the demo's own appointments a month ago: today holds exactly the board's 2,000
        anchor: Some(today - Days::days(30)),
    };
    clinicdesk_core::demo::load(&mut tx, &opts).await.unwrap();
    tx.commit().await.unwrap();
    // the board's day: 40 per doctor from 08:00 (2,000)
    sqlx::query(
        "WITH d AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM doctors WHERE active ORDER BY id LIMIT 50),
              p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM patients p
                     WHERE NOT EXISTS (SELECT 1 FROM appointments a WHERE a.patient_id = p.id) ORDER BY id LIMIT 2000)
         INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at)
         SELECT d.id, p.id, $1::date + time '08:00' + make_interval(mins => (10 * s)::int),
                $1::date + time '08:00' + make_interval(mins => (10 * s + 10)::int)
           FROM d CROSS JOIN generate_series(0, 39) s JOIN p ON p.k = d.k * 40 + s",
    )
    .bind(today)
    .execute(&*owner)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(&*owner).await.unwrap();
    let today_n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM appointments a JOIN doctors d ON d.id = a.doctor_id AND d.active
          WHERE starts_at >= ($1::date)::timestamp AT TIME ZONE 'UTC' AND starts_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'",
    )
    .bind(today)
    .fetch_one(&*owner)
    .await
    .unwrap();
    // enough for the warm-up tries too
    let step = (patients / (tries + 10)).max(1) as i64;
    let names: Vec<String> =
        sqlx::query_scalar("SELECT full_name FROM patients WHERE id % $1 = 0 ORDER BY id LIMIT $2")
            .bind(step)
            .bind(wanted)
            .fetch_all(&*owner)
            .await
            .unwrap();
    let queries = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let surname: String = n.split_whitespace().last().unwrap().to_string();
            surname.chars().take(3 + i % 4).collect()
        })
        .collect();
    let bookings = sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT p.id, p.full_name, d.id
           FROM (SELECT id, full_name, row_number() OVER (ORDER BY id DESC) AS k FROM patients p
                  WHERE NOT EXISTS (SELECT 1 FROM appointments a WHERE a.patient_id = p.id) ORDER BY id DESC LIMIT $1) p
           JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM doctors WHERE active) d
             ON d.k = p.k % (SELECT count(*) FROM doctors WHERE active)",
    )
    .bind(wanted)
    .fetch_all(&*owner)
    .await
    .unwrap();
    owner.close().await;
    target_stop(data).await;
    println!(
        "seeded: {patients} patients, 50 doctors, {today_n} appointments today, in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Busy {
        queries,
        bookings,
        today: today_n,
    }
}

/// The app starts its own cluster: the seeding one is stopped first.
async fn target_stop(data: &Path) {
    EmbeddedCluster::new(data, Durability::Durable)
        .unwrap()
        .stop()
        .await
        .unwrap();
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test]
#[ignore = "a benchmark: `make bench-ipc` (release app, Xvfb, tauri-driver)"]
async fn ipc_timings_search_booking_and_board() {
    let patients = env_or("IPC_PATIENTS", 1_000_000);
    let tries = env_or("IPC_TRIES", 100);
    // IPC_ONLY=search,board,booking runs some of the three
    let only = std::env::var("IPC_ONLY").unwrap_or_default();
    let runs = |part: &str| only.is_empty() || only.split(',').any(|p| p == part);
    const WARM_UP: usize = 5;
    let data = tempfile::tempdir().unwrap();
    let busy = seed_busy_clinic(data.path(), patients, tries).await;
    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    sign_in(&c, "rita", PW).await;
    wait_text(&c, "current-user", "rita reception").await;

    // 1. keystroke to results: the Patients screen's search, a surname's first 3–6 letters typed as keys
    goto(&c, "nav-patients", "patient-search").await;
    let field = wait_for(&c, "patient-search").await;
    let (mut dom, mut painted) = (vec![], vec![]);
    let queries = if runs("search") {
        &busy.queries[..]
    } else {
        &[]
    };
    for (i, q) in queries.iter().take(tries + WARM_UP).enumerate() {
        c.execute(
            "const el = document.querySelector(arguments[0]); el.value = ''; el.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![json!(css("patient-search"))],
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        arm(&c, "search", json!(q)).await;
        field.send_keys(q).await.unwrap();
        let (d, p, _) = measured(&c, &format!("search {q}")).await;
        if i >= WARM_UP {
            dom.push(d);
            painted.push(p);
        }
    }
    if runs("search") {
        let mut ipc: Vec<f64> = vec![];
        for q in queries.iter().take(tries) {
            ipc.push(invoke_ms(&c, "search_patients", json!({ "query": q })).await);
        }
        print_line("Search, the command alone through IPC", &mut ipc);
        shot(&c, "95-ipc-search").await;
        print_line("Search, last keystroke to results in the DOM", &mut dom);
        print_line("Search, last keystroke to results painted", &mut painted);
    }

    // 2. opening the Today board to its first paint: from another screen, with no board kept from the last visit
    let cards = busy.today as u64;
    let (mut dom, mut painted, mut first) = (vec![], vec![], vec![]);
    let board_tries = if runs("board") { tries + WARM_UP } else { 0 };
    for i in 0..board_tries {
        goto(&c, "nav-patients", "patient-search").await;
        c.execute(
            "document.querySelector('#app').__vue_app__.config.globalProperties.$pinia._s.get('board').board = null;",
            vec![],
        )
        .await
        .unwrap();
        arm(&c, "board", json!(cards)).await;
        click(&c, "nav-today").await;
        let (d, p, f) = measured(&c, "board").await;
        if i >= WARM_UP {
            dom.push(d);
            painted.push(p);
            first.push(f);
        }
    }
    if runs("board") {
        let mut ipc: Vec<f64> = vec![];
        for _ in 0..tries {
            ipc.push(invoke_ms(&c, "today_board", json!({ "date": null })).await);
        }
        print_line(
            &format!("Today board ({cards} appointments), the command alone through IPC"),
            &mut ipc,
        );
        let shown: u64 = c
            .execute(
                "return document.querySelectorAll('[data-card]').length;",
                vec![],
            )
            .await
            .unwrap()
            .as_u64()
            .unwrap();
        assert_eq!(shown, cards, "the board shows every appointment of the day");
        shot(&c, "97-ipc-board").await;
        print_line(
            &format!("Today board ({cards} appointments), click to the frame that paints its first cards"),
            &mut first,
        );
        print_line(
            &format!("Today board ({cards} appointments), click to all cards in the DOM"),
            &mut dom,
        );
        print_line(
            &format!("Today board ({cards} appointments), click to all cards painted"),
            &mut painted,
        );
    }

    // 3. "Book" (after the board: a booking may land today) to the booked toast: a patient with no appointment, their doctor's first free slot
    let (mut dom, mut painted) = (vec![], vec![]);
    let bookings = if runs("booking") {
        &busy.bookings[..]
    } else {
        &[]
    };
    for (i, (patient, name, doctor)) in bookings.iter().take(tries + WARM_UP).enumerate() {
        c.execute(
            "window.location.hash = arguments[0];",
            vec![json!(format!("#/book?patient={patient}&doctor={doctor}"))],
        )
        .await
        .unwrap();
        let slot = c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(
                "[data-testid=\"slot-grid\"] button[data-testid^=\"slot-\"]",
            ))
            .await
            .unwrap();
        slot.click().await.unwrap();
        c.wait()
            .at_most(WAIT)
            .for_element(Locator::Css(
                "[data-testid=\"book-confirm\"]:not([disabled])",
            ))
            .await
            .unwrap();
        arm(&c, "booking", json!(name)).await;
        click(&c, "book-confirm").await;
        let (d, p, _) = measured(&c, &format!("booking {patient}")).await;
        if i >= WARM_UP {
            dom.push(d);
            painted.push(p);
        }
        // the chart opened on the new appointment before the next try
        wait_for(&c, "patient-book").await;
    }
    if runs("booking") {
        shot(&c, "96-ipc-booked").await;
        print_line(
            "Booking, click on Book to the booked toast in the DOM",
            &mut dom,
        );
        print_line(
            "Booking, click on Book to the booked toast painted",
            &mut painted,
        );
    }

    finish(c, driver, data.path(), &[]).await;
}

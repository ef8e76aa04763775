//! End-to-end tests of the real desktop app: the binary from `tauri build --debug --no-bundle`, driven through
//! tauri-driver + WebKitWebDriver (run under Xvfb by `make test-e2e`). Screenshots of each step land in
//! `target/e2e/` so a person can look at what the test saw.
//!
//! Ignored by a plain `cargo test` (it needs the built app, a display and tauri-driver); `make test` runs it.

use clinicdesk_core::context::Desk;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{Duration as Days, NaiveTime, Utc};
use clinicdesk_core::db::{
    self, availability::WeeklySession, departments::DepartmentInput, doctors::DoctorInput,
    staff::StaffRole,
};
use clinicdesk_core::embedded::{self, Durability, EmbeddedCluster};
use clinicdesk_core::services::{availability, departments, doctors, setup, staff};
use clinicdesk_core::target::DbTarget;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

#[path = "e2e/ipc.rs"]
mod ipc;

const PW: &str = "violet-anchor-mango-29-tundra";
const WAIT: Duration = Duration::from_secs(60);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// tauri-driver for one test, with the app's data dir in the environment it passes on; stopped with SIGTERM so
/// WebKitWebDriver does not linger.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(data_dir: &Path) -> Driver {
        let port = free_port();
        let native_port = free_port();
        let child =
            Command::new(std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into()))
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native_port.to_string(),
                ])
                .env("CLINICDESK_DATA_DIR", data_dir)
                .env("CLINICDESK_EXPORT_DIR", data_dir.join("exports"))
                .env_remove("CLINICDESK_DATABASE_URL")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("tauri-driver on PATH (cargo install tauri-driver --locked)");
        Driver { child, port }
    }

    async fn connect(&self) -> Client {
        let caps = json!({ "browserName": "wry", "tauri:options": { "application": clinicdesk_core::testing::e2e_app_binary(&repo()) } });
        let caps = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{}", self.port);
        for _ in 0..100 {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => return c,
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        panic!("could not open a WebDriver session on {url}");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Reception's connection to a seeded clinic's built-in database (the app is not running yet).
async fn desk_pool(data: &Path) -> Desk {
    let target = DbTarget::Embedded {
        cluster: EmbeddedCluster::new(data, Durability::Durable).unwrap(),
        database: embedded::DATABASE.into(),
    };
    Desk::new(
        db::connect_pool(target.staff_options("rita", PW), 1)
            .await
            .unwrap(),
    )
}

/// A patient registered without phone, email or reminder consent.
fn patient_without_contact(
    name: &str,
    (y, m, d): (i32, u32, u32),
    sex: clinicdesk_core::db::patients::Sex,
) -> clinicdesk_core::db::patients::PatientInput {
    clinicdesk_core::db::patients::PatientInput {
        full_name: name.into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        sex,
        phone: None,
        email: None,
        address: String::new(),
        emergency_contact: String::new(),
        preferred_channel: clinicdesk_core::db::patients::ReminderChannel::None,
        preferred_language: "en".into(),
        reminder_consent: false,
        opted_out: false,
        consent_method: None,
    }
}

fn css(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// Types `text` into a field, once, and checks that it holds exactly that: a field that lost keys (focus moved
/// elsewhere while they arrived, or the field re-rendered) is a bug to see, not a reason to type again.
async fn type_into(c: &Client, id: &str, text: &str) {
    let el = wait_for(c, id).await;
    el.clear().await.ok();
    el.send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing into {id}: {e}"));
    expect_value(c, id, text).await;
}

/// Fails (with a screenshot) unless the field `id` holds exactly `text`, saying what it holds and where the cursor is.
async fn expect_value(c: &Client, id: &str, text: &str) {
    let held = field_value(c, id).await;
    if held.as_deref() != Some(text) {
        let focused = c
            .execute(
                "const a = document.activeElement; return a && (a.getAttribute('data-testid') || a.tagName);",
                vec![],
            )
            .await
            .ok();
        shot(c, &format!("failed-type-{id}")).await;
        panic!("{id} holds {held:?}, not what was typed ({text:?}); the cursor is in {focused:?}");
    }
}

/// The value the page holds for the field `id` right now (None if it is gone).
async fn field_value(c: &Client, id: &str) -> Option<String> {
    c.execute(
        "const el = document.querySelector(arguments[0]); return el ? el.value : null;",
        vec![json!(css(id))],
    )
    .await
    .ok()
    .and_then(|v| v.as_str().map(String::from))
}

/// Clicks an element, finding it again if the page re-rendered it between finding and clicking.
async fn click(c: &Client, id: &str) {
    let mut last = None;
    for _ in 0..10 {
        let el = wait_for(c, id).await;
        match el.click().await {
            Ok(()) => return,
            Err(e) => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    }
    shot(c, &format!("failed-click-{id}")).await;
    // what stands where the click lands, to say what covered the element
    let on_top = c
        .execute(
            "const el = document.querySelector(arguments[0]); if (!el) return null;
             const r = el.getBoundingClientRect();
             const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
             return top ? top.outerHTML.slice(0, 300) : null;",
            vec![json!(css(id))],
        )
        .await;
    panic!("clicking {id}: {last:?}; on top of it: {on_top:?}");
}

/// Opens a screen from the navigation and waits until it is ready (its `ready` element is there and the route
/// transition has settled) before the test acts on it.
async fn goto(c: &Client, nav: &str, ready: &str) {
    click(c, nav).await;
    wait_for(c, ready).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
}

/// Opens a dialog and checks that the cursor is in its first field as soon as that field is there (it takes focus
/// at the dialog's first paint, and nothing moves it afterwards).
async fn open_dialog(c: &Client, button: &str, first_field: &str) {
    click(c, button).await;
    wait_for(c, first_field).await;
    let focused = c
        .execute(
            "return document.activeElement && document.activeElement.getAttribute('data-testid');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        focused.as_str(),
        Some(first_field),
        "opening a dialog puts the cursor in its first field"
    );
}

async fn wait_for(c: &Client, id: &str) -> fantoccini::elements::Element {
    match c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&css(id)))
        .await
    {
        Ok(el) => el,
        Err(e) => {
            shot(c, &format!("failed-wait-{id}")).await;
            panic!("waiting for {id}: {e}");
        }
    }
}

/// Runs axe-core's WCAG 2.1 A/AA rules on the current screen; returns its serious and critical findings.
/// It first lets running transitions end (at most 5 s): a toast fading in on a busy machine is half transparent,
/// and its contrast would be measured mid-animation. Toasts fading out are left out for the same reason.
async fn axe(c: &Client, screen: &str) -> Vec<String> {
    let source = std::fs::read_to_string(repo().join("ui/node_modules/axe-core/axe.min.js"))
        .expect("axe-core (npm) in ui/node_modules");
    c.execute_async(
        "const done = arguments[arguments.length - 1];
         const until = performance.now() + 5000;
         const moving = () => (document.getAnimations ? document.getAnimations() : []).some(a =>
           a.playState === 'running' && a.effect && a.effect.getComputedTiming().iterations !== Infinity);
         (function check() { if (!moving() || performance.now() > until) done(null); else requestAnimationFrame(check); })();",
        vec![],
    )
    .await
    .expect("wait for transitions to end");
    c.execute(&format!("{source}\nreturn typeof axe;"), vec![])
        .await
        .expect("load axe-core");
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run({ exclude: [['.p-toast-message-leave-active']] },
                     { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    let list: Vec<String> = serde_json::from_value(found).unwrap_or_default();
    list.into_iter()
        .map(|v| format!("[{screen}] {v}"))
        .collect()
}

async fn shot(c: &Client, name: &str) {
    let dir = repo().join("target/e2e");
    std::fs::create_dir_all(&dir).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Ends a test: closes the session, stops tauri-driver and the app's cluster, then fails on any serious or
/// critical accessibility finding collected on the way.
async fn finish(c: Client, driver: Driver, data: &Path, a11y: &[String]) {
    c.close().await.ok();
    drop(driver);
    EmbeddedCluster::new(data, Durability::Durable)
        .unwrap()
        .stop()
        .await
        .unwrap();
    assert!(
        a11y.is_empty(),
        "serious or critical accessibility findings (axe-core, WCAG 2.1 AA):\n{}",
        a11y.join("\n")
    );
}

/// Types the username and password and signs in. Both fields are read back after both were typed: a sign-in page
/// that takes the cursor back to Username while the password is typed puts the rest of the password there.
async fn sign_in(c: &Client, user: &str, pw: &str) {
    type_into(c, "signin-username", user).await;
    type_into(c, "signin-password", pw).await;
    expect_value(c, "signin-username", user).await;
    click(c, "signin-submit").await;
}

async fn nav_ids(c: &Client) -> Vec<String> {
    let nav = wait_for(c, "nav").await;
    let mut ids = vec![];
    for el in nav
        .find_all(Locator::Css("[data-testid^=\"nav-\"]"))
        .await
        .unwrap()
    {
        if let Some(id) = el.attr("data-testid").await.unwrap() {
            ids.push(id);
        }
    }
    ids
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn wizard_admin_creates_reception_who_sees_reception_navigation() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    let mut a11y: Vec<String> = vec![];

    // 1. a fresh data dir opens the first-run wizard
    type_into(&c, "setup-clinic-name", "Riverside Clinic").await;
    type_into(&c, "setup-admin-username", "ada").await;
    type_into(&c, "setup-admin-full-name", "Ada Admin").await;
    type_into(&c, "setup-admin-password", PW).await;
    type_into(&c, "setup-admin-password-confirm", PW).await;
    shot(&c, "01-setup-wizard").await;
    a11y.extend(axe(&c, "01-setup-wizard").await);
    click(&c, "setup-submit").await;

    // 2. the wizard lands on sign-in; a wrong password is refused with the generic sentence
    sign_in(&c, "ada", "not-the-password").await;
    let err = wait_for(&c, "signin-error").await.text().await.unwrap();
    assert_eq!(err.trim(), "Username or password is incorrect.");
    shot(&c, "02-signin-error").await;
    a11y.extend(axe(&c, "02-signin-error").await);
    sign_in(&c, "ada", PW).await;
    let admin_nav = nav_ids(&c).await;
    assert!(
        admin_nav.contains(&"nav-staff".to_string()),
        "admin navigation: {admin_nav:?}"
    );
    assert!(
        admin_nav.contains(&"nav-settings".to_string()),
        "admin navigation: {admin_nav:?}"
    );
    shot(&c, "03-admin-home").await;
    a11y.extend(axe(&c, "03-admin-home").await);

    // 3. the admin creates a reception account
    goto(&c, "nav-staff", "staff-new").await;
    open_dialog(&c, "staff-new", "staff-username").await;
    type_into(&c, "staff-username", "rita").await;
    type_into(&c, "staff-full-name", "Rita Reception").await;
    set_value(&c, "staff-role", "reception").await;
    type_into(&c, "staff-password", "saffron-kettle-orbit-71-quay").await;
    shot(&c, "04-new-staff-form").await;
    a11y.extend(axe(&c, "04-new-staff-form").await);
    click(&c, "staff-save").await;
    wait_for(&c, "staff-row-rita").await;
    shot(&c, "05-staff-list").await;
    a11y.extend(axe(&c, "05-staff-list").await);

    // 4. sign out; reception signs in and sees reception navigation only
    click(&c, "signout").await;
    sign_in(&c, "rita", "saffron-kettle-orbit-71-quay").await;
    let who = wait_for(&c, "current-user").await.text().await.unwrap();
    assert!(
        who.to_lowercase().contains("reception"),
        "current user shows the role: {who}"
    );
    let rec_nav = nav_ids(&c).await;
    assert!(
        rec_nav.contains(&"nav-today".to_string()),
        "reception lands on the Today board: {rec_nav:?}"
    );
    for forbidden in ["nav-staff", "nav-departments", "nav-settings"] {
        assert!(
            !rec_nav.contains(&forbidden.to_string()),
            "reception must not see {forbidden}: {rec_nav:?}"
        );
    }
    shot(&c, "06-reception-home").await;
    a11y.extend(axe(&c, "06-reception-home").await);

    // the staff screen is refused by the router as well as hidden
    c.execute("window.location.hash = '#/staff'", vec![])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        c.find(Locator::Css(&css("staff-new"))).await.is_err(),
        "reception reached the staff screen"
    );

    assert!(
        a11y.is_empty(),
        "serious or critical accessibility findings (axe-core, WCAG 2.1 AA):\n{}",
        a11y.join("\n")
    );
    c.close().await.ok();
    drop(driver);
    // the app's cluster lives in the data dir we gave it: stop it (WebKitWebDriver may kill the app abruptly)
    let cluster = EmbeddedCluster::new(data.path(), Durability::Durable).unwrap();
    assert!(
        cluster.pg_dir().join("PG_VERSION").exists(),
        "the app created its cluster in CLINICDESK_DATA_DIR"
    );
    cluster.stop().await.unwrap();
}

/// A clinic set up through the core in `data` (time zone UTC, as the test display): admin `ada` and reception
/// `rita`; returns the owner's connection (the app is not running yet).
async fn set_up_clinic(data: &Path) -> Desk {
    let cluster = EmbeddedCluster::new(data, Durability::Durable).unwrap();
    cluster.start().await.unwrap();
    cluster.ensure_database(embedded::DATABASE).await.unwrap();
    let target = DbTarget::Embedded {
        cluster,
        database: embedded::DATABASE.into(),
    };
    let input = setup::SetupInput {
        clinic_name: "Riverside Clinic".into(),
        time_zone: "UTC".into(),
        admin_username: "ada".into(),
        admin_full_name: "Ada Admin".into(),
        admin_password: PW.into(),
        load_demo: false,
        locale: None,
    };
    setup::complete_setup(&target, &db::MIGRATOR, &input)
        .await
        .unwrap();
    let owner = Desk::new(
        db::connect_pool(target.owner_options().unwrap(), 2)
            .await
            .unwrap(),
    );
    let rita = staff::NewStaff {
        username: "rita".into(),
        full_name: "Rita Reception".into(),
        role: StaffRole::Reception,
        password: PW.into(),
    };
    staff::create(&owner, &rita).await.unwrap();
    owner
}

/// A set-up clinic seeded through the core before the app starts (clinic time zone UTC, as the test display):
/// admin `ada`, reception `rita`, and Dr. Rao (login `drrao`) seeing patients every day 08:00–18:00 in
/// 15-minute slots.
async fn seed_clinic(data: &Path) -> i64 {
    let owner = set_up_clinic(data).await;
    let rao = staff::NewStaff {
        username: "drrao".into(),
        full_name: "Dr. Rao".into(),
        role: StaffRole::Doctor,
        password: PW.into(),
    };
    staff::create(&owner, &rao).await.unwrap();
    let dep = departments::create(
        &owner,
        &DepartmentInput {
            name: "General Medicine".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let doctor = DoctorInput {
        full_name: "Dr. Rao".into(),
        department_id: dep.id,
        qualification: "MBBS".into(),
        experience_years: 12,
        phone: None,
        email: None,
        consultation_fee_cents: 5000,
        slot_minutes: 15,
        staff_username: Some("drrao".into()),
    };
    let doc = doctors::create(&owner, &doctor).await.unwrap();
    let hours = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    let week: Vec<WeeklySession> = (1..=7)
        .map(|d| WeeklySession {
            weekday: d,
            starts_at: hours(8),
            ends_at: hours(18),
        })
        .collect();
    availability::set_weekly(&owner, doc.id, 15, &week)
        .await
        .unwrap();
    owner.close().await;
    doc.id
}

/// Sets an input's or select's value and fires the events Vue listens to. Date inputs do not take WebDriver
/// keystrokes portably, and WebKitWebDriver's option clicks can land outside a modal dialog and close it.
async fn set_value(c: &Client, id: &str, value: &str) {
    let el = wait_for(c, id).await;
    let arg = serde_json::to_value(&el).unwrap();
    c.execute(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true })); arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
        vec![arg, json!(value)],
    )
    .await
    .unwrap();
}

/// The id in the first `data-testid` starting with `prefix` (e.g. the appointment id in `appt-cancel-<id>`).
async fn first_id(c: &Client, prefix: &str) -> String {
    let el = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!("[data-testid^=\"{prefix}\"]")))
        .await
        .unwrap_or_else(|e| panic!("{prefix}: {e}"));
    el.attr("data-testid")
        .await
        .unwrap()
        .unwrap()
        .trim_start_matches(prefix)
        .to_string()
}

/// Waits until an element's text contains `needle` (case-insensitive); a screenshot is saved if it never does.
async fn wait_text(c: &Client, id: &str, needle: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        if let Ok(el) = c.find(Locator::Css(&css(id))).await {
            last = el.text().await.unwrap_or_default();
            if last.to_lowercase().contains(needle) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    shot(c, &format!("failed-wait-{id}")).await;
    panic!("{id} never showed '{needle}' (last text: '{last}')");
}

async fn choose_doctor(c: &Client, doctor_id: i64) {
    // the doctors load after the page: wait for the option before choosing it
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!(
            "[data-testid=\"book-doctor\"] option[value=\"{doctor_id}\"]"
        )))
        .await
        .unwrap_or_else(|e| panic!("doctor {doctor_id} never appeared in the list: {e}"));
    set_value(c, "book-doctor", &doctor_id.to_string()).await;
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn reception_registers_finds_books_reschedules_cancels_and_rebooks() {
    let data = tempfile::tempdir().unwrap();
    let doctor_id = seed_clinic(data.path()).await;
    let tomorrow = (Utc::now().date_naive() + Days::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    let mut a11y: Vec<String> = vec![];

    sign_in(&c, "rita", PW).await;
    wait_for(&c, "nav-today").await;

    // register a patient
    goto(&c, "nav-patients", "patient-new").await;
    open_dialog(&c, "patient-new", "patient-full-name").await;
    type_into(&c, "patient-full-name", "Priya Raman").await;
    set_value(&c, "patient-dob", "1985-06-01").await;
    set_value(&c, "patient-sex", "female").await;
    type_into(&c, "patient-phone", "+44 7700 900456").await;
    shot(&c, "10-new-patient").await;
    a11y.extend(axe(&c, "10-new-patient").await);
    click(&c, "patient-save").await;
    let mrn = wait_for(&c, "patient-mrn").await.text().await.unwrap();
    assert!(
        mrn.contains("MRN"),
        "the chart shows the assigned MRN: {mrn}"
    );

    // find her by typing part of the name
    goto(&c, "nav-patients", "patient-search").await;
    type_into(&c, "patient-search", "Rama").await;
    let hit = first_id(&c, "patient-hit-").await;
    shot(&c, "11-patient-search").await;
    a11y.extend(axe(&c, "11-patient-search").await);
    click(&c, &format!("patient-hit-{hit}")).await;

    // book tomorrow 10:00 from the 7-day grid
    click(&c, "patient-book").await;
    choose_doctor(&c, doctor_id).await;
    click(&c, &format!("slot-{tomorrow}-10:00")).await;
    shot(&c, "12-booking-grid").await;
    a11y.extend(axe(&c, "12-booking-grid").await);
    click(&c, "book-confirm").await;
    let first = first_id(&c, "appt-reschedule-").await;

    // reschedule it to 11:00
    click(&c, &format!("appt-reschedule-{first}")).await;
    click(&c, &format!("slot-{tomorrow}-11:00")).await;
    click(&c, "book-confirm").await;
    wait_for(&c, &format!("appt-cancel-{first}")).await;
    let status = wait_for(&c, &format!("appt-status-{first}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(status.to_lowercase().contains("booked"), "{status}");

    // cancel it with a reason
    open_dialog(&c, &format!("appt-cancel-{first}"), "cancel-reason").await;
    type_into(&c, "cancel-reason", "Patient is travelling").await;
    click(&c, "cancel-confirm").await;
    wait_text(&c, &format!("appt-status-{first}"), "cancelled").await;

    // the freed 11:00 slot is bookable again
    click(&c, "patient-book").await;
    choose_doctor(&c, doctor_id).await;
    click(&c, &format!("slot-{tomorrow}-11:00")).await;
    click(&c, "book-confirm").await;
    let second = first_id(&c, "appt-cancel-").await;
    assert_ne!(second, first, "a new appointment for the freed slot");

    // tomorrow's appointment cannot be checked in (or marked a no-show) from the chart: only today's can
    for action in ["checkin", "noshow"] {
        assert!(
            c.find(Locator::Css(&css(&format!("appt-{action}-{second}"))))
                .await
                .is_err(),
            "the chart offers {action} on tomorrow's appointment"
        );
    }
    let label = wait_for(&c, &format!("appt-cancel-{second}"))
        .await
        .attr("aria-label")
        .await
        .unwrap()
        .unwrap_or_default();
    // the day in the clinic's format (dd/MM/yyyy by default), as the chart shows it
    assert!(
        label.contains(&clinic_date(&tomorrow)),
        "the button names the day when it is not today: {label}"
    );
    shot(&c, "13-patient-chart").await;
    a11y.extend(axe(&c, "13-patient-chart").await);

    click(&c, "nav-today").await;
    wait_for(&c, &format!("board-column-{doctor_id}")).await;
    shot(&c, "14-today-board").await;
    a11y.extend(axe(&c, "14-today-board").await);
    click(&c, "nav-calendar").await;
    set_value(&c, "calendar-doctor", &doctor_id.to_string()).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    shot(&c, "15-calendar").await;
    a11y.extend(axe(&c, "15-calendar").await);

    finish(c, driver, data.path(), &a11y).await;
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn doctor_records_a_treatment_sees_it_in_the_timeline_and_exports_the_history() {
    use clinicdesk_core::db::patients::Sex;
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(data.path().join("exports")).unwrap();
    let doctor_id = seed_clinic(data.path()).await;
    // reception has registered a patient and booked her for tomorrow at 10:00
    let input = patient_without_contact("Priya Raman", (1985, 6, 1), Sex::Female);
    let (patient, appt) = book_tomorrow_at_ten(data.path(), doctor_id, &input).await;

    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    let mut a11y: Vec<String> = vec![];
    sign_in(&c, "drrao", PW).await;
    goto(&c, "nav-patients", "patient-search").await;
    type_into(&c, "patient-search", "Priya").await;
    click(&c, &format!("patient-hit-{}", patient.id)).await;

    // record the visit
    open_dialog(
        &c,
        &format!("appt-record-{}", appt.id),
        "treatment-visit-type",
    )
    .await;
    set_value(&c, "treatment-visit-type", "consultation").await;
    type_into(&c, "treatment-symptoms", "Throbbing headache, nausea").await;
    type_into(&c, "treatment-diagnosis", "Migraine").await;
    type_into(&c, "treatment-icd10", "G43.9").await;
    type_into(&c, "treatment-given", "Rest in a dark room").await;
    click(&c, "rx-add").await;
    type_into(&c, "rx-medicine-0", "Ibuprofen").await;
    type_into(&c, "rx-dose-0", "400 mg").await;
    shot(&c, "20-treatment-form").await;
    a11y.extend(axe(&c, "20-treatment-form").await);
    click(&c, "treatment-save").await;
    wait_text(&c, &format!("visit-diagnosis-{}", appt.id), "migraine").await;
    shot(&c, "21-chart-timeline").await;
    a11y.extend(axe(&c, "21-chart-timeline").await);

    // export the history to the configured folder
    click(&c, "export-history").await;
    wait_text(&c, "export-done", "rows saved").await;
    shot(&c, "22-export-done").await;
    a11y.extend(axe(&c, "22-export-done").await);
    let exported: Vec<_> = std::fs::read_dir(data.path().join("exports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        exported.len(),
        1,
        "exactly one file, no leftovers: {exported:?}"
    );
    let name = exported[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(
        name.starts_with(&format!("history-{}-", patient.mrn)) && name.ends_with(".csv"),
        "{name}"
    );
    let csv = std::fs::read_to_string(&exported[0]).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "header and one visit: {csv}");
    assert!(
        lines[1].contains("Priya Raman")
            && lines[1].contains("Migraine (G43.9)")
            && lines[1].contains("Ibuprofen 400 mg"),
        "{}",
        lines[1]
    );

    finish(c, driver, data.path(), &a11y).await;
}

/// Reception registers `input` and books them with the doctor tomorrow at 10:00, as the desk would.
async fn book_tomorrow_at_ten(
    data: &Path,
    doctor_id: i64,
    input: &clinicdesk_core::db::patients::PatientInput,
) -> (
    clinicdesk_core::db::patients::Patient,
    clinicdesk_core::services::scheduling::Appointment,
) {
    use clinicdesk_core::services::{patients, scheduling as appts};
    let desk = desk_pool(data).await;
    let patient = patients::register(&desk, input).await.unwrap();
    let tomorrow = Utc::now().date_naive() + Days::days(1);
    let slot = appts::free_slots(&desk, doctor_id, tomorrow, 1)
        .await
        .unwrap()[0]
        .slots
        .iter()
        .find(|s| s.time == "10:00")
        .unwrap()
        .clone();
    let appt = appts::book(&desk, doctor_id, patient.id, slot.starts_at)
        .await
        .unwrap();
    desk.close().await;
    (patient, appt)
}

/// Picks an option of a PrimeVue Select (outside dialogs) by its label.
async fn choose(c: &Client, id: &str, label: &str) {
    click(c, id).await;
    let option = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!(
            "li[role=\"option\"][aria-label=\"{label}\"]"
        )))
        .await
        .unwrap_or_else(|e| panic!("option {label} of {id}: {e}"));
    option.click().await.unwrap();
}

/// The page's visible text (for toasts and banners that come and go).
async fn body_text(c: &Client) -> String {
    c.execute("return document.body.innerText", vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn admin_sets_up_email_sends_a_test_runs_reminders_and_sees_them_sent() {
    use clinicdesk_core::db::patients::{PatientInput, ReminderChannel, Sex};
    use clinicdesk_core::testing::SmtpSink;
    let data = tempfile::tempdir().unwrap();
    let doctor_id = seed_clinic(data.path()).await;
    // a patient who wants email reminders, booked for tomorrow at 10:00 (before email was set up)
    let input = PatientInput {
        full_name: "Noor Hassan".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 2, 3).unwrap(),
        sex: Sex::Female,
        phone: None,
        email: Some("noor@patients.example".into()),
        address: String::new(),
        emergency_contact: String::new(),
        preferred_channel: ReminderChannel::Email,
        preferred_language: "en".into(),
        reminder_consent: true,
        opted_out: false,
        consent_method: Some(clinicdesk_core::db::patients::ConsentMethod::Desk),
    };
    book_tomorrow_at_ten(data.path(), doctor_id, &input).await;
    let sink = SmtpSink::start(None);

    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    let mut a11y: Vec<String> = vec![];
    sign_in(&c, "ada", PW).await;

    // Settings → email channel → save → send a test
    goto(&c, "nav-settings", "channel-smtp_host").await;
    type_into(&c, "channel-smtp_host", "127.0.0.1").await;
    let port = c.find(Locator::Id("channel-smtp_port")).await.unwrap();
    port.clear().await.ok();
    port.send_keys(&sink.port.to_string()).await.unwrap();
    choose(&c, "channel-smtp_security", "None (not encrypted)").await;
    type_into(
        &c,
        "channel-smtp_from",
        "Riverside Clinic <desk@riverside.example>",
    )
    .await;
    click(&c, "channels-save").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    type_into(
        &c,
        "channel-test-email-recipient",
        "office@riverside.example",
    )
    .await;
    click(&c, "channel-test-email").await;
    wait_text(&c, "channel-test-email-status", "test email sent").await;
    shot(&c, "40-settings-channels").await;
    a11y.extend(axe(&c, "40-settings-channels").await);

    // Jobs → run the day-before reminders now
    goto(&c, "nav-jobs", "job-run-reminders_day_before").await;
    click(&c, "job-run-reminders_day_before").await;
    wait_text(&c, "job-row-reminders_day_before", "queued 1").await;
    shot(&c, "41-jobs").await;
    a11y.extend(axe(&c, "41-jobs").await);

    // Outbox → the reminder is sent; the confirmation that failed before email was set up is retried and sent
    goto(&c, "nav-outbox", "outbox-counts").await;
    // the list is in (the reminder's row at least) before the test looks for a Retry button in it
    first_id(&c, "outbox-row-").await;
    if c.find(Locator::Css("[data-testid^=\"outbox-retry-\"]"))
        .await
        .is_ok()
    {
        let id = first_id(&c, "outbox-retry-").await;
        click(&c, &format!("outbox-retry-{id}")).await;
    }
    click(&c, "outbox-send-now").await;
    wait_text(&c, "outbox-count-sent", "2").await;
    shot(&c, "42-outbox").await;
    a11y.extend(axe(&c, "42-outbox").await);

    // Reports → last month's reports (the scheduler caught them up at start): open the clinic summary
    goto(&c, "nav-reports", "reports-month").await;
    let id = first_id(&c, "report-").await;
    click(&c, &format!("report-{id}")).await;
    let frame = wait_for(&c, "report-frame").await;
    let html = frame.attr("srcdoc").await.unwrap().unwrap_or_default();
    assert!(
        html.contains("Riverside Clinic")
            && html.contains("Visits per day")
            && !html.contains("<script"),
        "the report is shown in the app"
    );
    assert_eq!(
        frame.attr("sandbox").await.unwrap().as_deref(),
        Some(""),
        "reports render sandboxed"
    );
    shot(&c, "43-reports").await;
    a11y.extend(axe(&c, "43-reports").await);

    let mails = sink.messages();
    let to_noor: Vec<_> = mails
        .iter()
        .filter(|m| m.rcpt_tos == ["noor@patients.example"])
        .collect();
    assert_eq!(
        to_noor.len(),
        2,
        "the confirmation and one reminder: {mails:?}"
    );
    assert_eq!(
        to_noor
            .iter()
            .filter(|m| m.data.contains("Appointment reminder"))
            .count(),
        1
    );
    assert!(mails
        .iter()
        .any(|m| m.rcpt_tos == ["office@riverside.example"] && m.data.contains("test message")));
    finish(c, driver, data.path(), &a11y).await;
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn admin_backs_up_now_and_the_app_reconnects_after_its_server_is_killed() {
    let data = tempfile::tempdir().unwrap();
    seed_clinic(data.path()).await;
    // scheduled backups off: otherwise the app's scheduler catches up today's 02:00 backup as soon as it starts
    let cluster = EmbeddedCluster::new(data.path(), Durability::Durable).unwrap();
    let owner = db::connect_pool(cluster.owner_options(embedded::DATABASE), 1)
        .await
        .unwrap();
    sqlx::query("UPDATE backup_settings SET enabled = false")
        .execute(&owner)
        .await
        .unwrap();
    owner.close().await;
    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    let mut a11y: Vec<String> = vec![];

    sign_in(&c, "ada", PW).await;
    wait_for(&c, "nav-settings").await;

    // Settings → Backups: no backup yet (warning), Back up now, the warning goes and the file is there
    goto(&c, "nav-settings", "backups-card").await;
    wait_text(&c, "backup-stale", "no backup yet").await;
    shot(&c, "30-backups-none").await;
    a11y.extend(axe(&c, "30-backups-none").await);
    click(&c, "backup-now").await;
    wait_text(&c, "backup-last", " on ").await;
    assert!(
        c.find(Locator::Css(&css("backup-stale"))).await.is_err(),
        "no warning after a fresh backup"
    );
    shot(&c, "31-backups-done").await;
    let dumps: Vec<_> = std::fs::read_dir(data.path().join("backups"))
        .expect("the default backup folder in the data dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".dump"))
        .collect();
    assert_eq!(dumps.len(), 1, "one backup file in the default folder");

    // the built-in server dies under the running app: the failed command says nothing was changed, the app starts
    // the server again (showing "reconnecting…" while that takes longer than a first check) and says it is back
    let pid: i32 = std::fs::read_to_string(data.path().join("pg/postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    click(&c, "nav-staff").await;
    let deadline = std::time::Instant::now() + WAIT;
    let mut saw = String::new();
    let mut told = false;
    while std::time::Instant::now() < deadline {
        let text = body_text(&c).await;
        told |= text.contains("nothing was changed");
        if saw.is_empty() && c.find(Locator::Css(&css("reconnecting"))).await.is_ok() {
            saw = "banner".into();
            shot(&c, "32-reconnecting").await;
        }
        if text.contains("Connected again") {
            saw.push_str("+recovered");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        saw.ends_with("recovered"),
        "the app said it reconnected ({saw:?})"
    );
    assert!(told, "the failed command said that nothing was changed");
    // the same session works again: the staff list loads
    goto(&c, "nav-settings", "backups-card").await;
    goto(&c, "nav-staff", "staff-row-rita").await;
    shot(&c, "33-reconnected").await;
    finish(c, driver, data.path(), &a11y).await;
}

/// Clicks an ECharts chart at a point given as fractions of its box (charts draw on a canvas: there is no
/// element per segment, so the test sends the mouse events zrender listens to).
async fn click_chart(c: &Client, id: &str, fx: f64, fy: f64) {
    let el = wait_for(c, id).await;
    let arg = serde_json::to_value(&el).unwrap();
    c.execute(
        "const box = arguments[0].querySelector('canvas') || arguments[0];
         const r = box.getBoundingClientRect();
         const x = r.left + r.width * arguments[1], y = r.top + r.height * arguments[2];
         for (const type of ['mousemove', 'mousedown', 'mouseup', 'click']) {
           box.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, bubbles: true, cancelable: true, view: window }));
         }",
        vec![arg, json!(fx), json!(fy)],
    )
    .await
    .unwrap();
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn admin_sees_dashboard_charts_opens_a_department_diagnostics_audit_and_quick_search() {
    use clinicdesk_core::db::patients::Sex;
    use clinicdesk_core::services::{patients, scheduling as appts};
    let data = tempfile::tempdir().unwrap();
    let doctor_id = seed_clinic(data.path()).await;
    let desk = desk_pool(data.path()).await;
    let input = patient_without_contact("Quentin Blake", (1980, 2, 3), Sex::Male);
    let patient = patients::register(&desk, &input).await.unwrap();
    let tomorrow = Utc::now().date_naive() + Days::days(1);
    for time in ["09:00", "10:00"] {
        let slot = appts::free_slots(
            &desk,
            doctor_id,
            tomorrow + Days::days(if time == "09:00" { 0 } else { 1 }),
            1,
        )
        .await
        .unwrap()[0]
            .slots
            .iter()
            .find(|s| s.time == time)
            .unwrap()
            .clone();
        appts::book(&desk, doctor_id, patient.id, slot.starts_at)
            .await
            .unwrap();
    }
    desk.close().await;
    // and one visit yesterday (history is written by the owner, as a data import would)
    let owner = EmbeddedCluster::new(data.path(), Durability::Durable)
        .unwrap()
        .owner_options(embedded::DATABASE);
    let owner = db::connect_pool(owner, 1).await.unwrap();
    sqlx::query(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status)
         VALUES ($1, $2, date_trunc('day', now()) - interval '1 day' + interval '9 hours',
                 date_trunc('day', now()) - interval '1 day' + interval '9 hours 15 minutes', 'completed')",
    )
    .bind(doctor_id)
    .bind(patient.id)
    .execute(&owner)
    .await
    .unwrap();
    owner.close().await;

    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    let mut a11y: Vec<String> = vec![];
    sign_in(&c, "ada", PW).await;
    wait_for(&c, "admin-dashboard").await;
    wait_text(&c, "total-doctors", "1").await;
    wait_text(&c, "total-patients", "1").await;
    // the charts drew on their canvases
    for chart in [
        "chart-per-day",
        "chart-department",
        "chart-status",
        "chart-utilisation",
    ] {
        let drawn = c
            .execute(
                "const el = document.querySelector(arguments[0]); return !!(el && el.querySelector('canvas'));",
                vec![json!(css(chart))],
            )
            .await
            .unwrap();
        assert_eq!(drawn, json!(true), "{chart} rendered a canvas");
    }
    tokio::time::sleep(Duration::from_millis(800)).await; // chart animations
    shot(&c, "30-admin-dashboard").await;
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView({ block: 'start' });",
        vec![json!(css("chart-department"))],
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    shot(&c, "30-admin-dashboard-charts").await;
    a11y.extend(axe(&c, "30-admin-dashboard").await);

    // one department: the doughnut's ring is everywhere between 40 % and 70 % of the radius
    click_chart(&c, "chart-department", 0.5 + 0.55 * 0.5 * 0.6, 0.5).await;
    let filtered = c
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css(&css("doctor-department-filter")))
        .await;
    if filtered.is_err() {
        shot(&c, "failed-chart-click").await;
        panic!("clicking the department's segment did not open its doctors");
    }
    wait_text(&c, "doctor-department-filter", "general medicine").await;
    wait_text(&c, &format!("doctor-row-{doctor_id}"), "dr. rao").await;
    shot(&c, "31-department-doctors").await;
    a11y.extend(axe(&c, "31-department-doctors").await);

    goto(&c, "nav-home", "link-diagnostics").await;
    click(&c, "link-diagnostics").await;
    wait_text(&c, "diag-listener", "listening").await;
    shot(&c, "32-diagnostics").await;
    a11y.extend(axe(&c, "32-diagnostics").await);

    goto(&c, "nav-home", "link-audit").await;
    click(&c, "link-audit").await;
    wait_text(&c, "audit-table-rows", "sign_in").await;
    shot(&c, "33-audit-log").await;
    a11y.extend(axe(&c, "33-audit-log").await);

    // Ctrl+K: quick search finds the patient
    c.execute(
        "window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', code: 'KeyK', ctrlKey: true, bubbles: true }));",
        vec![],
    )
    .await
    .unwrap();
    // typed into at once: the box takes the cursor as the dialog appears, and its opening animation does not move it
    type_into(&c, "quick-search-input", "Quentin").await;
    wait_for(&c, &format!("qs-p{}", patient.id)).await;
    shot(&c, "34-quick-search").await;
    a11y.extend(axe(&c, "34-quick-search").await);
    click(&c, &format!("qs-p{}", patient.id)).await;
    let mut url = String::new();
    for _ in 0..25 {
        url = c.current_url().await.unwrap().to_string();
        if url.ends_with(&format!("/patients/{}", patient.id)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        url.ends_with(&format!("/patients/{}", patient.id)),
        "Enter opened the chart: {url}"
    );

    finish(c, driver, data.path(), &a11y).await;
}

/// Busy threads, one more than the machine has cores, spinning until dropped: the app runs as on a slow desk PC
/// whose CPU is taken (a failed test stops them too, while it unwinds).
struct CpuBurner {
    running: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl CpuBurner {
    fn start() -> CpuBurner {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let running = Arc::new(AtomicBool::new(true));
        let threads = (0..=cores)
            .map(|_| {
                let running = Arc::clone(&running);
                std::thread::spawn(move || {
                    while running.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        CpuBurner { running, threads }
    }
}

impl Drop for CpuBurner {
    fn drop(&mut self) {
        self.running.store(false, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn on_a_busy_machine_every_key_lands_in_the_field_it_was_typed_into() {
    use clinicdesk_core::db::patients::Sex;
    use clinicdesk_core::services::patients;
    let data = tempfile::tempdir().unwrap();
    seed_clinic(data.path()).await;
    let desk = desk_pool(data.path()).await;
    let priya = patient_without_contact("Priya Raman", (1985, 6, 1), Sex::Female);
    let patient = patients::register(&desk, &priya).await.unwrap();
    desk.close().await;

    // the app starts, loads and paints its sign-in page while every core is busy
    let burner = CpuBurner::start();
    let driver = Driver::start(data.path());
    let c = driver.connect().await;

    // sign-in: each field holds exactly its own text (read back from the page after both were typed). The password
    // goes first, as soon as the page is there: a late autofocus of Username would take the rest of it.
    type_into(&c, "signin-password", PW).await;
    type_into(&c, "signin-username", "rita").await;
    expect_value(&c, "signin-username", "rita").await;
    expect_value(&c, "signin-password", PW).await;
    shot(&c, "50-busy-signin").await;
    click(&c, "signin-submit").await;
    wait_text(&c, "current-user", "rita reception").await;

    // the Patients screen's search takes the cursor at first paint; typing right away stays in it
    click(&c, "nav-patients").await;
    type_into(&c, "patient-search", "Rama").await;
    wait_for(&c, &format!("patient-hit-{}", patient.id)).await;
    expect_value(&c, "patient-search", "Rama").await;

    // a dialog's later field typed into at once, while the dialog is still opening (its animation ends late on a
    // busy machine: PrimeVue used to move the cursor to the first field then), then its first field
    click(&c, "patient-new").await;
    type_into(&c, "patient-phone", "+44 7700 900123").await;
    type_into(&c, "patient-full-name", "Asha Verma").await;
    tokio::time::sleep(Duration::from_millis(800)).await; // the dialog's opening animation has ended
    expect_value(&c, "patient-full-name", "Asha Verma").await;
    expect_value(&c, "patient-phone", "+44 7700 900123").await;
    shot(&c, "51-busy-new-patient").await;

    drop(burner);
    finish(c, driver, data.path(), &[]).await;
}

/// Issue 15: registering someone the clinic already has warns before saving, lists the existing record, and
/// opens it instead; nothing new is written.
#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn reception_registering_a_duplicate_is_warned_and_opens_the_existing_record() {
    use clinicdesk_core::db::patients::Sex;
    use clinicdesk_core::services::patients;
    let data = tempfile::tempdir().unwrap();
    seed_clinic(data.path()).await;
    let desk = desk_pool(data.path()).await;
    let existing = patients::register(
        &desk,
        &patient_without_contact("Priya Raman", (1985, 6, 1), Sex::Female),
    )
    .await
    .unwrap();
    desk.close().await;

    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    let mut a11y: Vec<String> = vec![];
    sign_in(&c, "rita", PW).await;
    wait_for(&c, "nav-today").await;
    goto(&c, "nav-patients", "patient-new").await;
    open_dialog(&c, "patient-new", "patient-full-name").await;
    type_into(&c, "patient-full-name", "Priya Ramen").await;
    set_value(&c, "patient-dob", "1985-06-01").await;
    click(&c, "patient-save").await;
    wait_text(
        &c,
        &format!("duplicate-{}", existing.id),
        &existing.mrn.to_lowercase(),
    )
    .await;
    wait_text(&c, "patient-duplicates", "similar name").await;
    shot(&c, "70-duplicate-warning").await;
    a11y.extend(axe(&c, "70-duplicate-warning").await);
    click(&c, &format!("duplicate-open-{}", existing.id)).await;
    wait_text(&c, "patient-mrn", &existing.mrn.to_lowercase()).await;
    shot(&c, "71-existing-record-opened").await;

    let desk = desk_pool(data.path()).await;
    let found = patients::search(&desk, "Priya").await.unwrap();
    assert_eq!(found.len(), 1, "a second record was written: {found:?}");
    desk.close().await;
    finish(c, driver, data.path(), &a11y).await;
}

// ---- Keystroke budgets (issue 18): the desk's daily tasks, keyboard only, every key counted ----

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

/// The keyboard of a keyboard-only test: every key is a W3C key action, delivered to whatever has focus (the test
/// never clicks or picks an element to type into). `keys` counts the presses that are not typed field content (a
/// shortcut with its modifiers is one press; search words count a key per character, as a person types them);
/// `typed` counts the characters of the fields' content (names, dates).
struct Keyboard<'a> {
    c: &'a Client,
    keys: usize,
    typed: usize,
    log: Vec<String>,
}

impl<'a> Keyboard<'a> {
    fn new(c: &'a Client) -> Self {
        Keyboard {
            c,
            keys: 0,
            typed: 0,
            log: vec![],
        }
    }

    async fn send(&self, actions: Vec<KeyAction>) {
        let mut seq = KeyActions::new("keyboard".into());
        for a in actions {
            seq = seq.then(a);
        }
        self.c
            .perform_actions(seq)
            .await
            .unwrap_or_else(|e| panic!("key actions: {e}"));
    }

    async fn stroke(&self, k: char) {
        self.send(vec![
            KeyAction::Down { value: k },
            KeyAction::Up { value: k },
        ])
        .await;
    }

    /// One key (a character or a special key), counted.
    async fn press(&mut self, k: impl Into<char>, name: &str) {
        self.keys += 1;
        self.log.push(name.to_string());
        self.stroke(k.into()).await;
    }

    /// A shortcut such as Alt+3 or Ctrl+K: one press in the count.
    async fn chord(&mut self, modifier: Key, k: char, name: &str) {
        self.keys += 1;
        self.log.push(name.to_string());
        let m: char = modifier.into();
        self.send(vec![
            KeyAction::Down { value: m },
            KeyAction::Down { value: k },
            KeyAction::Up { value: k },
            KeyAction::Up { value: m },
        ])
        .await;
    }

    /// Letters typed to find or jump to something (a search word, a doctor's initial): a key per character.
    async fn word(&mut self, text: &str) {
        self.keys += text.chars().count();
        self.log.push(format!("\"{text}\""));
        for ch in text.chars() {
            self.stroke(ch).await;
        }
    }

    /// A field's content (a new patient's name, a date of birth): counted apart, as the budget does.
    async fn type_field(&mut self, text: &str) {
        self.typed += text.chars().count();
        self.log.push(format!("typed \"{text}\""));
        for ch in text.chars() {
            self.stroke(ch).await;
        }
    }

    /// Fails unless the task took at most `budget` keys (besides typed fields); prints what was pressed.
    fn within(&self, task: &str, budget: usize) {
        println!(
            "{task}: {} keys (budget {budget}) + {} typed characters: {}",
            self.keys,
            self.typed,
            self.log.join(" ")
        );
        assert!(
            self.keys <= budget,
            "{task} took {} keys, over the budget of {budget}: {}",
            self.keys,
            self.log.join(" ")
        );
    }
}

/// The `data-testid` of the element that has the cursor (or its tag name), None if nothing does.
async fn focused_testid(c: &Client) -> Option<String> {
    c.execute(
        "const a = document.activeElement;
         if (!a || a === document.body) return null;
         return a.getAttribute('data-testid') || a.tagName.toLowerCase() + (a.id ? '#' + a.id : '');",
        vec![],
    )
    .await
    .ok()
    .and_then(|v| v.as_str().map(String::from))
}

/// Waits until the cursor is on `id` (or, with a trailing `*`, on an element whose test id starts with it) and
/// returns that test id; fails with a screenshot saying where the cursor is instead. The cursor getting there by
/// itself is what is tested: focus follows the work.
async fn wait_focus(c: &Client, id: &str) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    let mut now = None;
    while std::time::Instant::now() < deadline {
        now = focused_testid(c).await;
        if let Some(t) = &now {
            let hit = match id.strip_suffix('*') {
                Some(prefix) => t.starts_with(prefix),
                None => t == id,
            };
            if hit {
                return t.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shot(c, &format!("failed-focus-{}", id.trim_end_matches('*'))).await;
    let log = c
        .execute("return JSON.stringify(window.__focusLog || null)", vec![])
        .await
        .ok();
    panic!("the cursor never reached {id}; it is on {now:?}; focus moves: {log:?}");
}

/// A doctor added to a seeded clinic (the app not running yet), in a department of their own, working every day
/// 00:00–23:45 in 15-minute slots: "today" has free slots whatever the hour the test runs (up to 23:30).
async fn add_all_day_doctor(data: &Path, name: &str, department: &str) -> i64 {
    let target = DbTarget::Embedded {
        cluster: EmbeddedCluster::new(data, Durability::Durable).unwrap(),
        database: embedded::DATABASE.into(),
    };
    let owner = Desk::new(
        db::connect_pool(target.owner_options().unwrap(), 2)
            .await
            .unwrap(),
    );
    let dep = departments::create(
        &owner,
        &DepartmentInput {
            name: department.into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let doc = doctors::create(
        &owner,
        &DoctorInput {
            full_name: name.into(),
            department_id: dep.id,
            qualification: "MD".into(),
            experience_years: 9,
            phone: None,
            email: None,
            consultation_fee_cents: 6000,
            slot_minutes: 15,
            staff_username: None,
        },
    )
    .await
    .unwrap();
    let week: Vec<WeeklySession> = (1..=7)
        .map(|d| WeeklySession {
            weekday: d,
            starts_at: NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
            ends_at: NaiveTime::from_hms_opt(23, 45, 0).unwrap(),
        })
        .collect();
    availability::set_weekly(&owner, doc.id, 15, &week)
        .await
        .unwrap();
    owner.close().await;
    doc.id
}

/// The desk's clinic: Dr. Rao (General Medicine, 08:00–18:00) and Dr. Meera Shah (Cardiology, all day), and the
/// registered patients `names`. Returns (Dr. Shah's id, the patients' ids in order).
async fn seed_desk(data: &Path, names: &[&str]) -> (i64, Vec<i64>) {
    use clinicdesk_core::db::patients::Sex;
    use clinicdesk_core::services::patients;
    seed_clinic(data).await;
    let shah = add_all_day_doctor(data, "Dr. Meera Shah", "Cardiology").await;
    let desk = desk_pool(data).await;
    let mut ids = vec![];
    for n in names {
        let p = patients::register(
            &desk,
            &patient_without_contact(n, (1980, 3, 14), Sex::Female),
        )
        .await
        .unwrap();
        ids.push(p.id);
    }
    desk.close().await;
    (shah, ids)
}

/// Books `patient_id` with the doctor today at the `nth` (0-based) free slot from now; returns the appointment id.
async fn book_today(data: &Path, doctor_id: i64, patient_id: i64, nth: usize) -> i64 {
    use clinicdesk_core::services::scheduling as appts;
    let desk = desk_pool(data).await;
    let today = Utc::now().date_naive();
    let day = appts::free_slots(&desk, doctor_id, today, 1).await.unwrap();
    let slot = day[0]
        .slots
        .get(nth)
        .unwrap_or_else(|| {
            panic!("no free slot #{nth} left today (the test needs the day's last hours free)")
        })
        .clone();
    let a = appts::book(&desk, doctor_id, patient_id, slot.starts_at)
        .await
        .unwrap();
    desk.close().await;
    a.id
}

/// "2026-12-03" as the UI shows it with the clinic's default date format: "03/12/2026".
fn clinic_date(iso: &str) -> String {
    let (y, rest) = iso.split_at(4);
    format!("{}/{}/{y}", &rest[4..6], &rest[1..3])
}

/// Starts the app on a seeded clinic and signs reception in (not counted: the budgets start on the Today board).
async fn desk_session(data: &Path) -> (Driver, Client) {
    let driver = Driver::start(data);
    let c = driver.connect().await;
    sign_in(&c, "rita", PW).await;
    wait_text(&c, "current-user", "rita reception").await;
    // where the cursor went, for a failure's message (wait_focus): focus moves and elements removed while focused
    c.execute(
        "const tid = (el) => el ? (el.getAttribute && el.getAttribute('data-testid')) || el.tagName : null;
         window.__focusLog = [];
         const note = (...x) => { window.__focusLog.push(x.concat([Math.round(performance.now())])); if (window.__focusLog.length > 60) window.__focusLog.shift(); };
         document.addEventListener('focusin', (e) => note('in', tid(e.target)), true);
         document.addEventListener('focusout', (e) => note('out', tid(e.target), tid(e.relatedTarget)), true);
         new MutationObserver(() => { const a = document.activeElement; if (a === document.body && window.__lastActive !== a) note('body'); window.__lastActive = a; })
           .observe(document.body, { childList: true, subtree: true });",
        vec![],
    )
    .await
    .unwrap();
    (driver, c)
}

/// Alt+3 (Book), "hazel" in the patient search, Enter: the cursor goes to the department list.
async fn open_booking_for_hazel(c: &Client, kb: &mut Keyboard<'_>) {
    kb.chord(Key::Alt, '3', "Alt+3").await;
    wait_focus(c, "patient-search").await;
    kb.word("hazel").await;
    kb.press(Key::Enter, "Enter").await;
    wait_focus(c, "book-department").await;
}

/// `open_booking_for_hazel`, then Tab to the doctor list and Dr. Meera Shah by her surname's initial.
async fn book_for_hazel_with_dr_shah(c: &Client, kb: &mut Keyboard<'_>) {
    open_booking_for_hazel(c, kb).await;
    kb.press(Key::Tab, "Tab").await;
    wait_focus(c, "book-doctor").await;
    kb.word("s").await;
}

/// Booking a returning patient, by the keyboard only: Alt+3 (Book; the cursor is in the patient search), the
/// patient's name and Enter (the first match is picked, the cursor goes to Department), then the department's
/// initial and Enter (its first free slot) or Tab, the doctor's initial and Enter (into the grid), then Enter on the
/// slot (Book takes the cursor) and Enter on Book (the chart opens on the new appointment). Returns the slot's test id.
async fn book_returning_patient(
    c: &Client,
    kb: &mut Keyboard<'_>,
    patient_id: i64,
    via_department: bool,
    a11y: &mut Vec<String>,
) -> String {
    open_booking_for_hazel(c, kb).await;
    if via_department {
        // Cardiology by its initial, Enter: the department's first free slot, any doctor
        kb.word("c").await;
        kb.press(Key::Enter, "Enter").await;
    } else {
        // Tab to the doctor list, Dr. Meera Shah by her surname's initial (not "Dr."), Enter: into the grid
        kb.press(Key::Tab, "Tab").await;
        wait_focus(c, "book-doctor").await;
        kb.word("s").await;
        kb.press(Key::Enter, "Enter").await;
    }
    let slot = wait_focus(c, "slot-*").await;
    // the slot the cursor lands on is the first free one shown
    let first = c
        .execute(
            "const b = document.querySelector('[data-testid=\"slot-grid\"] button');
             return b && b.getAttribute('data-testid');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        first.as_str(),
        Some(slot.as_str()),
        "the cursor is on the first free slot"
    );
    let screen = if via_department {
        "66-grid-first-available"
    } else {
        "67-grid-named-doctor"
    };
    shot(c, screen).await;
    a11y.extend(axe(c, screen).await);
    kb.press(Key::Enter, "Enter").await;
    wait_focus(c, "book-confirm").await;
    kb.press(Key::Enter, "Enter").await;
    let row = wait_focus(c, "appt-*").await;
    let url = c.current_url().await.unwrap().to_string();
    assert!(
        url.contains(&format!("/patients/{patient_id}")),
        "the chart of the patient opened: {url}"
    );
    let text = wait_for(c, &row).await.text().await.unwrap();
    // slot-YYYY-MM-DD-HH:MM
    let (date, time) = slot["slot-".len()..].split_at(10);
    // the chart shows dates in the clinic's format (dd/MM/yyyy by default)
    let date = clinic_date(date);
    assert!(
        text.contains(&date) && text.contains(&time[1..]) && text.contains("Dr. Meera Shah"),
        "the chart's focused row is the booked slot {slot}: {text}"
    );
    slot
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn budget_book_a_returning_patient_with_a_named_doctor_at_the_first_free_slot() {
    let data = tempfile::tempdir().unwrap();
    let (_, ids) = seed_desk(data.path(), &["Hazel Brennan"]).await;
    let (driver, c) = desk_session(data.path()).await;
    let mut a11y = axe(&c, "60-today-board").await;
    let mut kb = Keyboard::new(&c);
    book_returning_patient(&c, &mut kb, ids[0], false, &mut a11y).await;
    kb.within(
        "book a returning patient, named doctor, first free slot",
        15,
    );
    shot(&c, "61-booked-chart").await;
    a11y.extend(axe(&c, "61-booked-chart").await);
    finish(c, driver, data.path(), &a11y).await;
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn budget_book_a_returning_patient_at_the_first_free_slot_of_a_department() {
    let data = tempfile::tempdir().unwrap();
    let (_, ids) = seed_desk(data.path(), &["Hazel Brennan"]).await;
    let (driver, c) = desk_session(data.path()).await;
    let mut kb = Keyboard::new(&c);
    let mut a11y = vec![];
    book_returning_patient(&c, &mut kb, ids[0], true, &mut a11y).await;
    kb.within(
        "book a returning patient, first available of a department",
        15,
    );
    finish(c, driver, data.path(), &a11y).await;
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn budget_check_in_an_arriving_patient_from_the_board_and_from_quick_search() {
    let data = tempfile::tempdir().unwrap();
    let (shah, ids) = seed_desk(
        data.path(),
        &["Olga Petrova", "Jaya Novak", "Quentin Blake"],
    )
    .await;
    book_today(data.path(), shah, ids[0], 0).await;
    let jaya = book_today(data.path(), shah, ids[1], 1).await;
    let quentin = book_today(data.path(), shah, ids[2], 2).await;
    let (driver, c) = desk_session(data.path()).await;
    let mut a11y = vec![];

    // from the board: b (the board's card), Down to Jaya (the second card), c
    let mut kb = Keyboard::new(&c);
    kb.press('b', "b").await;
    wait_focus(&c, "appt-*").await;
    kb.press(Key::Down, "Down").await;
    wait_focus(&c, &format!("appt-{jaya}")).await;
    kb.press('c', "c").await;
    wait_text(&c, &format!("appt-status-{jaya}"), "checked in").await;
    // the cursor stays on her card after the board reloads
    wait_focus(&c, &format!("appt-{jaya}")).await;
    kb.within("check in from the board", 6);
    // the card buttons that c/n/x/r cover are not Tab stops (there are such buttons: the check is not empty)
    let keyed = c
        .execute(
            "const b = [...document.querySelectorAll('.card-appt button[aria-keyshortcuts]')];
             return [b.length, b.filter((x) => x.tabIndex >= 0).length];",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        keyed[0].as_i64().unwrap() > 0,
        "cards with keyed buttons: {keyed}"
    );
    assert_eq!(
        keyed[1].as_i64(),
        Some(0),
        "keyed card buttons in the Tab order: {keyed}"
    );
    shot(&c, "62-board-checked-in").await;
    a11y.extend(axe(&c, "62-board-checked-in").await);

    // from quick search: Ctrl+K, part of the name, Enter (today's appointment comes first: the board opens on its
    // card), c
    let mut kb = Keyboard::new(&c);
    kb.chord(Key::Control, 'k', "Ctrl+K").await;
    wait_focus(&c, "quick-search-input").await;
    kb.word("quen").await;
    kb.press(Key::Enter, "Enter").await;
    wait_focus(&c, &format!("appt-{quentin}")).await;
    kb.press('c', "c").await;
    wait_text(&c, &format!("appt-status-{quentin}"), "checked in").await;
    kb.within("check in from quick search", 8);

    finish(c, driver, data.path(), &a11y).await;
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn budget_register_a_walk_in_and_put_them_on_the_board_now() {
    let data = tempfile::tempdir().unwrap();
    let (shah, ids) = seed_desk(data.path(), &["Olga Petrova"]).await;
    let olga = book_today(data.path(), shah, ids[0], 3).await;
    let (driver, c) = desk_session(data.path()).await;
    let mut a11y = vec![];

    // Esc on the dialog gives the cursor back to what opened it (the card), not to the page
    let mut warmup = Keyboard::new(&c);
    warmup.press('b', "b").await;
    wait_focus(&c, &format!("appt-{olga}")).await;
    warmup.press('w', "w").await;
    wait_focus(&c, "patient-search").await;
    warmup.press(Key::Escape, "Esc").await;
    wait_focus(&c, &format!("appt-{olga}")).await;

    let mut kb = Keyboard::new(&c);
    kb.press('w', "w").await;
    wait_focus(&c, "patient-search").await;
    kb.type_field("Tomas Lindqvist").await;
    kb.press(Key::Enter, "Enter").await;
    // nobody matches: the dialog registers them, the name filled in, the cursor in Date of birth
    wait_focus(&c, "patient-dob").await;
    expect_value(&c, "patient-full-name", "Tomas Lindqvist").await;
    // the clinic's date format (default dd/MM/yyyy), typed as shown: the field keeps what was typed
    kb.type_field("04/12/1990").await;
    expect_value(&c, "patient-dob", "04/12/1990").await;
    shot(&c, "63-walk-in-register").await;
    a11y.extend(axe(&c, "63-walk-in-register").await);
    kb.press(Key::Enter, "Enter").await;
    wait_focus(&c, "walkin-doctor").await;
    kb.word("s").await;
    kb.press(Key::Enter, "Enter").await;
    // the dialog closes, the board shows the walk-in's card and the cursor goes to it
    let deadline = std::time::Instant::now() + WAIT;
    let card = loop {
        let id = c
            .execute(
                "const el = [...document.querySelectorAll('[data-card]')].find((e) => e.textContent.includes('Tomas Lindqvist'));
                 return el ? el.getAttribute('data-testid') : null;",
                vec![],
            )
            .await
            .unwrap();
        if let Some(id) = id.as_str() {
            break id.to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the walk-in's card never appeared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_ne!(card, format!("appt-{olga}"));
    wait_focus(&c, &card).await;
    kb.within("register a walk-in and put them on the board", 10);
    shot(&c, "64-walk-in-on-board").await;
    a11y.extend(axe(&c, "64-walk-in-on-board").await);
    finish(c, driver, data.path(), &a11y).await;
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn budget_reschedule_todays_appointment_to_the_next_free_slot() {
    let data = tempfile::tempdir().unwrap();
    let (shah, ids) = seed_desk(data.path(), &["Jaya Novak"]).await;
    let appt = book_today(data.path(), shah, ids[0], 4).await;
    let (driver, c) = desk_session(data.path()).await;
    let mut kb = Keyboard::new(&c);
    kb.press('b', "b").await;
    wait_focus(&c, &format!("appt-{appt}")).await;
    kb.press('r', "r").await;
    // the reschedule page puts the cursor on the first free slot
    let slot = wait_focus(&c, "slot-*").await;
    let first = c
        .execute(
            "const b = document.querySelector('[data-testid=\"slot-grid\"] button');
             return b && b.getAttribute('data-testid');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        first.as_str(),
        Some(slot.as_str()),
        "the cursor is on the next free slot"
    );
    shot(&c, "68-reschedule-grid").await;
    let a11y = axe(&c, "68-reschedule-grid").await;
    kb.press(Key::Enter, "Enter").await;
    wait_focus(&c, "book-confirm").await;
    kb.press(Key::Enter, "Enter").await;
    wait_focus(&c, &format!("appt-{appt}")).await;
    let text = wait_for(&c, &format!("appt-{appt}"))
        .await
        .text()
        .await
        .unwrap();
    let (date, time) = slot["slot-".len()..].split_at(10);
    assert!(
        text.contains(&clinic_date(date)) && text.contains(&time[1..]),
        "moved to {slot}: {text}"
    );
    kb.within("reschedule today's appointment to the next free slot", 8);
    finish(c, driver, data.path(), &a11y).await;
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn sign_in_keeps_the_keys_typed_as_the_window_opens_and_a_lock_names_the_clinic() {
    let data = tempfile::tempdir().unwrap();
    seed_clinic(data.path()).await;
    // every core busy while the app starts: the sign-in page paints late and the keys arrive before it
    let burner = CpuBurner::start();
    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    // the keys go as soon as the app's page exists (before that there is no page to take them), to whatever has the
    // cursor: nothing is clicked, and the sign-in form is not waited for (the app's script is still loading)
    let deadline = std::time::Instant::now() + WAIT;
    while c
        .execute("return document.getElementById('app') !== null", vec![])
        .await
        .ok()
        .and_then(|v| v.as_bool())
        != Some(true)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the app's page never loaded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let form_there = c.find(Locator::Css(&css("signin-username"))).await.is_ok();
    println!("sign-in form already there when the typing started: {form_there}");
    let mut kb = Keyboard::new(&c);
    kb.type_field("rita").await;
    kb.press(Key::Tab, "Tab").await;
    kb.type_field(PW).await;
    expect_value(&c, "signin-username", "rita").await;
    expect_value(&c, "signin-password", PW).await;
    wait_focus(&c, "signin-password").await;
    drop(burner);
    kb.press(Key::Enter, "Enter").await;
    wait_text(&c, "current-user", "rita reception").await;

    // Ctrl+L locks: the form names the clinic and the cursor is in Username
    kb.chord(Key::Control, 'l', "Ctrl+L").await;
    wait_focus(&c, "signin-username").await;
    wait_text(&c, "signin-clinic", "riverside clinic").await;
    let a11y = axe(&c, "65-locked").await;
    finish(c, driver, data.path(), &a11y).await;
}

/// Settings → Reminder rules, by keyboard: the amount typed and Enter adds "3 hours before, by SMS" (a booked
/// appointment then has it planned in the outbox); quiet hours covering the whole day are refused at the field and
/// nothing is saved; Tab reaches the rule's Remove button and Enter removes it.
#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn admin_adds_a_reminder_rule_by_keyboard_and_whole_day_quiet_hours_are_refused() {
    use clinicdesk_core::db::patients::{PatientInput, ReminderChannel, Sex};
    let data = tempfile::tempdir().unwrap();
    let doctor_id = seed_clinic(data.path()).await;
    let input = PatientInput {
        full_name: "Ines Rule".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1988, 4, 5).unwrap(),
        sex: Sex::Female,
        phone: Some("+44 7700 900777".into()),
        email: None,
        address: String::new(),
        emergency_contact: String::new(),
        preferred_channel: ReminderChannel::Sms,
        preferred_language: "en".into(),
        reminder_consent: true,
        opted_out: false,
        consent_method: Some(clinicdesk_core::db::patients::ConsentMethod::Desk),
    };
    let (_, appt) = book_tomorrow_at_ten(data.path(), doctor_id, &input).await;

    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    let mut a11y: Vec<String> = vec![];
    sign_in(&c, "ada", PW).await;
    goto(&c, "nav-settings", "rule-amount").await;
    wait_for(&c, "rules-empty").await;

    type_into(&c, "rule-amount", "3").await;
    let mut kb = Keyboard::new(&c);
    kb.press(Key::Enter, "Enter").await;
    wait_text(&c, "rules-list", "3 hours before, by sms").await;
    // the database planned it for the appointment already booked: 3 hours before its start
    let target = DbTarget::Embedded {
        cluster: EmbeddedCluster::new(data.path(), Durability::Durable).unwrap(),
        database: embedded::DATABASE.into(),
    };
    let admin = db::connect_pool(target.staff_options("ada", PW), 1)
        .await
        .unwrap();
    let planned = |admin: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM notifications WHERE kind = 'reminder' AND status = 'pending'
                AND reminder_rule_id IS NOT NULL AND appointment_id = $1 AND next_attempt_at = $2",
        )
        .bind(appt.id)
        .bind(appt.starts_at - chrono::Duration::hours(3))
        .fetch_one(&admin)
        .await
        .unwrap()
    };
    assert_eq!(planned(admin.clone()).await, 1);
    shot(&c, "45-settings-reminder-rules").await;
    a11y.extend(axe(&c, "45-settings-reminder-rules").await);

    set_value(&c, "quiet-quiet_start", "21:00").await;
    set_value(&c, "quiet-quiet_end", "21:00").await;
    click(&c, "quiet-save").await;
    let deadline = std::time::Instant::now() + WAIT;
    while !body_text(&c).await.contains("cannot cover the whole day") {
        assert!(std::time::Instant::now() < deadline, "no whole-day error");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let focused = focused_testid(&c).await;
    assert_eq!(
        focused.as_deref(),
        Some("quiet-quiet_end"),
        "the cursor goes to the wrong field"
    );
    shot(&c, "46-settings-quiet-hours-refused").await;
    a11y.extend(axe(&c, "46-settings-quiet-hours-refused").await);

    // Remove, by keyboard: focus the button and press Enter; the list is empty again
    let id = first_id(&c, "rule-remove-").await;
    c.execute(
        "document.querySelector(arguments[0]).focus();",
        vec![json!(css(&format!("rule-remove-{id}")))],
    )
    .await
    .unwrap();
    kb.press(Key::Enter, "Enter").await;
    wait_for(&c, "rules-empty").await;
    assert_eq!(
        planned(admin.clone()).await,
        0,
        "removing the rule withdrew its reminder"
    );
    admin.close().await;
    finish(c, driver, data.path(), &a11y).await;
}

/// Issue 15: a patient waits for Dr. Shah; the desk cancels another patient's appointment on the Today board,
/// the "slot freed — 1 waiting" notice appears (the database's NOTIFY, heard by the app's listener), and "Book"
/// on it books the waiting patient into that slot and closes the entry. Screenshots of the Waitlist page, the
/// notice and the result; axe on each.
#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn cancel_an_appointment_and_book_the_waiting_patient_from_the_notice() {
    use clinicdesk_core::services::waitlist::{self, WaitlistInput, WaitlistStatus};
    let data = tempfile::tempdir().unwrap();
    let (shah, ids) = seed_desk(data.path(), &["Bea Booked", "Wim Waiting"]).await;
    let appt = book_today(data.path(), shah, ids[0], 4).await;
    let desk = desk_pool(data.path()).await;
    let today = Utc::now().date_naive();
    let entry = waitlist::add(
        &desk,
        &WaitlistInput {
            patient_id: ids[1],
            doctor_id: Some(shah),
            department_id: None,
            window_from: today,
            window_to: today + Days::days(3),
            time_from: None,
            time_to: None,
            note: "any time, can come at short notice".into(),
        },
    )
    .await
    .unwrap();
    desk.close().await;

    let (driver, c) = desk_session(data.path()).await;
    let mut a11y = vec![];
    goto(&c, "nav-waitlist", &format!("waitlist-row-{}", entry.id)).await;
    wait_text(&c, &format!("waitlist-row-{}", entry.id), "wim waiting").await;
    shot(&c, "70-waitlist-page").await;
    a11y.extend(axe(&c, "70-waitlist-page").await);

    goto(&c, "nav-today", &format!("appt-cancel-{appt}")).await;
    open_dialog(&c, &format!("appt-cancel-{appt}"), "cancel-reason").await;
    type_into(&c, "cancel-reason", "Patient called to cancel").await;
    click(&c, "cancel-confirm").await;
    // (wait_text compares lowercase)
    wait_text(&c, "slot-notice", "slot freed — 1 waiting").await;
    wait_text(&c, "slot-notice", "wim waiting").await;
    shot(&c, "71-slot-freed-notice").await;
    a11y.extend(axe(&c, "71-slot-freed-notice").await);

    click(&c, "slot-notice-book").await;
    let desk = desk_pool(data.path()).await;
    let mut booked = None;
    for _ in 0..120 {
        let e = waitlist::list(&desk, true)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.id == entry.id)
            .unwrap();
        if e.status == WaitlistStatus::Booked {
            booked = e.appointment_id;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let booked = booked.expect("the waiting patient was never booked from the notice");
    let (was, now) = {
        use clinicdesk_core::services::scheduling as appts;
        let was = appts::for_patient(&desk, ids[0]).await.unwrap();
        let now = appts::for_patient(&desk, ids[1]).await.unwrap();
        (was, now)
    };
    desk.close().await;
    let freed = was.iter().find(|a| a.id == appt).unwrap();
    let new = now.iter().find(|a| a.id == booked).unwrap();
    assert_eq!(
        (new.doctor_id, new.starts_at),
        (shah, freed.starts_at),
        "booked into the freed slot"
    );
    assert!(
        body_text(&c).await.contains("Booked from the waitlist"),
        "the desk is told"
    );
    // the board shows the new appointment in the freed slot
    wait_text(&c, &format!("appt-{booked}"), "wim waiting").await;
    shot(&c, "72-booked-from-the-waitlist").await;
    a11y.extend(axe(&c, "72-booked-from-the-waitlist").await);
    finish(c, driver, data.path(), &a11y).await;
}

/// Issue 14, the flow board: the desk checks a returning patient in and sees the waiting minutes (marked once over
/// the clinic's threshold), then calls the patient in for the doctor.
#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn reception_checks_a_patient_in_and_sees_the_waiting_minutes() {
    use clinicdesk_core::db::patients::Sex;
    use clinicdesk_core::services::patients;
    let data = tempfile::tempdir().unwrap();
    let doctor_id = seed_clinic(data.path()).await;
    let desk = desk_pool(data.path()).await;
    let input = patient_without_contact("Walter Waite", (1971, 4, 9), Sex::Male);
    let patient = patients::register(&desk, &input).await.unwrap();
    desk.close().await;
    // an appointment starting this minute (the owner loads it: the desk books from now on)
    let owner = EmbeddedCluster::new(data.path(), Durability::Durable)
        .unwrap()
        .owner_options(embedded::DATABASE);
    let owner = db::connect_pool(owner, 1).await.unwrap();
    let appt: i64 = sqlx::query_scalar(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at)
         VALUES ($1, $2, date_trunc('minute', now()), date_trunc('minute', now()) + interval '15 minutes')
         RETURNING id",
    )
    .bind(doctor_id)
    .bind(patient.id)
    .fetch_one(&owner)
    .await
    .unwrap();

    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    let mut a11y: Vec<String> = vec![];
    sign_in(&c, "rita", PW).await;
    wait_for(&c, &format!("appt-{appt}")).await;
    click(&c, &format!("appt-checkin-{appt}")).await;
    wait_text(&c, &format!("appt-wait-{appt}"), "arrived · waiting 0 min").await;
    wait_text(&c, &format!("flow-summary-{doctor_id}"), "1 waiting").await;
    // 25 minutes later (the owner moves the arrival back: staff cannot), over the default 20-minute alert
    sqlx::query("UPDATE appointments SET checked_in_at = checked_in_at - interval '25 minutes' WHERE id = $1")
        .bind(appt)
        .execute(&owner)
        .await
        .unwrap();
    owner.close().await;
    click(&c, "board-refresh").await;
    wait_text(
        &c,
        &format!("appt-wait-{appt}"),
        "arrived · waiting 25 min (over 20 min)",
    )
    .await;
    shot(&c, "60-flow-board-waiting").await;
    a11y.extend(axe(&c, "60-flow-board-waiting").await);
    // the doctor's call, made at the desk
    click(&c, &format!("call-next-{doctor_id}")).await;
    wait_text(
        &c,
        &format!("call-note-{doctor_id}"),
        "called in: walter waite",
    )
    .await;
    wait_text(
        &c,
        &format!("appt-wait-{appt}"),
        "with doctor · waited 25 min",
    )
    .await;
    shot(&c, "61-flow-board-called").await;
    a11y.extend(axe(&c, "61-flow-board-called").await);
    finish(c, driver, data.path(), &a11y).await;
}

/// Issue 14: a returning patient is booked for a 30-minute appointment type (not the doctor's default) by
/// keyboard, with a visit reason; the grid offers starts where 30 minutes fit, and the booking lasts 30 minutes.
#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn reception_books_a_30_minute_type_for_a_returning_patient() {
    use clinicdesk_core::db::appointment_types::{AppointmentTypeInput, TypeOffer};
    use clinicdesk_core::services::appointment_types as types;
    let data = tempfile::tempdir().unwrap();
    let (shah, ids) = seed_desk(data.path(), &["Hazel Brennan"]).await;
    let target = DbTarget::Embedded {
        cluster: EmbeddedCluster::new(data.path(), Durability::Durable).unwrap(),
        database: embedded::DATABASE.into(),
    };
    let admin = Desk::new(
        db::connect_pool(target.staff_options("ada", PW), 1)
            .await
            .unwrap(),
    );
    let kind = |name: &str, minutes| AppointmentTypeInput {
        name: name.into(),
        minutes,
        colour: "#0f766e".into(),
        active: true,
        buffer_minutes: 0,
    };
    let check = types::create(&admin, &kind("Check", 15)).await.unwrap();
    let physio = types::create(&admin, &kind("Physio", 30)).await.unwrap();
    let offers = [
        TypeOffer {
            type_id: check.id,
            is_default: true,
        },
        TypeOffer {
            type_id: physio.id,
            is_default: false,
        },
    ];
    types::set_offers(&admin, shah, &offers).await.unwrap();

    let (driver, c) = desk_session(data.path()).await;
    let mut a11y = vec![];
    let mut kb = Keyboard::new(&c);
    book_for_hazel_with_dr_shah(&c, &mut kb).await;
    // the type list appears once the doctor's types are in
    wait_for(&c, "book-type").await;
    kb.press(Key::Tab, "Tab").await;
    wait_focus(&c, "book-type").await;
    expect_value(&c, "book-type", &check.id.to_string()).await;
    // the list's own choice (the page listens to the select's change, as the keyboard makes it)
    set_value(&c, "book-type", &physio.id.to_string()).await;
    kb.press(Key::Enter, "Enter").await;
    let slot = wait_focus(&c, "slot-*").await;
    shot(&c, "80-grid-30-minute-type").await;
    a11y.extend(axe(&c, "80-grid-30-minute-type").await);
    kb.press(Key::Enter, "Enter").await;
    wait_focus(&c, "book-confirm").await;
    c.execute("document.getElementById('book-reason').focus();", vec![])
        .await
        .unwrap();
    kb.word("knee pain").await;
    expect_value(&c, "book-reason", "knee pain").await;
    kb.press(Key::Enter, "Enter").await;
    wait_focus(&c, "appt-*").await;
    shot(&c, "81-booked-30-minute-type").await;
    a11y.extend(axe(&c, "81-booked-30-minute-type").await);

    let booked: (i64, i64, String) = sqlx::query_as(
        "SELECT type_id, (extract(epoch FROM ends_at - starts_at) / 60)::bigint, reason
           FROM appointments WHERE patient_id = $1",
    )
    .bind(ids[0])
    .fetch_one(admin.pool())
    .await
    .unwrap();
    assert_eq!(
        booked,
        (physio.id, 30, "knee pain".to_string()),
        "booked at {slot}"
    );
    admin.pool().close().await;
    finish(c, driver, data.path(), &a11y).await;
}

/// Issue 14: a weekly series of 6 for a returning patient from the picked slot; the third week's time is taken, the
/// preview says so and offers the nearest free start, the desk accepts it, and all six visits are booked together.
#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn reception_books_a_weekly_series_of_six_with_one_conflict_resolved() {
    use clinicdesk_core::db::patients::Sex;
    use clinicdesk_core::services::{patients, scheduling as appts};
    let data = tempfile::tempdir().unwrap();
    let (shah, ids) = seed_desk(data.path(), &["Hazel Brennan"]).await;
    let (driver, c) = desk_session(data.path()).await;
    let mut a11y = vec![];
    let mut kb = Keyboard::new(&c);
    book_for_hazel_with_dr_shah(&c, &mut kb).await;
    kb.press(Key::Enter, "Enter").await;
    let slot = wait_focus(&c, "slot-*").await;
    kb.press(Key::Enter, "Enter").await;
    wait_focus(&c, "book-confirm").await;

    // somebody else takes the third week's time (the clinic runs in UTC)
    let (date, time) = slot["slot-".len()..].split_at(10);
    let first =
        chrono::NaiveDateTime::parse_from_str(&format!("{date} {}", &time[1..]), "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc();
    let desk = desk_pool(data.path()).await;
    let other = patients::register(
        &desk,
        &patient_without_contact("Olive Other", (1970, 1, 2), Sex::Female),
    )
    .await
    .unwrap();
    appts::book(&desk, shah, other.id, first + Days::days(14))
        .await
        .unwrap();

    kb.chord(Key::Shift, Key::Tab.into(), "Shift+Tab").await;
    wait_focus(&c, "book-repeat").await;
    kb.press(Key::Enter, "Enter").await;
    wait_focus(&c, "series-every").await;
    // every 1 week, 6 visits (the defaults): Enter in the field previews
    kb.press(Key::Enter, "Enter").await;
    wait_for(&c, "series-row-5").await;
    wait_text(&c, "series-conflict-2", "already has an appointment").await;
    shot(&c, "82-series-preview-conflict").await;
    a11y.extend(axe(&c, "82-series-preview-conflict").await);
    // accept the alternative offered for the third visit, then book all six
    c.execute(
        "document.querySelector(arguments[0]).focus();",
        vec![json!(css("series-alt-2"))],
    )
    .await
    .unwrap();
    kb.press(Key::Space, "Space").await;
    wait_text(&c, "series-book", "6 visits").await;
    c.execute(
        "document.querySelector(arguments[0]).focus();",
        vec![json!(css("series-book"))],
    )
    .await
    .unwrap();
    kb.press(Key::Enter, "Enter").await;
    wait_focus(&c, "appt-*").await;
    shot(&c, "83-series-booked").await;
    a11y.extend(axe(&c, "83-series-booked").await);

    let booked: Vec<(Option<i64>, chrono::DateTime<Utc>)> = sqlx::query_as(
        "SELECT series_id, starts_at FROM appointments WHERE patient_id = $1 AND status = 'booked' ORDER BY starts_at",
    )
    .bind(ids[0])
    .fetch_all(desk.pool())
    .await
    .unwrap();
    desk.close().await;
    assert_eq!(booked.len(), 6, "{booked:?}");
    assert!(
        booked.iter().all(|b| b.0.is_some() && b.0 == booked[0].0),
        "one series: {booked:?}"
    );
    let on_time = booked
        .iter()
        .filter(|b| (0..6).any(|k| b.1 == first + Days::days(7 * k)))
        .count();
    assert_eq!(
        on_time, 5,
        "five at the weekly time, one at the accepted alternative: {booked:?}"
    );
    finish(c, driver, data.path(), &a11y).await;
}

/// Issue 17: an administrator switches a clinic set up the American way (English, 12-hour, weeks from Sunday) to
/// Spanish, 24-hour and Monday-first in Settings; the whole app follows at once, the sign-in screen keeps it, and
/// reception books a returning patient by keyboard. Screenshots of the booking grid, the calendar and the Today board
/// in Spanish.
#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run by `make test-e2e`"]
async fn admin_switches_the_clinic_to_spanish_24h_monday_first_and_reception_books() {
    use clinicdesk_core::services::settings;
    let data = tempfile::tempdir().unwrap();
    let (shah, ids) = seed_desk(data.path(), &["Hazel Brennan"]).await;
    let target = DbTarget::Embedded {
        cluster: EmbeddedCluster::new(data.path(), Durability::Durable).unwrap(),
        database: embedded::DATABASE.into(),
    };
    let admin = Desk::new(
        db::connect_pool(target.staff_options("ada", PW), 1)
            .await
            .unwrap(),
    );
    let mut us = settings::get(admin.pool()).await.unwrap();
    us.language = "en".into();
    us.date_format = "MM/dd/yyyy".into();
    us.clock = "12h".into();
    us.first_day = 0;
    settings::update(admin.pool(), &us).await.unwrap();

    let driver = Driver::start(data.path());
    let c = driver.connect().await;
    sign_in(&c, "ada", PW).await;
    wait_text(&c, "nav-settings", "settings").await;
    goto(&c, "nav-settings", "settings-language").await;
    expect_value(&c, "settings-clock", "12h").await;
    set_value(&c, "settings-language", "es").await;
    set_value(&c, "settings-date_format", "dd/MM/yyyy").await;
    set_value(&c, "settings-clock", "24h").await;
    set_value(&c, "settings-first_day", "1").await;
    click(&c, "settings-save").await;
    // the app speaks Spanish at once, without a restart
    wait_text(&c, "nav-settings", "ajustes").await;
    let mut a11y = axe(&c, "90-settings-spanish").await;
    shot(&c, "90-settings-spanish").await;
    let saved = settings::get(admin.pool()).await.unwrap();
    assert_eq!(
        (
            saved.language.as_str(),
            saved.date_format.as_str(),
            saved.clock.as_str(),
            saved.first_day
        ),
        ("es", "dd/MM/yyyy", "24h", 1)
    );
    admin.pool().close().await;
    click(&c, "signout").await;
    // this PC remembers the clinic's language for the sign-in screen
    wait_for(&c, "signin-username").await;
    let label = c
        .find(Locator::Css("label[for='signin-username']"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(label, "Usuario");
    sign_in(&c, "rita", PW).await;
    wait_text(&c, "nav-today", "hoy").await;
    c.execute(
        "const tid = (el) => el ? (el.getAttribute && el.getAttribute('data-testid')) || el.tagName : null;
         window.__focusLog = [];
         document.addEventListener('focusin', (e) => window.__focusLog.push(['in', tid(e.target)]), true);",
        vec![],
    )
    .await
    .unwrap();
    let mut kb = Keyboard::new(&c);
    let slot = book_returning_patient(&c, &mut kb, ids[0], false, &mut a11y).await;
    // booked at a 24-hour time in the grid
    let time = &slot["slot-YYYY-MM-DD-".len()..];
    assert!(time.len() == 5 && time.as_bytes()[2] == b':', "slot {slot}");

    // the booking grid in Spanish: the days' headings and times on the 24-hour clock
    kb.chord(Key::Alt, '3', "Alt+3").await;
    wait_focus(&c, "patient-search").await;
    kb.word("hazel").await;
    kb.press(Key::Enter, "Enter").await;
    wait_focus(&c, "book-department").await;
    kb.press(Key::Tab, "Tab").await;
    wait_focus(&c, "book-doctor").await;
    kb.word("s").await;
    kb.press(Key::Enter, "Enter").await;
    let first = wait_focus(&c, "slot-*").await;
    let shown = wait_for(&c, &first).await.text().await.unwrap();
    assert_eq!(
        shown.trim(),
        &first[first.len() - 5..],
        "24-hour time on the grid"
    );
    let grid = wait_for(&c, "slot-grid").await.text().await.unwrap();
    assert!(
        grid.contains("lun") || grid.contains("mar") || grid.contains("mié"),
        "Spanish day headings: {grid}"
    );
    shot(&c, "91-grid-spanish").await;
    a11y.extend(axe(&c, "91-grid-spanish").await);

    // the calendar: Spanish, weeks from Monday, 24-hour slot labels
    goto(&c, "nav-calendar", "calendar-doctor").await;
    set_value(&c, "calendar-doctor", &shah.to_string()).await;
    let head = c
        .wait()
        .for_element(Locator::Css(".fc-col-header-cell"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .to_lowercase();
    assert!(head.starts_with("lun"), "the week starts on Monday: {head}");
    let body = body_text(&c).await;
    assert!(
        body.contains("Calendario") && body.contains("13:00"),
        "{body}"
    );
    shot(&c, "92-calendar-spanish").await;
    a11y.extend(axe(&c, "92-calendar-spanish").await);

    // the Today board
    goto(&c, "nav-today", "nav-today").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    shot(&c, "93-today-spanish").await;
    a11y.extend(axe(&c, "93-today-spanish").await);
    finish(c, driver, data.path(), &a11y).await;
}

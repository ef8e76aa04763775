//! End-to-end tests of the real desktop app: the binary from `tauri build --debug --no-bundle`, driven through
//! tauri-driver + WebKitWebDriver (run under Xvfb by `make test-e2e`). Screenshots of each step land in
//! `target/e2e/` so a person can look at what the test saw.
//!
//! Ignored by a plain `cargo test` (it needs the built app, a display and tauri-driver); `make test` runs it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use clinicdesk_core::embedded::{Durability, EmbeddedCluster};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const PW: &str = "violet-anchor-mango-29-tundra";
const WAIT: Duration = Duration::from_secs(60);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn app_binary() -> PathBuf {
    let p = std::env::var_os("CLINICDESK_E2E_APP").map(PathBuf::from).unwrap_or_else(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("target"));
        // `cargo test` rebuilds target/debug/clinicdesk without the bundled UI, so `make app-debug` copies the
        // `tauri build` binary here
        target.join("e2e-app/clinicdesk")
    });
    assert!(p.is_file(), "build the app first: `make app-debug` ({} is missing)", p.display());
    p
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
        let child = Command::new(std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into()))
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("CLINICDESK_DATA_DIR", data_dir)
            .env_remove("CLINICDESK_DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver on PATH (cargo install tauri-driver --locked)");
        Driver { child, port }
    }

    async fn connect(&self) -> Client {
        let caps = json!({ "browserName": "wry", "tauri:options": { "application": app_binary() } });
        let caps = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{}", self.port);
        for _ in 0..100 {
            match ClientBuilder::native().capabilities(caps.clone()).connect(&url).await {
                Ok(c) => return c,
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        panic!("could not open a WebDriver session on {url}");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), nix::sys::signal::Signal::SIGTERM);
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn css(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

async fn type_into(c: &Client, id: &str, text: &str) {
    let el = c.wait().at_most(WAIT).for_element(Locator::Css(&css(id))).await.unwrap_or_else(|e| panic!("{id}: {e}"));
    el.clear().await.ok();
    el.send_keys(text).await.unwrap_or_else(|e| panic!("typing into {id}: {e}"));
}

async fn click(c: &Client, id: &str) {
    let el = c.wait().at_most(WAIT).for_element(Locator::Css(&css(id))).await.unwrap_or_else(|e| panic!("{id}: {e}"));
    el.click().await.unwrap_or_else(|e| panic!("clicking {id}: {e}"));
}

async fn wait_for(c: &Client, id: &str) -> fantoccini::elements::Element {
    c.wait().at_most(WAIT).for_element(Locator::Css(&css(id))).await.unwrap_or_else(|e| panic!("waiting for {id}: {e}"))
}

async fn shot(c: &Client, name: &str) {
    let dir = repo().join("target/e2e");
    std::fs::create_dir_all(&dir).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn sign_in(c: &Client, user: &str, pw: &str) {
    type_into(c, "signin-username", user).await;
    type_into(c, "signin-password", pw).await;
    click(c, "signin-submit").await;
}

async fn nav_ids(c: &Client) -> Vec<String> {
    let nav = wait_for(c, "nav").await;
    let mut ids = vec![];
    for el in nav.find_all(Locator::Css("[data-testid^=\"nav-\"]")).await.unwrap() {
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

    // 1. a fresh data dir opens the first-run wizard
    type_into(&c, "setup-clinic-name", "Riverside Clinic").await;
    type_into(&c, "setup-admin-username", "ada").await;
    type_into(&c, "setup-admin-full-name", "Ada Admin").await;
    type_into(&c, "setup-admin-password", PW).await;
    type_into(&c, "setup-admin-password-confirm", PW).await;
    shot(&c, "01-setup-wizard").await;
    click(&c, "setup-submit").await;

    // 2. the wizard lands on sign-in; a wrong password is refused with the generic sentence
    sign_in(&c, "ada", "not-the-password").await;
    let err = wait_for(&c, "signin-error").await.text().await.unwrap();
    assert_eq!(err.trim(), "Username or password is incorrect.");
    shot(&c, "02-signin-error").await;
    sign_in(&c, "ada", PW).await;
    let admin_nav = nav_ids(&c).await;
    assert!(admin_nav.contains(&"nav-staff".to_string()), "admin navigation: {admin_nav:?}");
    assert!(admin_nav.contains(&"nav-settings".to_string()), "admin navigation: {admin_nav:?}");
    shot(&c, "03-admin-home").await;

    // 3. the admin creates a reception account
    click(&c, "nav-staff").await;
    click(&c, "staff-new").await;
    type_into(&c, "staff-username", "rita").await;
    type_into(&c, "staff-full-name", "Rita Reception").await;
    let role = wait_for(&c, "staff-role").await;
    role.select_by_value("reception").await.expect("choose reception");
    type_into(&c, "staff-password", "saffron-kettle-orbit-71-quay").await;
    shot(&c, "04-new-staff-form").await;
    click(&c, "staff-save").await;
    wait_for(&c, "staff-row-rita").await;
    shot(&c, "05-staff-list").await;

    // 4. sign out; reception signs in and sees reception navigation only
    click(&c, "signout").await;
    sign_in(&c, "rita", "saffron-kettle-orbit-71-quay").await;
    let who = wait_for(&c, "current-user").await.text().await.unwrap();
    assert!(who.to_lowercase().contains("reception"), "current user shows the role: {who}");
    let rec_nav = nav_ids(&c).await;
    assert!(rec_nav.contains(&"nav-home".to_string()), "reception navigation: {rec_nav:?}");
    for forbidden in ["nav-staff", "nav-departments", "nav-settings"] {
        assert!(!rec_nav.contains(&forbidden.to_string()), "reception must not see {forbidden}: {rec_nav:?}");
    }
    shot(&c, "06-reception-home").await;

    // the staff screen is refused by the router as well as hidden
    c.execute("window.location.hash = '#/staff'", vec![]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(c.find(Locator::Css(&css("staff-new"))).await.is_err(), "reception reached the staff screen");

    c.close().await.ok();
    drop(driver);
    // the app's cluster lives in the data dir we gave it: stop it (WebKitWebDriver may kill the app abruptly)
    let cluster = EmbeddedCluster::new(data.path(), Durability::Durable).unwrap();
    assert!(cluster.pg_dir().join("PG_VERSION").exists(), "the app created its cluster in CLINICDESK_DATA_DIR");
    cluster.stop().await.unwrap();
}

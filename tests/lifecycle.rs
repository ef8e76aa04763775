//! The app stops what it started: the real desktop binary (from `make app-debug`), run under Xvfb with a fresh data
//! dir, is sent SIGTERM or SIGINT as a session logout, a shutdown or `kill` would; it must exit by itself and leave
//! no PostgreSQL server of its data dir running (as closing the window does); and the files it wrote are private.
//!
//! Ignored by a plain `cargo test` (it needs the built app and a display); `make test-e2e` runs it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clinicdesk_core::testing::{e2e_app_binary, postgres_processes_of};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// One run of the app on its own data dir; on drop (a failed test) kills what is left so nothing lingers.
struct App {
    child: Child,
    _dir: tempfile::TempDir,
    data: PathBuf,
}

impl App {
    fn start() -> App {
        let dir = tempfile::tempdir().unwrap();
        // as root the server runs as `postgres`, which must walk through the temp dir to the data dir
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
        let data = dir.path().join("data");
        let log = std::fs::File::create(dir.path().join("app.log")).unwrap();
        let child = Command::new(e2e_app_binary(Path::new(env!("CARGO_MANIFEST_DIR"))))
            .env("CLINICDESK_DATA_DIR", &data)
            .env_remove("CLINICDESK_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start the app");
        App {
            child,
            _dir: dir,
            data,
        }
    }

    fn pid_file(&self) -> PathBuf {
        self.data.join("pg/postmaster.pid")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("app.log")).unwrap_or_default()
    }

    /// Waits until the app's server has written its pid file (and, with `ready`, accepts connections).
    fn wait_for_server(&mut self, ready: bool) {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let text = std::fs::read_to_string(self.pid_file()).unwrap_or_default();
            if !text.is_empty() && (!ready || text.lines().any(|l| l.trim() == "ready")) {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "the app exited ({status}) before its database started:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the app's database did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends `signal` and waits for the app to exit by itself; its exit status.
    fn signal_and_wait(&mut self, signal: Signal) -> std::process::ExitStatus {
        kill(Pid::from_raw(self.child.id() as i32), signal).unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the app did not exit after {signal}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn assert_nothing_left(&self, status: std::process::ExitStatus) {
        assert!(
            status.success(),
            "the app exits cleanly ({status}):\n{}",
            self.log()
        );
        let left = postgres_processes_of(&self.data);
        assert!(
            left.is_empty(),
            "PostgreSQL left running: {left:?}\n{}",
            self.log()
        );
        assert!(
            !self.pid_file().exists(),
            "the server did not shut down cleanly (postmaster.pid remains)"
        );
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Ok(text) = std::fs::read_to_string(self.pid_file()) {
            if let Some(pid) = text.lines().next().and_then(|l| l.trim().parse().ok()) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
    }
}

#[test]
#[ignore = "needs the built app (make app-debug) and a display: run by make test-e2e"]
fn sigterm_stops_the_embedded_database_like_closing_the_window() {
    let mut app = App::start();
    app.wait_for_server(true);
    assert!(
        !postgres_processes_of(&app.data).is_empty(),
        "the server runs"
    );
    let status = app.signal_and_wait(Signal::SIGTERM);
    app.assert_nothing_left(status);

    // and what it wrote is private: the log dir 0700, its files 0600 (the app sets umask 0o077 at start)
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let logs = app.data.join("logs");
    assert_eq!(mode(&logs), 0o700, "the app's log dir");
    let files: Vec<PathBuf> = std::fs::read_dir(&logs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(!files.is_empty(), "the app wrote a log file");
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    assert_eq!(
        mode(&app.data.join("pg/server.log")),
        0o600,
        "PostgreSQL's log"
    );
    assert_eq!(
        mode(&app.data) & 0o007,
        0,
        "the data dir is closed to others"
    );
}

#[test]
#[ignore = "needs the built app (make app-debug) and a display: run by make test-e2e"]
fn sigint_while_the_database_is_still_starting_stops_it_too() {
    let mut app = App::start();
    // as soon as the server exists, before the app has finished starting it
    app.wait_for_server(false);
    let status = app.signal_and_wait(Signal::SIGINT);
    app.assert_nothing_left(status);
}

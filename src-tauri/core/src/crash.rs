//! Named crash points for the kill -9 tests: a child process stops at a known place in a booking, an export or
//! a backup so the test can kill it exactly there. Inert unless `CLINICDESK_CRASH_AT` names the point.

/// Crash-test hook: with `CLINICDESK_CRASH_AT=<point>` the process announces the point on stderr and waits to be
/// killed (the kill -9 tests stop it exactly here). Does nothing otherwise.
pub fn point(name: &str) {
    if std::env::var("CLINICDESK_CRASH_AT").as_deref() == Ok(name) {
        eprintln!("CRASH-POINT {name}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}

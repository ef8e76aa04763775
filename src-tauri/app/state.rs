//! The desktop app's state: the core context (database, session, caches, jobs) plus what only a window has
//! (running exports' cancel flags, the first-screen timing).

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clinicdesk_core::context::Context;

pub struct AppState {
    ctx: Context,
    /// When the process started, to log how long the first screen took.
    pub started: std::time::Instant,
    first_screen_logged: AtomicBool,
    /// Cancel flags of the exports running in this window.
    exports: std::sync::Mutex<HashMap<i64, Arc<AtomicBool>>>,
}

impl Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}

impl AppState {
    pub fn new() -> Self {
        AppState {
            ctx: Context::from_environment(),
            started: std::time::Instant::now(),
            first_screen_logged: AtomicBool::new(false),
            exports: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Logs, once, the time from process start to the first screen's data (the wizard or the sign-in screen).
    pub fn log_first_screen(&self, setup_required: bool) {
        if !self.first_screen_logged.swap(true, Ordering::Relaxed) {
            tracing::info!(
                elapsed_ms = self.started.elapsed().as_millis() as u64,
                setup_required,
                "first screen ready"
            );
        }
    }

    pub fn register_export(&self, id: i64) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        self.exports
            .lock()
            .expect("exports lock")
            .insert(id, flag.clone());
        flag
    }

    pub fn cancel_export(&self, id: i64) {
        if let Some(flag) = self.exports.lock().expect("exports lock").get(&id) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    pub fn finish_export(&self, id: i64) {
        self.exports.lock().expect("exports lock").remove(&id);
    }
}

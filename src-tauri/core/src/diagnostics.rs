//! Slow-query log for whoever maintains a clinic's install: sqlx reports statements over a threshold (default
//! 100 ms, `CLINICDESK_SLOW_QUERY_MS`) as WARN events on target `sqlx::query`; a tracing layer keeps the last
//! ones in a bounded in-memory ring the diagnostics screen reads (the log file gets them too). sqlx logs the
//! statement text with its `$1` placeholders, never parameter values, so no patient data is kept.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::postgres::PgConnectOptions;
use sqlx::ConnectOptions;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer};

/// How many slow statements the ring keeps.
pub const RING_SIZE: usize = 200;
pub const DEFAULT_SLOW_MS: u64 = 100;

static THRESHOLD_MS: AtomicU64 = AtomicU64::new(0);
static RING: OnceLock<Mutex<VecDeque<SlowQuery>>> = OnceLock::new();

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct SlowQuery {
    pub at: DateTime<Utc>,
    pub elapsed_ms: f64,
    /// The statement as sent (placeholders, no values), cut to 2000 characters.
    pub statement: String,
    pub rows: i64,
}

/// The slow-statement threshold: set by [`set_slow_threshold`], else `CLINICDESK_SLOW_QUERY_MS`, else 100 ms.
pub fn slow_threshold() -> Duration {
    let ms = match THRESHOLD_MS.load(Ordering::Relaxed) {
        0 => std::env::var("CLINICDESK_SLOW_QUERY_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|v| *v > 0)
            .unwrap_or(DEFAULT_SLOW_MS),
        ms => ms,
    };
    Duration::from_millis(ms)
}

/// Changes the threshold for connections opened from now on.
pub fn set_slow_threshold(d: Duration) {
    THRESHOLD_MS.store(d.as_millis().max(1) as u64, Ordering::Relaxed);
}

/// Connection options that report slow statements at WARN (every other statement stays at DEBUG).
pub fn with_slow_log(options: PgConnectOptions) -> PgConnectOptions {
    options.log_slow_statements(log::LevelFilter::Warn, slow_threshold())
}

fn ring() -> &'static Mutex<VecDeque<SlowQuery>> {
    RING.get_or_init(|| Mutex::new(VecDeque::with_capacity(RING_SIZE)))
}

pub fn record(q: SlowQuery) {
    let mut r = ring().lock().expect("slow query ring");
    if r.len() == RING_SIZE {
        r.pop_front();
    }
    r.push_back(q);
}

/// The slow statements seen by this process, newest first.
pub fn slow_queries() -> Vec<SlowQuery> {
    ring()
        .lock()
        .expect("slow query ring")
        .iter()
        .rev()
        .cloned()
        .collect()
}

/// A tracing layer that copies sqlx's slow-statement events into the ring.
#[derive(Debug, Default, Clone, Copy)]
pub struct SlowQueryLayer;

#[derive(Default)]
struct SlowVisitor {
    slow: bool,
    summary: String,
    statement: String,
    elapsed_secs: f64,
    rows: i64,
}

impl Visit for SlowVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed_secs = value;
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "rows_returned" || field.name() == "rows_affected" {
            self.rows += value as i64;
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_string(),
            "db.statement" => self.statement = value.trim().to_string(),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "slow_threshold" => self.slow = true,
            "summary" => {
                let _ = write!(self.summary, "{value:?}");
            }
            "db.statement" => {
                let mut s = String::new();
                let _ = write!(s, "{value:?}");
                self.statement = s.trim().to_string();
            }
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for SlowQueryLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut v = SlowVisitor::default();
        event.record(&mut v);
        if !v.slow {
            return;
        }
        let text = if v.statement.is_empty() {
            v.summary
        } else {
            v.statement
        };
        record(SlowQuery {
            at: Utc::now(),
            elapsed_ms: v.elapsed_secs * 1000.0,
            statement: text.chars().take(2000).collect(),
            rows: v.rows,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_newest() {
        for i in 0..(RING_SIZE + 5) {
            record(SlowQuery {
                at: Utc::now(),
                elapsed_ms: i as f64,
                statement: format!("SELECT {i}"),
                rows: 0,
            });
        }
        let all = slow_queries();
        assert_eq!(all.len(), RING_SIZE);
        assert_eq!(all[0].statement, format!("SELECT {}", RING_SIZE + 4));
        assert_eq!(all.last().unwrap().statement, "SELECT 5");
    }
}

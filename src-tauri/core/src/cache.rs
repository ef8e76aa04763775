//! Caches for read-mostly data (departments, doctors, free slots, dashboards) that are never stale for long:
//! each entry has a TTL, writers in this process invalidate at once, and a LISTEN/NOTIFY listener drops what
//! other PCs' writes made stale (the `cache_notify` triggers send a NOTIFY at commit). The database's
//! constraints stay the final word: a stale slot can at worst fail to book with a Conflict.

use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::postgres::PgListener;
use sqlx::PgPool;

use crate::db::{departments::Department, doctors::Doctor};
use crate::error::Result;
use crate::services::dashboard::{AdminDashboard, DoctorDashboard};
use crate::services::scheduling::SlotDay;
use crate::services::waitlist::FreedSlot;

/// The NOTIFY channel the `cache_notify` triggers send on.
pub const CHANNEL: &str = "clinicdesk_cache";

/// How long an entry may live when nothing invalidates it (a safety net: writes invalidate at once).
#[derive(Debug, Clone, Copy)]
pub struct CacheTtls {
    pub departments: Duration,
    pub doctors: Duration,
    pub slots: Duration,
    pub dashboard: Duration,
}

impl Default for CacheTtls {
    fn default() -> Self {
        CacheTtls {
            departments: Duration::from_secs(600),
            doctors: Duration::from_secs(300),
            slots: Duration::from_secs(60),
            dashboard: Duration::from_secs(60),
        }
    }
}

/// What a write changed: decides which entries are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Departments,
    /// A doctor's row (name, department, slot length, active); None = unknown doctor.
    Doctor(Option<i64>),
    /// Weekly hours or a dated exception; None = clinic-wide (a holiday).
    Availability(Option<i64>),
    Appointment(Option<i64>),
    Patients,
    Treatments,
    /// Settings (time zone) or anything unknown: drop everything.
    All,
}

impl Change {
    /// Parses a NOTIFY payload `<table>:<doctor id or empty>`.
    pub fn from_payload(payload: &str) -> Change {
        let (table, id) = payload.split_once(':').unwrap_or((payload, ""));
        let id = id.parse::<i64>().ok();
        match table {
            "departments" => Change::Departments,
            "doctors" => Change::Doctor(id),
            "doctor_availability" | "doctor_availability_exceptions" => Change::Availability(id),
            "appointments" => Change::Appointment(id),
            "slot_freed" => Change::Appointment(
                id.or_else(|| payload.split(':').nth(1).and_then(|d| d.parse().ok())),
            ),
            "patients" => Change::Patients,
            "treatments" => Change::Treatments,
            _ => Change::All,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SlotKey {
    pub doctor_id: i64,
    /// The appointment type asked for (`None`: the doctor's default visit).
    pub type_id: Option<i64>,
    pub from: NaiveDate,
    pub days: i64,
}

/// One named cache with hit/miss counters and a generation that makes "read, then insert" safe against a
/// write that lands in between (the insert is skipped when an invalidation happened during the load).
pub struct Named<K, V> {
    name: &'static str,
    ttl: Duration,
    inner: moka::future::Cache<K, V>,
    hits: AtomicU64,
    misses: AtomicU64,
    invalidations: AtomicU64,
    generation: AtomicU64,
}

impl<K, V> Named<K, V>
where
    K: Hash + Eq + Send + Sync + Clone + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn new(name: &'static str, ttl: Duration, capacity: u64) -> Self {
        Named {
            name,
            ttl,
            inner: moka::future::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .build(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            invalidations: AtomicU64::new(0),
            generation: AtomicU64::new(0),
        }
    }

    async fn get_or_load<F, Fut>(&self, key: K, bypass: bool, load: F) -> Result<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        if !bypass {
            if let Some(v) = self.inner.get(&key).await {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(v);
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let generation = self.generation.load(Ordering::Acquire);
        let v = load().await?;
        if !bypass && self.generation.load(Ordering::Acquire) == generation {
            self.inner.insert(key, v.clone()).await;
        }
        Ok(v)
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.invalidations.fetch_add(1, Ordering::Relaxed);
    }

    fn clear(&self) {
        self.bump();
        self.inner.invalidate_all();
    }

    async fn clear_where(&self, f: impl Fn(&K) -> bool) {
        self.bump();
        let keys: Vec<K> = self
            .inner
            .iter()
            .filter(|(k, _)| f(k))
            .map(|(k, _)| (*k).clone())
            .collect();
        for k in keys {
            self.inner.invalidate(&k).await;
        }
    }

    async fn stats(&self) -> CacheStats {
        self.inner.run_pending_tasks().await;
        CacheStats {
            name: self.name.to_string(),
            ttl_seconds: self.ttl.as_secs_f64(),
            entries: self.inner.entry_count() as i64,
            hits: self.hits.load(Ordering::Relaxed) as i64,
            misses: self.misses.load(Ordering::Relaxed) as i64,
            invalidations: self.invalidations.load(Ordering::Relaxed) as i64,
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CacheStats {
    pub name: String,
    pub ttl_seconds: f64,
    pub entries: i64,
    pub hits: i64,
    pub misses: i64,
    pub invalidations: i64,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ListenerStats {
    /// "off" (no listener: in-process invalidation only), "listening" or "reconnecting".
    pub state: String,
    pub notifications: i64,
    pub reconnects: i64,
}

const NO_LISTENER: u8 = 0;
const LISTENING: u8 = 1;
const RECONNECTING: u8 = 2;

/// The caches of one signed-in session (cleared at sign-in and sign-out: what one role may read is never
/// served to another).
pub struct Caches {
    pub departments: Named<(), Arc<Vec<Department>>>,
    pub doctors: Named<bool, Arc<Vec<Doctor>>>,
    pub slots: Named<SlotKey, Arc<Vec<SlotDay>>>,
    pub admin_dashboard: Named<NaiveDate, Arc<AdminDashboard>>,
    pub doctor_dashboard: Named<(i64, NaiveDate), Arc<DoctorDashboard>>,
    listener_state: AtomicU8,
    notifications: AtomicU64,
    reconnects: AtomicU64,
    listener: Mutex<Option<tokio::task::JoinHandle<()>>>,
    stop: AtomicBool,
    /// Slots other PCs (and this one) freed, as the listener hears them: the desk's "slot freed — N waiting".
    freed: tokio::sync::broadcast::Sender<FreedSlot>,
}

impl Caches {
    pub fn new(ttls: CacheTtls) -> Arc<Caches> {
        Arc::new(Caches {
            departments: Named::new("departments", ttls.departments, 4),
            doctors: Named::new("doctors", ttls.doctors, 4),
            slots: Named::new("free slots", ttls.slots, 20_000),
            admin_dashboard: Named::new("admin dashboard", ttls.dashboard, 16),
            doctor_dashboard: Named::new("doctor dashboard", ttls.dashboard, 1_000),
            listener_state: AtomicU8::new(NO_LISTENER),
            notifications: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            listener: Mutex::new(None),
            stop: AtomicBool::new(false),
            freed: tokio::sync::broadcast::channel(64).0,
        })
    }

    /// While the listener is reconnecting, other PCs' writes could be missed: read through, cache nothing.
    fn bypass(&self) -> bool {
        self.listener_state.load(Ordering::Acquire) == RECONNECTING
    }

    pub async fn departments<F, Fut>(&self, load: F) -> Result<Arc<Vec<Department>>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Department>>>,
    {
        self.departments
            .get_or_load((), self.bypass(), || async { load().await.map(Arc::new) })
            .await
    }

    pub async fn doctors<F, Fut>(&self, include_inactive: bool, load: F) -> Result<Arc<Vec<Doctor>>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Doctor>>>,
    {
        self.doctors
            .get_or_load(include_inactive, self.bypass(), || async {
                load().await.map(Arc::new)
            })
            .await
    }

    pub async fn slots<F, Fut>(&self, key: SlotKey, load: F) -> Result<Arc<Vec<SlotDay>>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<SlotDay>>>,
    {
        self.slots
            .get_or_load(key, self.bypass(), || async { load().await.map(Arc::new) })
            .await
    }

    pub async fn admin_dashboard<F, Fut>(
        &self,
        today: NaiveDate,
        load: F,
    ) -> Result<Arc<AdminDashboard>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AdminDashboard>>,
    {
        self.admin_dashboard
            .get_or_load(today, self.bypass(), || async {
                load().await.map(Arc::new)
            })
            .await
    }

    pub async fn doctor_dashboard<F, Fut>(
        &self,
        doctor_id: i64,
        today: NaiveDate,
        load: F,
    ) -> Result<Arc<DoctorDashboard>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<DoctorDashboard>>,
    {
        self.doctor_dashboard
            .get_or_load((doctor_id, today), self.bypass(), || async {
                load().await.map(Arc::new)
            })
            .await
    }

    /// Drops what `change` made stale. Called by writers in this process right after their commit and by
    /// the listener for every NOTIFY (including this process's own: harmless).
    pub async fn invalidate(&self, change: Change) {
        let dashboards = || {
            self.admin_dashboard.clear();
            self.doctor_dashboard.clear();
        };
        match change {
            Change::Departments => {
                self.departments.clear();
                self.doctors.clear();
                dashboards();
            }
            Change::Doctor(id) => {
                self.doctors.clear();
                self.clear_slots(id).await;
                dashboards();
            }
            Change::Availability(id) | Change::Appointment(id) => {
                self.clear_slots(id).await;
                dashboards();
            }
            Change::Patients | Change::Treatments => dashboards(),
            Change::All => self.clear_all(),
        }
    }

    async fn clear_slots(&self, doctor_id: Option<i64>) {
        match doctor_id {
            Some(id) => self.slots.clear_where(|k| k.doctor_id == id).await,
            None => self.slots.clear(),
        }
    }

    pub fn clear_all(&self) {
        self.departments.clear();
        self.doctors.clear();
        self.slots.clear();
        self.admin_dashboard.clear();
        self.doctor_dashboard.clear();
    }

    pub async fn stats(&self) -> (Vec<CacheStats>, ListenerStats) {
        let caches = vec![
            self.departments.stats().await,
            self.doctors.stats().await,
            self.slots.stats().await,
            self.admin_dashboard.stats().await,
            self.doctor_dashboard.stats().await,
        ];
        let state = match self.listener_state.load(Ordering::Acquire) {
            LISTENING => "listening",
            RECONNECTING => "reconnecting",
            _ => "off",
        };
        (
            caches,
            ListenerStats {
                state: state.into(),
                notifications: self.notifications.load(Ordering::Relaxed) as i64,
                reconnects: self.reconnects.load(Ordering::Relaxed) as i64,
            },
        )
    }

    /// Every freed slot the listener hears from now on (cancelled or moved-away appointments on any PC).
    pub fn subscribe_freed(&self) -> tokio::sync::broadcast::Receiver<FreedSlot> {
        self.freed.subscribe()
    }

    /// Whether the listener is connected and LISTENing (tests wait for this).
    pub fn listening(&self) -> bool {
        self.listener_state.load(Ordering::Acquire) == LISTENING
    }

    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    /// Starts listening for other PCs' writes on a dedicated connection of `pool`'s role (replacing any
    /// earlier listener). Everything cached so far is dropped.
    pub fn attach(self: &Arc<Self>, pool: PgPool) {
        self.detach();
        self.stop.store(false, Ordering::Release);
        self.listener_state.store(RECONNECTING, Ordering::Release);
        self.clear_all();
        let me = Arc::downgrade(self);
        let handle = tokio::spawn(listen(me, pool));
        *self.listener.lock().expect("listener lock") = Some(handle);
    }

    /// Stops the listener (sign-out) and drops everything.
    pub fn detach(&self) {
        self.stop.store(true, Ordering::Release);
        if let Some(h) = self.listener.lock().expect("listener lock").take() {
            h.abort();
        }
        self.listener_state.store(NO_LISTENER, Ordering::Release);
        self.clear_all();
    }
}

impl Drop for Caches {
    fn drop(&mut self) {
        if let Ok(mut l) = self.listener.lock() {
            if let Some(h) = l.take() {
                h.abort();
            }
        }
    }
}

/// The listener loop: connect, LISTEN, clear (anything may have changed while not listening), apply each
/// notification; on a lost connection read through the caches until listening again, with backoff.
async fn listen(caches: std::sync::Weak<Caches>, pool: PgPool) {
    let mut delay = Duration::from_millis(100);
    loop {
        let Some(c) = caches.upgrade() else { return };
        if c.stop.load(Ordering::Acquire) || pool.is_closed() {
            return;
        }
        c.listener_state.store(RECONNECTING, Ordering::Release);
        drop(c);
        let connected = async {
            let mut l = PgListener::connect_with(&pool).await?;
            l.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(l)
        }
        .await;
        let mut listener = match connected {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cache listener cannot connect; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        delay = Duration::from_millis(100);
        {
            let Some(c) = caches.upgrade() else { return };
            c.clear_all();
            c.listener_state.store(LISTENING, Ordering::Release);
            tracing::info!("cache listener listening");
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => {
                    let Some(c) = caches.upgrade() else { return };
                    c.notifications.fetch_add(1, Ordering::Relaxed);
                    c.invalidate(Change::from_payload(n.payload())).await;
                    if let Some(slot) = FreedSlot::from_payload(n.payload()) {
                        // no receiver (no window listening) is fine
                        let _ = c.freed.send(slot);
                    }
                }
                Ok(None) | Err(_) => {
                    let Some(c) = caches.upgrade() else { return };
                    c.listener_state.store(RECONNECTING, Ordering::Release);
                    c.clear_all();
                    c.reconnects.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!("cache listener lost its connection; reconnecting");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_the_table_and_doctor() {
        assert_eq!(
            Change::from_payload("appointments:7"),
            Change::Appointment(Some(7))
        );
        assert_eq!(
            Change::from_payload("doctor_availability_exceptions:"),
            Change::Availability(None)
        );
        assert_eq!(Change::from_payload("departments:"), Change::Departments);
        assert_eq!(Change::from_payload("settings:"), Change::All);
        assert_eq!(Change::from_payload("garbage"), Change::All);
        assert_eq!(
            Change::from_payload("slot_freed:4:1796112000:1796113800"),
            Change::Appointment(Some(4))
        );
    }
}

//! The cache and session store: one interface, two implementations (Redis for several instances,
//! in-process for one), and [`SharedStore`], which prefers Redis and falls back to the in-process
//! store whenever Redis fails, so a Redis outage degrades the service instead of failing requests.
//!
//! While Redis is down, values written on this instance live only in its own memory: a session
//! begun during an outage is not seen by other instances, and Redis values are not copied locally,
//! so a revocation made elsewhere can never be shadowed by a stale local copy.
//!
//! Leases never fall back. On PostgreSQL (several instances may share it) the database, the
//! durable store, grants them, so jobs keep running once per period across instances whether or
//! not Redis answers; while the database cannot be reached nobody leads. On SQLite (one instance
//! by design) Redis grants them when configured, and while it cannot be reached nobody leads
//! (instances that each led from their own memory would all run the job); without Redis, the one
//! instance leads through its in-process leases.
//!
//! Counters of hits (for limits) do fall back: while Redis is down each instance counts on its
//! own, which lets a little more through rather than refusing everyone.

mod admitted;
mod counter;
mod durable;
mod fleet;
mod lease;
mod memory;
mod redis;

use std::{
    collections::HashMap,
    future::Future,
    path::Path,
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use sea_orm::DatabaseConnection;
use serde::{Serialize, de::DeserializeOwned};

pub use self::{
    admitted::{ADMITTED_FOR, Admitted, RecentlyAdmitted},
    fleet::{Fleet, HEARTBEAT_EVERY},
    memory::{CACHED_ANSWERS, MemoryStore},
    redis::{RedisStore, client as redis_client},
};
use self::{counter::LocalCounters, durable::DatabaseLeases, lease::LocalLeases};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid store URL: {0}")]
    BadUrl(String),
    #[error("the store did not answer: {0}")]
    Unreachable(String),
    /// Reachable, but slower than the response timeout (a busy machine, usually).
    #[error("the store answered too slowly")]
    Slow,
}

/// What both implementations offer: bytes under string keys, each with its own time to live.
pub trait KeyValueStore: Send + Sync {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
    fn set(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn delete(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Sets the key only if it is absent; `true` when this call set it (a lock was taken).
    fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Hits counted under a key in its open window, and how long until that window ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowCount {
    pub hits: u64,
    pub resets_in: Duration,
}

/// What the store that grants leases says of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseAnswer {
    /// The caller holds it.
    Held,
    HeldByAnother,
    /// The store cannot be reached: nobody knows who holds it.
    Unknown,
}

impl LeaseAnswer {
    fn of(held: bool) -> Self {
        if held {
            Self::Held
        } else {
            Self::HeldByAnother
        }
    }
}

/// How long Redis is left alone after a failure before the next request tries it again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct SharedStore {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Option<RedisStore>,
    local: MemoryStore,
    /// Leases, when no Redis is configured (never as a fallback for it).
    leases: LocalLeases,
    /// Leases in the shared database, which then grants them whatever Redis does.
    durable: OnceLock<DatabaseLeases>,
    /// The generation of each lease this instance held last, to tell a takeover from a renewal.
    generations: Mutex<HashMap<String, i64>>,
    /// Counters, when no Redis is configured or it is down.
    counters: LocalCounters,
    outage: Mutex<Option<Outage>>,
    /// Drivers let in a moment ago, so the next request need not check again.
    admitted: RecentlyAdmitted,
    /// Drivers' marks read a moment ago, so the next page need not read them again.
    marks: crate::marks::RecentMarks,
}

struct Outage {
    reason: String,
    retry_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StoreHealth {
    /// No Redis configured: the in-process store is the store.
    InProcess,
    Up,
    /// Redis is configured but failing; requests are served by the in-process fallback.
    Degraded {
        reason: String,
    },
}

/// Asks Redis, and asks once more when it was only slow. For idempotent calls only (not
/// `set_if_absent`, whose first try may have landed): the in-process fallback does not hold what
/// Redis holds, sessions above all, so one busy moment must not switch every read to it.
async fn patiently<T, Fut>(call: impl Fn() -> Fut) -> Result<T, StoreError>
where
    Fut: Future<Output = Result<T, StoreError>>,
{
    match call().await {
        Err(StoreError::Slow) => call().await,
        answer => answer,
    }
}

impl SharedStore {
    pub fn in_process() -> Self {
        Self::build(None)
    }

    /// Connects lazily: a Redis that is down at start-up leaves the store degraded, not broken.
    /// Every key is kept under `prefix`, so several deployments can share one Redis.
    pub fn with_redis(url: &str, prefix: &str) -> Result<Self, StoreError> {
        Self::with_redis_trusting(url, None, prefix)
    }

    /// As [`Self::with_redis`]; a `rediss://` server's certificate is checked against `ca_file`
    /// when one is given, else against the system's authorities.
    pub fn with_redis_trusting(
        url: &str,
        ca_file: Option<&Path>,
        prefix: &str,
    ) -> Result<Self, StoreError> {
        Ok(Self::build(Some(RedisStore::connect_lazily(
            url, ca_file, prefix,
        )?)))
    }

    fn build(redis: Option<RedisStore>) -> Self {
        Self {
            inner: Arc::new(Inner {
                redis,
                local: MemoryStore::new(),
                leases: LocalLeases::default(),
                durable: OnceLock::new(),
                generations: Mutex::new(HashMap::new()),
                counters: LocalCounters::default(),
                outage: Mutex::new(None),
                admitted: RecentlyAdmitted::default(),
                marks: Default::default(),
            }),
        }
    }

    /// Leases are kept in this database from now on, when it is one several instances share
    /// (PostgreSQL): the durable store decides who leads, whether Redis answers or not.
    pub fn lead_through(&self, db: &DatabaseConnection) {
        if let Some(leases) = DatabaseLeases::on(db) {
            let _ = self.inner.durable.set(leases);
        }
    }

    /// Where leases are granted, for the start-up line and the tests' reports.
    pub fn leases_backend(&self) -> &'static str {
        match (self.inner.durable.get(), &self.inner.redis) {
            (Some(_), _) => "database",
            (None, Some(_)) => "Redis",
            (None, None) => "in-process",
        }
    }

    /// Drivers this instance let in a moment ago (see [`RecentlyAdmitted`]).
    pub fn admitted(&self) -> &RecentlyAdmitted {
        &self.inner.admitted
    }

    /// Drivers' marks this instance read a moment ago (see [`crate::marks::RecentMarks`]).
    pub fn recent_marks(&self) -> &crate::marks::RecentMarks {
        &self.inner.marks
    }

    /// The Redis connection, when the store is shared through Redis.
    pub fn redis_connection(&self) -> Option<::redis::aio::ConnectionManager> {
        self.inner.redis.as_ref().map(RedisStore::connection)
    }

    pub fn backend(&self) -> &'static str {
        if self.inner.redis.is_some() {
            "Redis"
        } else {
            "in-process"
        }
    }

    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        if let Some(redis) = self.redis_if_trying() {
            match patiently(|| redis.get(key)).await {
                Ok(Some(value)) => return self.recovered(Some(value)),
                Ok(None) => self.recovered(()),
                Err(error) => self.failed(error),
            }
        }
        self.inner.local.get(key).await.unwrap_or(None)
    }

    pub async fn set(&self, key: &str, value: &[u8], ttl: Duration) {
        if let Some(redis) = self.redis_if_trying() {
            match patiently(|| redis.set(key, value, ttl)).await {
                Ok(()) => {
                    // Redis holds it now; a local copy from an outage must not outlive it.
                    let _ = self.inner.local.delete(key).await;
                    return self.recovered(());
                }
                Err(error) => self.failed(error),
            }
        }
        let _ = self.inner.local.set(key, value, ttl).await;
    }

    /// Writes to Redis and keeps a copy in this process too, for values that must survive a Redis
    /// outage on this instance (sessions: a Redis blip must not sign every driver out). Reads
    /// prefer Redis while it answers.
    pub async fn set_mirrored(&self, key: &str, value: &[u8], ttl: Duration) {
        if let Some(redis) = self.redis_if_trying() {
            match patiently(|| redis.set(key, value, ttl)).await {
                Ok(()) => self.recovered(()),
                Err(error) => self.failed(error),
            }
        }
        let _ = self.inner.local.set(key, value, ttl).await;
    }

    pub async fn delete(&self, key: &str) {
        if let Some(redis) = self.redis_if_trying() {
            match patiently(|| redis.delete(key)).await {
                Ok(()) => self.recovered(()),
                Err(error) => self.failed(error),
            }
        }
        let _ = self.inner.local.delete(key).await;
    }

    /// Holds (or takes, if free) a lease that one instance at a time may hold, e.g. for a job
    /// that must run once across instances. `true` while `holder` has it; it lapses after `ttl`
    /// unless renewed by calling again. With the store that grants leases (the database, else
    /// Redis) unreachable: `false`, for every holder.
    pub async fn hold_lease(&self, key: &str, holder: &str, ttl: Duration) -> bool {
        self.ask_lease(key, holder, ttl).await == LeaseAnswer::Held
    }

    /// As [`SharedStore::hold_lease`], telling a lease another holds from a store that cannot
    /// say, for work that may go ahead alone when nobody can be asked (a login the drivers wait
    /// on) but must wait for another holder.
    pub async fn ask_lease(&self, key: &str, holder: &str, ttl: Duration) -> LeaseAnswer {
        if let Some(durable) = self.inner.durable.get() {
            return match durable.hold(key, holder, ttl).await {
                Ok(Some(generation)) => {
                    self.note_generation(key, generation);
                    LeaseAnswer::Held
                }
                Ok(None) => LeaseAnswer::HeldByAnother,
                Err(error) => {
                    tracing::warn!(%error, key, "the database grants no lease now; nobody leads");
                    LeaseAnswer::Unknown
                }
            };
        }
        if self.inner.redis.is_none() {
            return LeaseAnswer::of(self.inner.leases.hold(key, holder, ttl, Instant::now()));
        }
        let Some(redis) = self.redis_if_trying() else {
            return LeaseAnswer::Unknown;
        };
        // Asking twice is safe: a first try that landed makes the second a renewal.
        match patiently(|| redis.hold_lease(key, holder, ttl)).await {
            Ok(held) => self.recovered(LeaseAnswer::of(held)),
            Err(error) => {
                self.failed(error);
                LeaseAnswer::Unknown
            }
        }
    }

    /// Lets a lease go at once (the holder is stopping), so another instance takes it over
    /// without waiting for it to lapse; only its holder can. A Redis that cannot be reached
    /// leaves it to lapse.
    pub async fn release_lease(&self, key: &str, holder: &str) {
        if let Some(durable) = self.inner.durable.get() {
            if let Err(error) = durable.release(key, holder).await {
                tracing::warn!(%error, key, "a lease could not be released; it lapses by itself");
            }
            return;
        }
        let Some(redis) = &self.inner.redis else {
            return self.inner.leases.release(key, holder);
        };
        if let Err(error) = patiently(|| redis.release_lease(key, holder)).await {
            tracing::warn!(%error, key, "a lease could not be released; it lapses by itself");
        }
    }

    /// An expiring lock shared by every instance (with Redis), or by this process alone.
    pub async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> bool {
        if let Some(redis) = self.redis_if_trying() {
            match redis.set_if_absent(key, value, ttl).await {
                Ok(set) => return self.recovered(set),
                Err(error) => self.failed(error),
            }
        }
        self.inner
            .local
            .set_if_absent(key, value, ttl)
            .await
            .unwrap_or(false)
    }

    /// Counts one hit under `key` and says how many there were in its window, which the first
    /// hit opens and which lasts `window`: the same count on every instance with Redis.
    pub async fn hit(&self, key: &str, window: Duration) -> WindowCount {
        if let Some(redis) = self.redis_if_trying() {
            // Never asked twice: a first try that landed would count the hit twice.
            match redis.hit(key, window).await {
                Ok(count) => return self.recovered(count),
                Err(error) => self.failed(error),
            }
        }
        self.inner.counters.hit(key, window, Instant::now())
    }

    /// The hits under `key` in its open window, counting none.
    pub async fn hits(&self, key: &str) -> WindowCount {
        if let Some(redis) = self.redis_if_trying() {
            match patiently(|| redis.peek(key)).await {
                Ok(count) => return self.recovered(count),
                Err(error) => self.failed(error),
            }
        }
        self.inner.counters.peek(key, Instant::now())
    }

    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        serde_json::from_slice(&self.get(key).await?).ok()
    }

    pub async fn set_json<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        if let Ok(bytes) = serde_json::to_vec(value) {
            self.set(key, &bytes, ttl).await;
        }
    }

    pub async fn set_json_mirrored<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        if let Ok(bytes) = serde_json::to_vec(value) {
            self.set_mirrored(key, &bytes, ttl).await;
        }
    }

    /// Health as last observed by traffic, without touching Redis.
    pub fn health(&self) -> StoreHealth {
        match (&self.inner.redis, &*self.outage()) {
            (None, _) => StoreHealth::InProcess,
            (Some(_), None) => StoreHealth::Up,
            (Some(_), Some(outage)) => StoreHealth::Degraded {
                reason: outage.reason.clone(),
            },
        }
    }

    /// Pings Redis now (for readiness checks) and reports the resulting health.
    pub async fn check(&self) -> StoreHealth {
        if let Some(redis) = &self.inner.redis {
            match redis.ping().await {
                Ok(()) => self.recovered(()),
                Err(error) => self.failed(error),
            }
        }
        self.health()
    }

    /// A lease that changed hands (a new generation) is logged: which instance leads a job.
    fn note_generation(&self, key: &str, generation: i64) {
        let mut generations = self
            .inner
            .generations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if generations.insert(key.to_owned(), generation) != Some(generation) {
            tracing::info!(key, generation, "this instance leads");
        }
    }

    fn outage(&self) -> std::sync::MutexGuard<'_, Option<Outage>> {
        self.inner
            .outage
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn redis_if_trying(&self) -> Option<&RedisStore> {
        let redis = self.inner.redis.as_ref()?;
        match &*self.outage() {
            Some(outage) if Instant::now() < outage.retry_at => None,
            _ => Some(redis),
        }
    }

    fn failed(&self, error: StoreError) {
        let mut outage = self.outage();
        if outage.is_none() {
            tracing::warn!(%error, "Redis unavailable; serving from the in-process store");
        }
        *outage = Some(Outage {
            reason: error.to_string(),
            retry_at: Instant::now() + RETRY_AFTER_FAILURE,
        });
    }

    fn recovered<T>(&self, value: T) -> T {
        let mut outage = self.outage();
        if outage.take().is_some() {
            tracing::info!("Redis is back; the shared store is in use again");
        }
        value
    }
}

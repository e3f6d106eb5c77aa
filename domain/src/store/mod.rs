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
//!
//! The exchange's cached answers (keys under [`CACHED_ANSWERS`]) may live in a Redis of their own,
//! so that a cache filling its memory never refuses or evicts a session, a revocation or a
//! counter: that Redis can run `allkeys-lru` while the other keeps `noeviction`. A Redis that is
//! full and refuses a write is not down: the write is kept in this instance's memory, as during an
//! outage, and reads keep going to Redis.

mod admitted;
mod counter;
mod durable;
mod fleet;
mod lease;
mod link;
mod memory;
mod redis;
mod resting;

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
use self::{
    counter::LocalCounters,
    durable::DatabaseLeases,
    lease::LocalLeases,
    link::{Link, Role},
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid store URL: {0}")]
    BadUrl(String),
    #[error("the store did not answer: {0}")]
    Unreachable(String),
    /// Reachable, but slower than the response timeout (a busy machine, usually).
    #[error("the store answered too slowly")]
    Slow,
    /// Reachable, but refusing writes: Redis reached `maxmemory` under the `noeviction` policy.
    #[error("the store is full and refuses writes")]
    Full,
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

#[derive(Clone)]
pub struct SharedStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// Redis, for everything it holds: sessions, revocations, counters, leases, locks, and the
    /// cached answers unless `cache` is set.
    redis: Option<Link>,
    /// A Redis of their own for the exchange's cached answers.
    cache: Option<Link>,
    local: MemoryStore,
    /// Leases, when no Redis is configured (never as a fallback for it).
    leases: LocalLeases,
    /// Leases in the shared database, which then grants them whatever Redis does.
    durable: OnceLock<DatabaseLeases>,
    /// The generation of each lease this instance held last, to tell a takeover from a renewal.
    generations: Mutex<HashMap<String, i64>>,
    /// Counters, when no Redis is configured or it is down.
    counters: LocalCounters,
    /// Drivers let in a moment ago, so the next request need not check again.
    admitted: RecentlyAdmitted,
    /// Drivers' marks read a moment ago, so the next page need not read them again.
    marks: crate::marks::RecentMarks,
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
        Self::build(None, None)
    }

    /// Connects lazily: a Redis that is down at start-up leaves the store degraded, not broken.
    /// Every key is kept under `prefix`, so several deployments can share one Redis.
    pub fn with_redis(url: &str, prefix: &str) -> Result<Self, StoreError> {
        Self::with_redis_trusting(url, None, None, prefix)
    }

    /// As [`Self::with_redis`], with the exchange's cached answers in the Redis at `cache_url`
    /// when one is given; a `rediss://` server's certificate is checked against `ca_file` when
    /// one is given, else against the system's authorities.
    pub fn with_redis_trusting(
        url: &str,
        cache_url: Option<&str>,
        ca_file: Option<&Path>,
        prefix: &str,
    ) -> Result<Self, StoreError> {
        let redis = Link::new(
            RedisStore::connect_lazily(url, ca_file, prefix, Role::Shared.name())?,
            Role::Shared,
        );
        let cache = match cache_url {
            Some(url) => Some(Link::new(
                RedisStore::connect_lazily(url, ca_file, prefix, Role::Cache.name())?,
                Role::Cache,
            )),
            None => None,
        };
        Ok(Self::build(Some(redis), cache))
    }

    fn build(redis: Option<Link>, cache: Option<Link>) -> Self {
        Self {
            inner: Arc::new(Inner {
                redis,
                cache,
                local: MemoryStore::new(),
                leases: LocalLeases::default(),
                durable: OnceLock::new(),
                generations: Mutex::new(HashMap::new()),
                counters: LocalCounters::default(),
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

    /// The Redis everything is shared through, if any, for other shared structures (the
    /// exchange's budget, the fair share): they leave it alone when the store does, and it them.
    pub fn redis(&self) -> Option<RedisStore> {
        self.inner.redis.as_ref().map(|link| link.redis().clone())
    }

    pub fn backend(&self) -> &'static str {
        if self.inner.redis.is_some() {
            "Redis"
        } else {
            "in-process"
        }
    }

    /// Where the exchange's cached answers are kept, for the start-up line.
    pub fn cache_backend(&self) -> &'static str {
        if self.inner.cache.is_some() {
            "a Redis of their own"
        } else {
            self.backend()
        }
    }

    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        if let Some((link, redis)) = self.trying(key) {
            match patiently(|| redis.get(key)).await {
                Ok(Some(value)) => return link.recovered(Some(value)),
                Ok(None) => link.recovered(()),
                Err(error) => link.failed(error),
            }
        }
        self.inner.local.get(key).await.unwrap_or(None)
    }

    pub async fn set(&self, key: &str, value: &[u8], ttl: Duration) {
        if let Some((link, redis)) = self.trying(key) {
            match patiently(|| redis.set(key, value, ttl)).await {
                Ok(()) => {
                    // Redis holds it now; a local copy from an outage must not outlive it.
                    let _ = self.inner.local.delete(key).await;
                    return link.recovered(());
                }
                Err(StoreError::Full) if memory::is_cached_answer(key) => {
                    // A full Redis still answers reads: the answer it holds, older than this
                    // one, must not be served over it (a delete needs no memory). A session or a
                    // revocation it holds stays: the other instances read nothing newer.
                    let _ = redis.delete(key).await;
                    link.failed(StoreError::Full);
                }
                Err(error) => link.failed(error),
            }
        }
        let _ = self.inner.local.set(key, value, ttl).await;
    }

    /// Writes to Redis and keeps a copy in this process too, for values that must survive a Redis
    /// outage on this instance (sessions: a Redis blip must not sign every driver out). Reads
    /// prefer Redis while it answers.
    pub async fn set_mirrored(&self, key: &str, value: &[u8], ttl: Duration) {
        if let Some((link, redis)) = self.trying(key) {
            match patiently(|| redis.set(key, value, ttl)).await {
                Ok(()) => link.recovered(()),
                Err(error) => link.failed(error),
            }
        }
        let _ = self.inner.local.set(key, value, ttl).await;
    }

    pub async fn delete(&self, key: &str) {
        if let Some((link, redis)) = self.trying(key) {
            match patiently(|| redis.delete(key)).await {
                Ok(()) => link.recovered(()),
                Err(error) => link.failed(error),
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
        let Some(link) = &self.inner.redis else {
            return LeaseAnswer::of(self.inner.leases.hold(key, holder, ttl, Instant::now()));
        };
        let Some(redis) = link.trying() else {
            return LeaseAnswer::Unknown;
        };
        // Asking twice is safe: a first try that landed makes the second a renewal.
        match patiently(|| redis.hold_lease(key, holder, ttl)).await {
            Ok(held) => link.recovered(LeaseAnswer::of(held)),
            Err(error) => {
                link.failed(error);
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
        let Some(link) = &self.inner.redis else {
            return self.inner.leases.release(key, holder);
        };
        if let Err(error) = patiently(|| link.redis().release_lease(key, holder)).await {
            tracing::warn!(%error, key, "a lease could not be released; it lapses by itself");
        }
    }

    /// An expiring lock shared by every instance (with Redis), or by this process alone.
    pub async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> bool {
        if let Some((link, redis)) = self.trying(key) {
            match redis.set_if_absent(key, value, ttl).await {
                Ok(set) => return link.recovered(set),
                Err(error) => link.failed(error),
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
        if let Some((link, redis)) = self.trying(key) {
            // Never asked twice: a first try that landed would count the hit twice.
            match redis.hit(key, window).await {
                Ok(count) => return link.recovered(count),
                Err(error) => link.failed(error),
            }
        }
        self.inner.counters.hit(key, window, Instant::now())
    }

    /// The hits under `key` in its open window, counting none.
    pub async fn hits(&self, key: &str) -> WindowCount {
        if let Some((link, redis)) = self.trying(key) {
            match patiently(|| redis.peek(key)).await {
                Ok(count) => return link.recovered(count),
                Err(error) => link.failed(error),
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

    /// Health as last observed by traffic, without touching Redis: degraded while either Redis
    /// (the one for everything, or the cache's own) is down.
    pub fn health(&self) -> StoreHealth {
        if self.inner.redis.is_none() {
            return StoreHealth::InProcess;
        }
        let reasons: Vec<String> = self.links().filter_map(Link::outage_reason).collect();
        if reasons.is_empty() {
            StoreHealth::Up
        } else {
            StoreHealth::Degraded {
                reason: reasons.join("; "),
            }
        }
    }

    /// Pings Redis now (each of them, when the cache has its own) for readiness checks, and
    /// reports the resulting health; one left alone is not pinged here (a ping in the background
    /// finds when it answers again).
    pub async fn check(&self) -> StoreHealth {
        for link in self.links() {
            let Some(redis) = link.trying() else {
                continue;
            };
            match redis.ping().await {
                Ok(()) => link.recovered(()),
                Err(error) => link.failed(error),
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

    fn links(&self) -> impl Iterator<Item = &Link> {
        self.inner.redis.iter().chain(&self.inner.cache)
    }

    /// The Redis that keeps `key` (a cached answer's own, if it has one), unless it failed a
    /// moment ago and is being left alone.
    fn trying(&self, key: &str) -> Option<(&Link, &RedisStore)> {
        let link = match &self.inner.cache {
            Some(cache) if memory::is_cached_answer(key) => cache,
            _ => self.inner.redis.as_ref()?,
        };
        link.trying().map(|redis| (link, redis))
    }
}

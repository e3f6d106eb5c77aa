//! The shared cache in front of the exchange, keyed by the normalized upstream question so that
//! one answer serves every driver who asks it.
//!
//! Within its time to live an entry is served as it is. Up to twice that, it is served at once
//! while one background call refreshes it (stale-while-revalidate). Older than that, the exchange
//! is asked; if it fails, entries up to an hour old are still served, marked stale with their age.
//! Identical questions in flight at the same moment make one upstream call (single flight); its
//! failure is everyone's, but a refusal before the call (the fetching driver's share is spent) is
//! that driver's alone: another driver waiting on the same question then fetches it themselves.
//! Answers are shared, never copied: every driver reading a window reads the same `Arc`.

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use chrono::Utc;
use domain::store::{CACHED_ANSWERS, SharedStore};
use serde::{Serialize, de::DeserializeOwned};
use tokio::sync::OnceCell;

use super::{client::UpstreamError, fair_share::OverShare};

/// The oldest data ever served, and so how long entries are kept.
pub const MAX_STALE: Duration = Duration::from_secs(3600);

/// How long this instance reuses an entry it has just decoded: a window asked by many drivers
/// in the same moment is read from the store and decoded once, not once per driver.
const DECODED_FOR: Duration = Duration::from_secs(2);

/// What the decoded entries of one cache may weigh, counted as their stored JSON (decoded, a
/// window takes a few times that). Bounded by count alone, the long tail of questions 20,000
/// drivers ask within two seconds could hold thousands of windows of a hundred loads each.
const DECODED_JSON_BYTES: u64 = 24 * 1024 * 1024;

tokio::task_local! {
    /// Whether the request this task serves has waited on the exchange.
    static WAITED: std::cell::Cell<bool>;
}

/// Runs `work`, noting whether any of it waited on the exchange (a miss, alone or joining a call
/// in flight); work done in other tasks (background refreshes) does not count.
pub async fn noting_waits<F: Future>(work: F) -> (F::Output, bool) {
    WAITED
        .scope(std::cell::Cell::new(false), async move {
            let output = work.await;
            (output, WAITED.with(std::cell::Cell::get))
        })
        .await
}

/// Notes that the request this task serves waited on the exchange (work it handed to another
/// task, or that waited and was let go).
pub fn note_waited() {
    let _ = WAITED.try_with(|waited| waited.set(true));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Served from cache while a refresh runs in the background.
    Revalidating,
    /// The exchange failed; this is cached data of that age.
    Stale {
        age: Duration,
    },
}

/// Whether someone waits for a fetch: a driver on a miss, or nobody on a background refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Waiting,
    Refresh,
}

/// Why a fetch brought nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// The exchange failed (or was never reached): the answer of everyone on the same flight.
    Upstream(UpstreamError),
    /// The driver whose request would have made the call has spent their share.
    OverShare(OverShare),
}

impl From<UpstreamError> for FetchError {
    fn from(error: UpstreamError) -> Self {
        Self::Upstream(error)
    }
}

#[derive(Debug, Default, Serialize)]
pub struct CacheStats {
    pub hits: AtomicU64,
    pub revalidations: AtomicU64,
    pub misses: AtomicU64,
    pub coalesced: AtomicU64,
    pub stale_served: AtomicU64,
    /// Narrow lists answered from a broader one held in full, without a call of their own.
    pub narrowed: AtomicU64,
}

/// An entry as the store holds it: written from a borrowed value, read into an owned one.
#[derive(Serialize, serde::Deserialize)]
struct Entry<T> {
    fetched_at_ms: i64,
    value: T,
}

/// An entry as this instance holds it, decoded.
struct Held<T> {
    fetched_at_ms: i64,
    value: Arc<T>,
    /// The length of its JSON, what it weighs against [`DECODED_JSON_BYTES`].
    json_bytes: u32,
}

type Flight<T> = Arc<OnceCell<Result<Arc<T>, UpstreamError>>>;

pub struct SharedCache<T> {
    store: SharedStore,
    namespace: &'static str,
    ttl: Duration,
    /// How long the store keeps an entry: an hour, or twice its time to live when longer.
    keep: Duration,
    flights: Mutex<HashMap<String, Flight<T>>>,
    decoded: moka::future::Cache<String, Arc<Held<T>>>,
    pub stats: Arc<CacheStats>,
}

impl<T> SharedCache<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    pub fn new(
        store: SharedStore,
        namespace: &'static str,
        ttl: Duration,
        stats: Arc<CacheStats>,
    ) -> Self {
        Self {
            store,
            namespace,
            ttl,
            keep: MAX_STALE.max(ttl * 2),
            flights: Mutex::new(HashMap::new()),
            decoded: moka::future::Cache::builder()
                .time_to_live(DECODED_FOR)
                .max_capacity(DECODED_JSON_BYTES)
                .weigher(|key: &String, held: &Arc<Held<T>>| {
                    held.json_bytes
                        .saturating_add(u32::try_from(key.len()).unwrap_or(u32::MAX))
                })
                .build(),
            stats,
        }
    }

    /// The cached answer to `question`, or `fetch`'s. `fetch` must be cheap to clone: it may
    /// also run in the background to refresh an entry, and is told which it is.
    pub async fn get<F, Fut>(
        self: &Arc<Self>,
        question: &str,
        fetch: F,
    ) -> Result<(Arc<T>, Freshness), FetchError>
    where
        F: FnOnce(Urgency) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Result<T, FetchError>> + Send + 'static,
    {
        let key = self.key(question);
        let cached = self.read(&key).await;
        let age = cached.as_ref().map(|entry| age_of(entry.fetched_at_ms));
        match (cached, age) {
            (Some(entry), Some(age)) if age < self.ttl => {
                self.stats.hits.fetch_add(1, Ordering::Relaxed);
                Ok((Arc::clone(&entry.value), Freshness::Fresh))
            }
            (Some(entry), Some(age)) if age < self.ttl * 2 => {
                self.stats.revalidations.fetch_add(1, Ordering::Relaxed);
                let cache = Arc::clone(self);
                tokio::spawn(async move {
                    let _ = cache.fetch_once(&key, || fetch(Urgency::Refresh)).await;
                });
                Ok((Arc::clone(&entry.value), Freshness::Revalidating))
            }
            (stale, age) => {
                self.stats.misses.fetch_add(1, Ordering::Relaxed);
                note_waited();
                match self.fetch_once(&key, || fetch(Urgency::Waiting)).await {
                    Ok(value) => Ok((value, Freshness::Fresh)),
                    Err(error) => match (stale, age) {
                        (Some(entry), Some(age))
                            if age < MAX_STALE
                                && error != FetchError::Upstream(UpstreamError::NotFound) =>
                        {
                            self.stats.stale_served.fetch_add(1, Ordering::Relaxed);
                            Ok((Arc::clone(&entry.value), Freshness::Stale { age }))
                        }
                        _ => Err(error),
                    },
                }
            }
        }
    }

    /// Whether an answer to `question` is held, of any age up to [`MAX_STALE`].
    pub async fn holds(&self, question: &str) -> bool {
        self.read(&self.key(question)).await.is_some()
    }

    /// The answer held for `question`, of any age the store still keeps, with its age: for a
    /// caller that judges freshness by more than age (a card's detail), and fetches through
    /// [`SharedCache::fill`].
    pub async fn peek(&self, question: &str) -> Option<(Arc<T>, Duration)> {
        let entry = self.read(&self.key(question)).await?;
        Some((Arc::clone(&entry.value), age_of(entry.fetched_at_ms)))
    }

    /// Fetches the answer to `question` and keeps it (joining a fetch in flight for it), for a
    /// caller that looked with [`SharedCache::peek`] first.
    pub async fn fill<F, Fut>(&self, question: &str, fetch: F) -> Result<Arc<T>, FetchError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, FetchError>>,
    {
        self.fetch_once(&self.key(question), fetch).await
    }

    /// Counts an answer served from the cache, or one that had to wait on the exchange (noted
    /// for the request's timing too), for a caller that looks with [`SharedCache::peek`].
    pub fn count(&self, hit: bool) {
        if hit {
            self.stats.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.stats.misses.fetch_add(1, Ordering::Relaxed);
            note_waited();
        }
    }

    /// Asks again now, whatever the cache holds (nobody waits: the answer refreshes the entry
    /// for everyone). Joins a fetch already in flight for the same question.
    pub async fn refresh<F, Fut>(
        self: &Arc<Self>,
        question: &str,
        fetch: F,
    ) -> Result<Arc<T>, FetchError>
    where
        F: FnOnce(Urgency) -> Fut,
        Fut: Future<Output = Result<T, FetchError>>,
    {
        self.stats.revalidations.fetch_add(1, Ordering::Relaxed);
        self.fetch_once(&self.key(question), || fetch(Urgency::Refresh))
            .await
    }

    /// Where the answer to `question` is kept in the store.
    fn key(&self, question: &str) -> String {
        format!("{CACHED_ANSWERS}{}:{question}", self.namespace)
    }

    /// The entry for `key`: decoded a moment ago on this instance, else from the store.
    async fn read(&self, key: &str) -> Option<Arc<Held<T>>> {
        if let Some(entry) = self.decoded.get(key).await {
            return Some(entry);
        }
        let json = self.store.get(key).await?;
        let Entry {
            fetched_at_ms,
            value,
        } = serde_json::from_slice::<Entry<T>>(&json).ok()?;
        let entry = Arc::new(Held {
            fetched_at_ms,
            value: Arc::new(value),
            json_bytes: weight(&json),
        });
        self.decoded
            .insert(key.to_owned(), Arc::clone(&entry))
            .await;
        Some(entry)
    }

    async fn fetch_once<F, Fut>(&self, key: &str, fetch: F) -> Result<Arc<T>, FetchError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, FetchError>>,
    {
        let (flight, leader) = {
            let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
            match flights.get(key) {
                Some(flight) => (Arc::clone(flight), false),
                None => {
                    let flight = Flight::<T>::default();
                    flights.insert(key.to_owned(), Arc::clone(&flight));
                    (flight, true)
                }
            }
        };
        if !leader {
            self.stats.coalesced.fetch_add(1, Ordering::Relaxed);
        }
        // Whoever started the flight ends it, even if its caller goes away mid-way.
        let _landing = Landing {
            flights: &self.flights,
            key,
            flight: Arc::clone(&flight),
            leader,
        };
        // A refusal leaves the flight unsettled: whoever else waits on it runs their own fetch.
        let settled = flight
            .get_or_try_init(|| async {
                let outcome = match fetch().await {
                    Ok(value) => Ok(Arc::new(value)),
                    Err(FetchError::Upstream(error)) => Err(error),
                    Err(FetchError::OverShare(refusal)) => return Err(refusal),
                };
                if let Ok(value) = &outcome {
                    let fetched_at_ms = Utc::now().timestamp_millis();
                    let entry = Entry {
                        fetched_at_ms,
                        value: value.as_ref(),
                    };
                    let Ok(json) = serde_json::to_vec(&entry) else {
                        return Ok(outcome);
                    };
                    self.store.set(key, &json, self.keep).await;
                    let held = Held {
                        fetched_at_ms,
                        value: Arc::clone(value),
                        json_bytes: weight(&json),
                    };
                    self.decoded.insert(key.to_owned(), Arc::new(held)).await;
                }
                Ok(outcome)
            })
            .await;
        match settled {
            Ok(outcome) => outcome.clone().map_err(FetchError::Upstream),
            Err(refusal) => Err(FetchError::OverShare(refusal)),
        }
    }
}

struct Landing<'a, T> {
    flights: &'a Mutex<HashMap<String, Flight<T>>>,
    key: &'a str,
    flight: Flight<T>,
    leader: bool,
}

impl<T> Drop for Landing<'_, T> {
    fn drop(&mut self) {
        if !self.leader {
            return;
        }
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        if flights
            .get(self.key)
            .is_some_and(|current| Arc::ptr_eq(current, &self.flight))
        {
            flights.remove(self.key);
        }
    }
}

fn age_of(fetched_at_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(Utc::now().timestamp_millis() - fetched_at_ms).unwrap_or(0))
}

fn weight(json: &[u8]) -> u32 {
    u32::try_from(json.len()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;

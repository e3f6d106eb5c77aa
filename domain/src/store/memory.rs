//! The in-process store: the whole store of an instance without Redis, and the fallback that keeps
//! cached answers and sessions flowing on an instance whose Redis is down. Large values (the
//! exchange's windows of loads, as JSON) are held deflated: repetitive JSON shrinks several times
//! over, so the same memory holds many more of them.

use std::{
    io::{Read, Write},
    sync::Arc,
    time::{Duration, Instant},
};

use flate2::{Compression, read::DeflateDecoder, write::DeflateEncoder};

use moka::{Expiry, future::Cache};

use super::{KeyValueStore, StoreError};

/// The in-process store: bounded by bytes as held, every entry expiring after its own time to
/// live. Answers cached from the exchange (`cache:` keys) and everything else (sessions,
/// revocations, counters, the exchange's token, locks) are held apart, each within its own
/// weight: a cache full of the exchange's windows evicts only windows, and never turns away a
/// driver's new session or a limit's counter.
#[derive(Clone)]
pub struct MemoryStore {
    cached: Cache<String, Entry>,
    state: Cache<String, Entry>,
}

/// What the keys of answers cached from the exchange begin with: the in-process store may evict
/// them to make room for others of their kind.
pub const CACHED_ANSWERS: &str = "cache:";

/// Whether `key` holds an answer cached from the exchange (which every store keeps apart).
pub(super) fn is_cached_answer(key: &str) -> bool {
    key.starts_with(CACHED_ANSWERS)
}

#[derive(Clone)]
struct Entry {
    value: Held,
    ttl: Duration,
}

/// A value as held: deflated past [`DEFLATE_ABOVE`] bytes, as it came below (sessions, counters).
#[derive(Clone)]
enum Held {
    Plain(Arc<[u8]>),
    Deflated(Arc<[u8]>),
}

/// Values longer than this are held deflated.
const DEFLATE_ABOVE: usize = 2048;

impl Held {
    fn of(value: &[u8]) -> Self {
        if value.len() <= DEFLATE_ABOVE {
            return Self::Plain(value.into());
        }
        let mut deflated = DeflateEncoder::new(Vec::new(), Compression::fast());
        match deflated.write_all(value).and_then(|()| deflated.finish()) {
            Ok(bytes) => Self::Deflated(bytes.into()),
            Err(_) => Self::Plain(value.into()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Plain(bytes) | Self::Deflated(bytes) => bytes.len(),
        }
    }

    fn value(&self) -> Option<Vec<u8>> {
        match self {
            Self::Plain(bytes) => Some(bytes.to_vec()),
            Self::Deflated(bytes) => {
                let mut value = Vec::with_capacity(bytes.len() * 8);
                DeflateDecoder::new(&bytes[..])
                    .read_to_end(&mut value)
                    .ok()
                    .map(|_| value)
            }
        }
    }
}

struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _: &String, entry: &Entry, _: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _: &String,
        entry: &Entry,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// What the cached answers may weigh as held (deflated, so several times as much JSON).
const CACHED_BYTES: u64 = 64 * 1024 * 1024;
/// What the rest may weigh: about 200,000 sessions with their counters.
const STATE_BYTES: u64 = 64 * 1024 * 1024;

impl MemoryStore {
    pub fn new() -> Self {
        Self::within(CACHED_BYTES, STATE_BYTES)
    }

    fn within(cached: u64, state: u64) -> Self {
        let bounded = |bytes: u64| {
            Cache::builder()
                .max_capacity(bytes)
                .weigher(|key: &String, entry: &Entry| {
                    u32::try_from(key.len() + entry.value.len()).unwrap_or(u32::MAX)
                })
                .expire_after(PerEntryTtl)
                .build()
        };
        Self {
            cached: bounded(cached),
            state: bounded(state),
        }
    }

    fn entries(&self, key: &str) -> &Cache<String, Entry> {
        if is_cached_answer(key) {
            &self.cached
        } else {
            &self.state
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyValueStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .entries(key)
            .get(key)
            .await
            .and_then(|entry| entry.value.value()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        self.entries(key)
            .insert(
                key.to_owned(),
                Entry {
                    value: Held::of(value),
                    ttl,
                },
            )
            .await;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.entries(key).invalidate(key).await;
        Ok(())
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let entry = self
            .entries(key)
            .entry(key.to_owned())
            .or_insert(Entry {
                value: Held::of(value),
                ttl,
            })
            .await;
        Ok(entry.is_fresh())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_window_of_loads_is_held_deflated_and_read_back_whole() {
        let store = MemoryStore::new();
        let window: Vec<u8> = (0..100)
            .map(|n| {
                format!(r#"{{"id":{n},"from":"Москва","to":"Тверь","weight_t":20,"body":"тент"}},"#)
            })
            .collect::<String>()
            .into_bytes();
        store
            .set("cache:list:window", &window, Duration::from_secs(60))
            .await
            .unwrap();
        store
            .set("session", b"driver 7", Duration::from_secs(60))
            .await
            .unwrap();

        assert_eq!(
            store.get("cache:list:window").await.unwrap(),
            Some(window.clone())
        );
        assert_eq!(
            store.get("session").await.unwrap(),
            Some(b"driver 7".to_vec())
        );
        let held = store
            .cached
            .get("cache:list:window")
            .await
            .unwrap()
            .value
            .len();
        assert!(
            held * 4 < window.len(),
            "{held} bytes held for {}",
            window.len()
        );
    }

    #[tokio::test]
    async fn windows_asked_again_and_again_never_push_out_a_drivers_session() {
        let store = MemoryStore::within(64 * 1024, 64 * 1024);
        let ttl = Duration::from_secs(600);
        store
            .set("session:driver-8", b"driver 8", ttl)
            .await
            .unwrap();
        store
            .set("sessions-revoked-before:9", b"2026-12-05T10:00:00Z", ttl)
            .await
            .unwrap();
        // Busy routes: each window is asked by many drivers while it is fetched, then held.
        for n in 0..200u32 {
            let key = format!("cache:list:{n}");
            for _ in 0..10 {
                store.get(&key).await.unwrap();
            }
            store.set(&key, &noise(n, 4096), ttl).await.unwrap();
            store.cached.run_pending_tasks().await;
            store.state.run_pending_tasks().await;
        }

        assert_eq!(
            store.get("session:driver-8").await.unwrap(),
            Some(b"driver 8".to_vec()),
            "the driver's session was pushed out by cached windows"
        );
        assert!(
            store
                .get("sessions-revoked-before:9")
                .await
                .unwrap()
                .is_some(),
            "a revocation was pushed out by cached windows"
        );
        assert!(
            store.cached.weighted_size() <= 64 * 1024,
            "the cached windows weigh {} bytes",
            store.cached.weighted_size()
        );
    }

    /// Bytes deflate cannot shrink, so that a window weighs what it says as held.
    fn noise(seed: u32, len: usize) -> Vec<u8> {
        let mut state = seed.wrapping_mul(2_654_435_761) | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect()
    }
}

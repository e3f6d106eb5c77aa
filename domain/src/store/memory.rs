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
/// live.
#[derive(Clone)]
pub struct MemoryStore {
    entries: Cache<String, Entry>,
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

/// What the entries may weigh as held (deflated, so several times as much JSON).
const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;

impl MemoryStore {
    pub fn new() -> Self {
        let entries = Cache::builder()
            .max_capacity(CAPACITY_BYTES)
            .weigher(|key: &String, entry: &Entry| {
                u32::try_from(key.len() + entry.value.len()).unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .build();
        Self { entries }
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
            .entries
            .get(key)
            .await
            .and_then(|entry| entry.value.value()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        self.entries
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
        self.entries.invalidate(key).await;
        Ok(())
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let entry = self
            .entries
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
            .set("window", &window, Duration::from_secs(60))
            .await
            .unwrap();
        store
            .set("session", b"driver 7", Duration::from_secs(60))
            .await
            .unwrap();

        assert_eq!(store.get("window").await.unwrap(), Some(window.clone()));
        assert_eq!(
            store.get("session").await.unwrap(),
            Some(b"driver 7".to_vec())
        );
        let held = store.entries.get("window").await.unwrap().value.len();
        assert!(
            held * 4 < window.len(),
            "{held} bytes held for {}",
            window.len()
        );
    }
}

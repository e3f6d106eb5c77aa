//! Loads the exchange listed lately, remembered in the shared store (Redis when configured, so
//! every instance knows what any of them listed): a card is asked of the exchange only for an id
//! some list showed, so ids tried at random cost the exchange nothing. Each load is kept with
//! its list row and when a list last showed it: the row is what a driver sees of a card while
//! its detail waits in line, and a list showing it again is the cheap sign that it has not been
//! taken, which keeps its detail good in the cache. Each instance keeps a copy of what it noted,
//! so that a Redis outage does not make the cards of lists it still serves unknown.

use std::time::Duration;

use app::cargo::card::CargoCard;
use chrono::Utc;
use domain::store::{SharedStore, StoreHealth};
use serde::{Deserialize, Serialize};

pub struct RecentlyListed {
    store: SharedStore,
    /// How long after the last list that showed it an id is still known.
    memory: Duration,
}

/// A load as the last list that showed it.
#[derive(Serialize, Deserialize)]
pub struct Listing {
    pub listed_at_ms: i64,
    pub card: CargoCard,
}

impl Listing {
    /// How long ago a list showed it.
    pub fn age(&self) -> Duration {
        let millis = Utc::now().timestamp_millis() - self.listed_at_ms;
        Duration::from_millis(u64::try_from(millis).unwrap_or(0))
    }
}

impl RecentlyListed {
    pub fn new(store: SharedStore, memory: Duration) -> Self {
        Self { store, memory }
    }

    /// Remembers every card of a list the exchange just answered (again: the memory restarts).
    pub async fn note(&self, cards: &[CargoCard]) {
        let listed_at_ms = Utc::now().timestamp_millis();
        futures_util::future::join_all(cards.iter().map(|card| async move {
            let listing = Listing {
                listed_at_ms,
                card: CargoCard {
                    responded: false,
                    shipper: None,
                    ..card.clone()
                },
            };
            let Ok(bytes) = serde_json::to_vec(&listing) else {
                return;
            };
            self.store
                .set_mirrored(&key(card.id), &bytes, self.memory)
                .await;
        }))
        .await;
    }

    /// The load as a list showed it lately, if one did.
    pub async fn listing(&self, id: u64) -> Option<Listing> {
        self.store.get_json(&key(id)).await
    }

    pub async fn contains(&self, id: u64) -> bool {
        self.store.get(&key(id)).await.is_some()
    }

    /// Whether an id it does not know was listed by no instance: not while the shared store is
    /// down, when only what this instance listed itself is in sight (a driver here may have been
    /// shown a list another instance fetched).
    pub fn sees_every_instance(&self) -> bool {
        !matches!(self.store.health(), StoreHealth::Degraded { .. })
    }
}

fn key(id: u64) -> String {
    format!("cargo-listed:{id}")
}

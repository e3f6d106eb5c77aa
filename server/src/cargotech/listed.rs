//! Loads the exchange listed lately, remembered in the shared store (Redis when configured, so
//! every instance knows what any of them listed): a card is asked of the exchange only for an id
//! some list showed, so ids tried at random cost the exchange nothing. Each instance keeps a copy
//! of what it noted, so that a Redis outage does not make the cards of lists it still serves
//! unknown.

use std::time::Duration;

use app::cargo::card::CargoCard;
use domain::store::SharedStore;

pub struct RecentlyListed {
    store: SharedStore,
    /// How long after the last list that showed it an id is still known.
    memory: Duration,
}

impl RecentlyListed {
    pub fn new(store: SharedStore, memory: Duration) -> Self {
        Self { store, memory }
    }

    /// Remembers every card of a list the exchange just answered (again: the memory restarts).
    pub async fn note(&self, cards: &[CargoCard]) {
        futures_util::future::join_all(cards.iter().map(|card| async move {
            self.store
                .set_mirrored(&key(card.id), b"1", self.memory)
                .await;
        }))
        .await;
    }

    pub async fn contains(&self, id: u64) -> bool {
        self.store.get(&key(id)).await.is_some()
    }
}

fn key(id: u64) -> String {
    format!("cargo-listed:{id}")
}

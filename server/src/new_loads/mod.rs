//! The detector of new loads. Every little while it asks the exchange afresh — at background
//! priority, so drivers waiting on the exchange always come first — for the first page of each
//! filter someone watches: filters open in a Mini App on any instance (their drivers see new
//! loads appear live), and named filters marked "notify me" (their drivers get a bot message).
//! Every instance announces the filters open on it; one instance at a time looks. Answers
//! refresh the shared cache for everyone. Told to stop, it finishes the filter in hand, looks at
//! no other, and lets the lease go.

mod alerts;
mod event_id;
mod feed;
mod live;

pub use alerts::profile_changed;
pub use event_id::EventId;
pub use feed::LiveFeed;
pub use live::{LiveEvent, LiveHub, question};

use std::{collections::HashMap, sync::Arc, time::Duration};

use app::cargo::{card::CargoCard, filter::CargoFilter};
use domain::{
    filters,
    flags::{self, Flag},
    store::SharedStore,
};
use sea_orm::DatabaseConnection;
use sha2::Digest;
use tokio_util::sync::CancellationToken;

use crate::{bot::BotOutlet, cargotech::Gateway};

const FIRST_PAGE: u32 = 20;
const LEASE: &str = "hauler:lease:new-loads";
/// Loads remembered per filter, and for how long after a named filter's last look.
const SEEN_KEPT: usize = 200;
const SEEN_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
/// Loads remembered per open filter: briefly, so a filter opened again later starts afresh
/// instead of announcing what its driver's list already shows.
const LIVE_SEEN_FOR: Duration = Duration::from_secs(300);

pub struct Detector {
    pub gateway: Arc<Gateway>,
    pub db: DatabaseConnection,
    pub store: SharedStore,
    pub bot: BotOutlet,
    pub live: LiveFeed,
    pub every: Duration,
    pub alerts_per_hour: u64,
}

impl Detector {
    /// Looks every little while, until `stop` is cancelled.
    pub async fn run(self, stop: CancellationToken) {
        let holder = format!("{:016x}", rand::random::<u64>());
        while stop
            .run_until_cancelled(tokio::time::sleep(self.every))
            .await
            .is_some()
        {
            self.look(&holder, &stop).await;
        }
        self.store.release_lease(LEASE, &holder).await;
    }

    async fn look(&self, holder: &str, stop: &CancellationToken) {
        let lease = self.every * 3 + Duration::from_secs(5);
        self.live.announce(lease).await;
        if !self.store.hold_lease(LEASE, holder, lease).await {
            return;
        }
        let mut pages: HashMap<String, Vec<CargoCard>> = HashMap::new();
        for (question, filter) in self.live.watched().await {
            if stop.is_cancelled() {
                return;
            }
            let Some(cards) = self.first_page(&mut pages, &question, &filter).await else {
                continue;
            };
            let new = self
                .not_seen_before(&live_key(&question), &cards, LIVE_SEEN_FOR)
                .await;
            // Oldest first, so the newest ends on top of the driver's list.
            for card in new.iter().rev() {
                self.live.publish(&question, card).await;
            }
            metrics::counter!("new_loads_live_total").increment(new.len() as u64);
        }
        if !flags::is_on(&self.db, Flag::Alerts).await.unwrap_or(true) {
            return;
        }
        let watched = match filters::watched(&self.db).await {
            Ok(watched) => watched,
            Err(error) => {
                tracing::warn!(%error, "the filters to alert on could not be read");
                return;
            }
        };
        for watch in watched.iter().take_while(|_| !stop.is_cancelled()) {
            let question = question(&watch.filter);
            let Some(cards) = self.first_page(&mut pages, &question, &watch.filter).await else {
                continue;
            };
            let seen_key = format!("new-loads:seen:{}", watch.saved_filter_id);
            let new = self.not_seen_before(&seen_key, &cards, SEEN_FOR).await;
            if new.is_empty() {
                continue;
            }
            match alerts::send(&self.db, &self.bot, watch, &new, self.alerts_per_hour).await {
                Ok(queued) if queued > 0 => {
                    metrics::counter!("new_load_alerts_total").increment(queued as u64)
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "new-load alerts could not be queued"),
            }
        }
    }

    /// The loads on a first page that were not there at the previous look under `key`, kept in
    /// the shared store so another instance taking over the job carries on. The first look only
    /// remembers.
    async fn not_seen_before(
        &self,
        key: &str,
        cards: &[CargoCard],
        kept_for: Duration,
    ) -> Vec<CargoCard> {
        let seen: Option<Vec<u64>> = self.store.get_json(key).await;
        let mut remembered: Vec<u64> = cards.iter().map(|card| card.id).collect();
        let new = match &seen {
            None => Vec::new(),
            Some(seen) => cards
                .iter()
                .filter(|card| !seen.contains(&card.id))
                .cloned()
                .collect(),
        };
        for id in seen.unwrap_or_default() {
            if !remembered.contains(&id) {
                remembered.push(id);
            }
        }
        remembered.truncate(SEEN_KEPT);
        self.store.set_json(key, &remembered, kept_for).await;
        new
    }

    /// One fresh look per filter per round, however many watch it.
    async fn first_page(
        &self,
        pages: &mut HashMap<String, Vec<CargoCard>>,
        question: &str,
        filter: &CargoFilter,
    ) -> Option<Vec<CargoCard>> {
        if let Some(cards) = pages.get(question) {
            return Some(cards.clone());
        }
        match self.gateway.first_page_afresh(filter, FIRST_PAGE).await {
            Ok(page) => {
                pages.insert(question.to_owned(), page.cards.clone());
                Some(page.cards)
            }
            Err(error) => {
                tracing::debug!(%error, "no fresh look at a watched filter this round");
                None
            }
        }
    }
}

/// Where the loads already on an open filter's first page are remembered.
fn live_key(question: &str) -> String {
    let digest = sha2::Sha256::digest(question.as_bytes());
    format!("new-loads:live-seen:{}", hex::encode(&digest[..12]))
}

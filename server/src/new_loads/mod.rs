//! The detector of new loads. Every little while it asks the exchange afresh — at background
//! priority, so drivers waiting on the exchange always come first — for the first page of each
//! filter someone watches: filters open in a Mini App on this instance (their drivers see new
//! loads appear live), and named filters marked "notify me" (checked by one instance at a time,
//! their drivers get a bot message). Answers refresh the shared cache for everyone.

mod alerts;
mod live;

pub use live::{LiveEvent, LiveHub, question};

use std::{collections::HashMap, sync::Arc, time::Duration};

use app::{
    cargo::{card::CargoCard, filter::CargoFilter},
    platform::{
        filters,
        flags::{self, Flag},
        store::SharedStore,
    },
};
use sea_orm::DatabaseConnection;

use crate::{cargotech::Gateway, http::BotOutlet};

const FIRST_PAGE: u32 = 20;
const LEASE: &str = "hauler:lease:new-load-alerts";
/// Loads remembered per named filter, and for how long after its last look.
const SEEN_KEPT: usize = 200;
const SEEN_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

pub struct Detector {
    pub gateway: Arc<Gateway>,
    pub db: DatabaseConnection,
    pub store: SharedStore,
    pub bot: BotOutlet,
    pub live: LiveHub,
    pub every: Duration,
    pub alerts_per_hour: u64,
}

impl Detector {
    pub fn spawn(self) {
        let holder = format!("{:016x}", rand::random::<u64>());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(self.every).await;
                self.look(&holder).await;
            }
        });
    }

    async fn look(&self, holder: &str) {
        let mut pages: HashMap<String, Vec<CargoCard>> = HashMap::new();
        for (question, filter) in self.live.watched() {
            if let Some(cards) = self.first_page(&mut pages, &question, &filter).await {
                let new = self.live.offer(&question, &cards);
                if new > 0 {
                    metrics::counter!("new_loads_live_total").increment(new as u64);
                }
            }
        }
        let lease = self.every * 3 + Duration::from_secs(5);
        if !self.store.hold_lease(LEASE, holder, lease).await {
            return;
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
        for watch in &watched {
            let question = question(&watch.filter);
            let Some(cards) = self.first_page(&mut pages, &question, &watch.filter).await else {
                continue;
            };
            let new = self.not_seen_before(watch.saved_filter_id, &cards).await;
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

    /// The loads on a named filter's first page that were not there at its previous look, kept
    /// in the shared store so another instance taking over the job carries on. The first look
    /// only remembers.
    async fn not_seen_before(&self, saved_filter_id: i64, cards: &[CargoCard]) -> Vec<CargoCard> {
        let key = format!("new-loads:seen:{saved_filter_id}");
        let seen: Option<Vec<u64>> = self.store.get_json(&key).await;
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
        self.store.set_json(&key, &remembered, SEEN_FOR).await;
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

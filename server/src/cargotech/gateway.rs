//! The gateway drivers are served through: validation, the shared cache, the driver's fair share,
//! the upstream budget, retries with back-off, the circuit breaker and the account's connection,
//! in that order. Every question names who pays for a miss (`Payer`). `list` is the list path
//! (windows of loads, narrowing, drivers' pages cut from them), `upstream` one call to the
//! exchange; a load's detail and the pages of the points dictionary are asked here.

use std::{
    collections::HashMap,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use app::cargo::{
    card::{CargoDetail, CargoPage},
    filter::FieldError,
};
use domain::{DriverId, store::SharedStore};

use super::{
    accounts::Accounts,
    breaker::{Breaker, BreakerState},
    budget::{BudgetSnapshot, Priority},
    cache::{CacheStats, FetchError, SharedCache, Urgency},
    card_queue::{CardQueue, QueueRules},
    client::{Client, PointsPage, UpstreamError},
    connection::ConnectionReport,
    fair_share::{FairShare, Payer, UpstreamKind},
    hot_questions::AskedHere,
    listed::RecentlyListed,
    timings::ListTimings,
};
use crate::shippers::Sightings;

mod card;
mod freshness;
mod later;
mod list;
mod metrics;
mod upstream;

pub use card::CardAnswer;
pub use later::Listed;
pub use list::in_order;

#[derive(Debug, Clone)]
pub struct CacheTtls {
    pub list: Duration,
    /// How long a card's detail is served while lists keep showing the load (only a list
    /// younger than the detail vouches for it otherwise).
    pub detail: Duration,
    /// How long a load seen in a list stays known (see [`CardLead`]).
    pub listed: Duration,
    /// How old a held detail may be and still be served without asking the exchange whether the
    /// load is taken (see `freshness`).
    pub confirm: Duration,
}

impl Default for CacheTtls {
    fn default() -> Self {
        Self {
            list: Duration::from_secs(300),
            detail: Duration::from_secs(6 * 3600),
            listed: Duration::from_secs(24 * 3600),
            confirm: Duration::from_secs(15),
        }
    }
}

/// How a driver came to a card's id, which decides whether an id no list showed lately may be
/// asked of the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardLead {
    /// From anywhere: asked of the exchange only when a list showed it lately (or its card is
    /// cached).
    Unvouched,
    /// From a link the bot signed, or the driver's own response: asked in any case.
    Vouched,
}

/// What can go wrong for a driver asking for loads.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GatewayError {
    #[error("the filter is invalid")]
    InvalidFilter(Vec<FieldError>),
    /// Too many drivers are waiting on the exchange right now.
    #[error("the upstream budget has no slot in time")]
    Busy,
    /// The exchange cannot answer and nothing is cached.
    #[error("the exchange is unavailable: {0}")]
    Unavailable(UpstreamError),
    /// A card waited in line for the exchange as long as a driver may, and was not fetched.
    #[error("the card was not fetched in time")]
    NotFetchedInTime,
    /// The driver has spent their share of the budget; they may ask again after `retry_after`.
    #[error("the driver's share of the upstream budget is spent")]
    OverShare { retry_after: Duration },
}

pub struct Gateway {
    accounts: Accounts,
    /// The exchange's HTTP client; which account's token a call carries is chosen per call.
    client: Client,
    breaker: Breaker,
    lists: Arc<SharedCache<CargoPage>>,
    details: Arc<SharedCache<Option<CargoDetail>>>,
    /// Cards waiting for the exchange: drivers' first, then prefetches.
    queue: CardQueue,
    ttls: CacheTtls,
    /// Ids the exchange listed lately: the only ones an unvouched card may be asked for.
    listed: RecentlyListed,
    /// Each cache's lookups: lists', then details'.
    list_stats: Arc<CacheStats>,
    detail_stats: Arc<CacheStats>,
    /// Drivers' list requests, timed on the server.
    pub list_timings: ListTimings,
    /// How long a driver's request may wait for a budget slot.
    wait_for_slot: Duration,
    /// Who caused which calls, and who may cause more.
    shares: Arc<FairShare>,
    /// Where what the exchange answered is noted, for shippers' scores.
    sightings: Sightings,
    /// The list questions drivers asked here since this instance last said.
    pub(crate) asked: AskedHere,
    /// Each driver's last look at their lists, for the loads gone since.
    seen: freshness::LastSeen,
}

impl Gateway {
    pub fn new(
        accounts: Accounts,
        store: SharedStore,
        ttls: CacheTtls,
        wait_for_slot: Duration,
        shares: Arc<FairShare>,
        queue: QueueRules,
        sightings: Sightings,
    ) -> Arc<Self> {
        let (list_stats, detail_stats) = (Arc::default(), Arc::default());
        Arc::new(Self {
            client: accounts.primary().connection.client().clone(),
            accounts,
            breaker: Breaker::default(),
            lists: Arc::new(SharedCache::new(
                store.clone(),
                "cargo-list",
                ttls.list,
                Arc::clone(&list_stats),
            )),
            listed: RecentlyListed::new(store.clone(), ttls.listed),
            seen: freshness::LastSeen::new(store.clone()),
            details: Arc::new(SharedCache::new(
                store,
                "cargo-detail",
                ttls.detail,
                Arc::clone(&detail_stats),
            )),
            queue: CardQueue::new(queue),
            ttls,
            list_stats,
            detail_stats,
            list_timings: ListTimings::default(),
            wait_for_slot,
            shares,
            sightings,
            asked: AskedHere::default(),
        })
    }

    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// Every account's budget added up.
    pub async fn budget(&self) -> BudgetSnapshot {
        self.accounts.budget().await
    }

    /// The drivers' shares of the budget, and the budget's use by kind and by driver.
    pub fn shares(&self) -> &FairShare {
        &self.shares
    }

    /// The upstream calls each driver caused through this instance since it started (a fetch
    /// shared by several drivers counts for the one whose request made it); background work is
    /// nobody's. For the benchmark, which tells greedy drivers from the others by it.
    pub fn upstream_calls_by_driver(&self) -> HashMap<DriverId, u64> {
        self.shares.calls_by_driver()
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// Each account's connection, the primary one first.
    pub fn connection_reports(&self) -> Vec<ConnectionReport> {
        self.accounts.reports()
    }

    /// One page of the exchange's points dictionary, at background priority: the dictionary's
    /// refresh never queues ahead of drivers (`Busy` when no slot is free at once).
    pub async fn points_page(&self, offset: u64, limit: u32) -> Result<PointsPage, GatewayError> {
        let client = self.client.clone();
        self.upstream(
            Payer::Background,
            UpstreamKind::Cities,
            Priority::Background,
            move |token| {
                let client = client.clone();
                async move { client.points_page(&token, offset, limit).await }
            },
        )
        .await
        .map_err(|e| self.failure(e))
    }

    fn failure(&self, error: FetchError) -> GatewayError {
        match error {
            FetchError::OverShare(refusal) => GatewayError::OverShare {
                retry_after: refusal.retry_after,
            },
            FetchError::Upstream(UpstreamError::Throttled { .. }) => GatewayError::Busy,
            FetchError::Upstream(error) => GatewayError::Unavailable(error),
        }
    }

    /// Each cache's lookups, by name.
    /// A list page answered from the pages served a moment ago, without asking the cache: a hit
    /// of the list cache all the same.
    pub fn note_served_list_page(&self) {
        self.list_stats.hits.fetch_add(1, Ordering::Relaxed);
    }

    pub fn cache_stats(&self) -> [(&'static str, &CacheStats); 2] {
        [("list", &self.list_stats), ("detail", &self.detail_stats)]
    }

    pub fn cache_hit_ratio(&self) -> f64 {
        let sum = |count: fn(&CacheStats) -> &std::sync::atomic::AtomicU64| -> u64 {
            self.cache_stats()
                .iter()
                .map(|(_, stats)| count(stats).load(Ordering::Relaxed))
                .sum()
        };
        let hits = sum(|s| &s.hits) + sum(|s| &s.revalidations);
        let all = hits + sum(|s| &s.misses);
        if all == 0 {
            0.0
        } else {
            hits as f64 / all as f64
        }
    }
}

/// Who pays for a fetch: the driver who waits on it, nobody for a refresh nobody waits on.
fn payer_of(urgency: Urgency, payer: Payer) -> Payer {
    if urgency == Urgency::Waiting {
        payer
    } else {
        Payer::Background
    }
}

/// A wait as the whole seconds a driver is told.
fn whole_seconds(duration: Duration) -> u32 {
    u32::try_from(duration.as_secs()).unwrap_or(u32::MAX)
}

/// A fetch's share of the budget: its own while a driver waits on it, the background share for a
/// refresh nobody waits on.
fn fetch_priority(urgency: Urgency, waiting: Priority) -> Priority {
    if urgency == Urgency::Waiting {
        waiting
    } else {
        Priority::Background
    }
}

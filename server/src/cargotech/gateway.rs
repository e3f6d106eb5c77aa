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
    card::{CargoCard, CargoDetail, CargoPage},
    filter::FieldError,
};
use domain::{DriverId, store::SharedStore};

use super::{
    accounts::Accounts,
    breaker::{Breaker, BreakerState},
    budget::{BudgetSnapshot, Priority},
    cache::{CacheStats, FetchError, Freshness, SharedCache, Urgency},
    client::{Client, PointsPage, UpstreamError},
    connection::ConnectionReport,
    fair_share::{FairShare, Payer, UpstreamKind},
    listed::RecentlyListed,
    timings::ListTimings,
};

mod list;
mod upstream;

/// Details warmed for each fresh page of loads.
const PREFETCH_PER_PAGE: usize = 3;

#[derive(Debug, Clone)]
pub struct CacheTtls {
    pub list: Duration,
    pub detail: Duration,
    /// How long a load seen in a list stays known (see [`CardLead`]).
    pub listed: Duration,
}

impl Default for CacheTtls {
    fn default() -> Self {
        Self {
            list: Duration::from_secs(300),
            detail: Duration::from_secs(900),
            listed: Duration::from_secs(24 * 3600),
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
    /// Ids the exchange listed lately: the only ones an unvouched card may be asked for.
    listed: RecentlyListed,
    pub stats: Arc<CacheStats>,
    /// Drivers' list requests, timed on the server.
    pub list_timings: ListTimings,
    /// How long a driver's request may wait for a budget slot.
    wait_for_slot: Duration,
    /// Who caused which calls, and who may cause more.
    shares: Arc<FairShare>,
}

impl Gateway {
    pub fn new(
        accounts: Accounts,
        store: SharedStore,
        ttls: CacheTtls,
        wait_for_slot: Duration,
        shares: Arc<FairShare>,
    ) -> Arc<Self> {
        let stats = Arc::new(CacheStats::default());
        Arc::new(Self {
            client: accounts.primary().connection.client().clone(),
            accounts,
            breaker: Breaker::default(),
            lists: Arc::new(SharedCache::new(
                store.clone(),
                "cargo-list",
                ttls.list,
                Arc::clone(&stats),
            )),
            listed: RecentlyListed::new(store.clone(), ttls.listed),
            details: Arc::new(SharedCache::new(
                store,
                "cargo-detail",
                ttls.detail,
                Arc::clone(&stats),
            )),
            stats,
            list_timings: ListTimings::default(),
            wait_for_slot,
            shares,
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

    /// A load's detail; `Ok(None)` when it was taken or removed, and at once, without a call,
    /// for an unvouched id that no list showed lately and whose card is not cached: ids tried at
    /// random cost the exchange nothing.
    pub async fn detail(
        self: &Arc<Self>,
        payer: Payer,
        id: u64,
        lead: CardLead,
    ) -> Result<Option<CargoDetail>, GatewayError> {
        if lead == CardLead::Unvouched && !self.knows(id).await {
            metrics::counter!("cargo_unknown_ids_total").increment(1);
            return Ok(None);
        }
        self.detail_at(payer, id, Priority::Detail)
            .await
            .map(|(detail, _)| Option::clone(&detail))
    }

    /// Whether a list showed the load lately, or its card is cached.
    async fn knows(&self, id: u64) -> bool {
        self.listed.contains(id).await || self.details.holds(&id.to_string()).await
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

    async fn detail_at(
        self: &Arc<Self>,
        payer: Payer,
        id: u64,
        priority: Priority,
    ) -> Result<(Arc<Option<CargoDetail>>, Freshness), GatewayError> {
        let gateway = Arc::clone(self);
        let fetch = move |urgency| async move {
            let client = gateway.client.clone();
            gateway
                .upstream(
                    payer_of(urgency, payer),
                    UpstreamKind::Detail,
                    fetch_priority(urgency, priority),
                    move |token| {
                        let client = client.clone();
                        async move { client.detail(&token, id).await }
                    },
                )
                .await
        };
        self.details
            .get(&id.to_string(), fetch)
            .await
            .map_err(|e| self.failure(e))
    }

    /// Warms the detail cache for the first cards of a fresh page (what a phone shows without
    /// scrolling), from the background share of the budget, so that opening one is instant.
    /// Only a few: on a cold cache, prefetching whole pages would starve drivers' own lists.
    fn prefetch_details(self: &Arc<Self>, cards: &[CargoCard]) {
        for id in cards.iter().take(PREFETCH_PER_PAGE).map(|card| card.id) {
            let gateway = Arc::clone(self);
            tokio::spawn(async move {
                let _ = gateway
                    .detail_at(Payer::Background, id, Priority::Background)
                    .await;
            });
        }
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

    pub fn cache_hit_ratio(&self) -> f64 {
        let hits = self.stats.hits.load(Ordering::Relaxed)
            + self.stats.revalidations.load(Ordering::Relaxed);
        let all = hits + self.stats.misses.load(Ordering::Relaxed);
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

/// A fetch's share of the budget: its own while a driver waits on it, the background share for a
/// refresh nobody waits on.
fn fetch_priority(urgency: Urgency, waiting: Priority) -> Priority {
    if urgency == Urgency::Waiting {
        waiting
    } else {
        Priority::Background
    }
}

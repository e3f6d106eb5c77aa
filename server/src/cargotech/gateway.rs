//! The gateway drivers are served through: validation, the shared cache, the upstream budget,
//! retries with back-off, the circuit breaker and the account's connection, in that order.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use app::{
    cargo::{
        card::{CargoCard, CargoDetail, CargoPage, Staleness},
        filter::{CargoFilter, FieldError, SortOrder},
    },
    platform::store::SharedStore,
};

use super::{
    accounts::Accounts,
    breaker::{Breaker, BreakerState},
    budget::{BudgetError, BudgetSnapshot, Priority},
    cache::{CacheStats, Freshness, SharedCache, Urgency},
    client::{Client, UpstreamError},
    connection::ConnectionReport,
    narrowing::{MAX_BROAD_TOTAL, Narrowing},
    timings::ListTimings,
    wire::UpstreamQuery,
};

/// Backoff between attempts of an idempotent call (with up to 20 % jitter), at most 4 attempts.
const BACKOFF: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_millis(1500),
    Duration::from_millis(3000),
];
pub const MAX_PAGE: u32 = 100;
/// Loads are asked from the exchange in windows of its largest page, and drivers' pages are cut
/// from them: one call answers a filter's first five pages of twenty for every driver on it.
const WINDOW: u32 = MAX_PAGE;

/// An upstream fetch on its way, boxed so the same fetch serves a read and a refresh.
type Fetching<T> = std::pin::Pin<Box<dyn Future<Output = Result<T, UpstreamError>> + Send>>;
const PREFETCH_PER_PAGE: usize = 3;

#[derive(Debug, Clone)]
pub struct CacheTtls {
    pub list: Duration,
    pub detail: Duration,
    pub dictionary: Duration,
}

impl Default for CacheTtls {
    fn default() -> Self {
        Self {
            list: Duration::from_secs(300),
            detail: Duration::from_secs(900),
            dictionary: Duration::from_secs(24 * 3600),
        }
    }
}

pub use app::cargo::dictionary::City;

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
}

pub struct Gateway {
    accounts: Accounts,
    /// The exchange's HTTP client; which account's token a call carries is chosen per call.
    client: Client,
    breaker: Breaker,
    lists: Arc<SharedCache<CargoPage>>,
    details: Arc<SharedCache<Option<CargoDetail>>>,
    cities: Arc<SharedCache<Vec<City>>>,
    pub stats: Arc<CacheStats>,
    /// Drivers' list requests, timed on the server.
    pub list_timings: ListTimings,
    /// How long a driver's request may wait for a budget slot.
    wait_for_slot: Duration,
}

impl Gateway {
    pub fn new(
        accounts: Accounts,
        store: SharedStore,
        ttls: CacheTtls,
        wait_for_slot: Duration,
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
            details: Arc::new(SharedCache::new(
                store.clone(),
                "cargo-detail",
                ttls.detail,
                Arc::clone(&stats),
            )),
            cities: Arc::new(SharedCache::new(
                store,
                "cities",
                ttls.dictionary,
                Arc::clone(&stats),
            )),
            stats,
            list_timings: ListTimings::default(),
            wait_for_slot,
        })
    }

    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// Every account's budget added up.
    pub async fn budget(&self) -> BudgetSnapshot {
        self.accounts.budget().await
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// Each account's connection, the primary one first.
    pub fn connection_reports(&self) -> Vec<ConnectionReport> {
        self.accounts.reports()
    }

    /// One page of loads matching the filter: narrowed from a broader answer held in full when
    /// it can be, else cut from the cached window(s) of the filter itself.
    pub async fn list(
        self: &Arc<Self>,
        filter: &CargoFilter,
        offset: u32,
        limit: u32,
    ) -> Result<CargoPage, GatewayError> {
        filter.validate().map_err(GatewayError::InvalidFilter)?;
        let limit = limit.clamp(1, MAX_PAGE);
        if let Some(narrowing) = Narrowing::of(filter)
            && let Some(broad) = self.every_window(&narrowing.broad).await?
            && let Some(loads) = broad.in_full()
            && let Some(mut loads) = narrowing.select(loads)
        {
            self.stats.narrowed.fetch_add(1, Ordering::Relaxed);
            sort(&mut loads, filter.sort);
            let total = loads.len() as u64;
            return Ok(page_of(loads, total, offset, 0, limit, broad.oldest));
        }
        let first = offset - offset % WINDOW;
        let mut windows = Vec::new();
        let (mut total, mut oldest) = (0, None);
        // A page that straddles two windows takes the end of one and the start of the next.
        for start in (first..offset.saturating_add(limit)).step_by(WINDOW as usize) {
            let (window, age) = self.window(filter, start).await?;
            oldest = oldest.max(age);
            total = window.total;
            windows.push(window);
        }
        let mut cards = Vec::new();
        for window in &windows {
            let start = cards.len();
            cards.extend(&window.cards);
            sort(&mut cards[start..], filter.sort);
        }
        Ok(page_of(cards, total, offset, first, limit, oldest))
    }

    /// Every window of the loads answering `filter`, from the cache (asking for those missing),
    /// when there are few enough to hold: `None` when there are more, or when one window could
    /// not be had without waiting on a busy exchange.
    async fn every_window(
        self: &Arc<Self>,
        filter: &CargoFilter,
    ) -> Result<Option<Windows>, GatewayError> {
        let Some((first, age)) = unless_busy(self.window(filter, 0).await)? else {
            return Ok(None);
        };
        if first.total > MAX_BROAD_TOTAL {
            return Ok(None);
        }
        let rest = futures_util::future::join_all(
            (WINDOW..first.total as u32)
                .step_by(WINDOW as usize)
                .map(|start| self.window(filter, start)),
        )
        .await;
        let (total, mut oldest) = (first.total, age);
        let mut windows = Vec::new();
        for window in std::iter::once(Ok((first, age))).chain(rest) {
            let Some((window, age)) = unless_busy(window)? else {
                return Ok(None);
            };
            oldest = oldest.max(age);
            windows.push(window);
        }
        Ok(Some(Windows {
            windows,
            total,
            oldest,
        }))
    }

    /// The cached window of loads starting at `start`, asked for when missing; with its age
    /// when served stale.
    async fn window(
        self: &Arc<Self>,
        filter: &CargoFilter,
        start: u32,
    ) -> Result<(Arc<CargoPage>, Option<Duration>), GatewayError> {
        let (question, fetch) = self.window_fetch(filter, start);
        let (window, freshness) = self
            .lists
            .get(&question, fetch)
            .await
            .map_err(|e| self.failure(e))?;
        let age = match freshness {
            Freshness::Stale { age } => Some(age),
            Freshness::Fresh | Freshness::Revalidating => None,
        };
        Ok((window, age))
    }

    /// The first page of a filter asked afresh, at background priority (the detector of new
    /// loads): it spends only the low-priority share of the budget and refreshes the shared cache
    /// for every driver on that filter.
    pub async fn first_page_afresh(
        self: &Arc<Self>,
        filter: &CargoFilter,
        limit: u32,
    ) -> Result<CargoPage, GatewayError> {
        filter.validate().map_err(GatewayError::InvalidFilter)?;
        let limit = limit.clamp(1, MAX_PAGE);
        let (question, fetch) = self.window_fetch(filter, 0);
        let window = self
            .lists
            .refresh(&question, fetch)
            .await
            .map_err(|e| self.failure(e))?;
        let mut cards: Vec<&CargoCard> = window.cards.iter().collect();
        sort(&mut cards, filter.sort);
        Ok(page_of(cards, window.total, 0, 0, limit, None))
    }

    /// The cache key of the window of loads starting at `start` and how to fetch it: always the
    /// exchange's largest page, so that the first five pages of a filter cost one call.
    fn window_fetch(
        self: &Arc<Self>,
        filter: &CargoFilter,
        start: u32,
    ) -> (
        String,
        impl FnOnce(Urgency) -> Fetching<CargoPage> + Clone + Send + 'static,
    ) {
        let query = filter.upstream_query(WINDOW, start);
        let question = cache_key(&query);
        let gateway = Arc::clone(self);
        let fetch = move |urgency| -> Fetching<CargoPage> {
            Box::pin(async move {
                let client = gateway.client.clone();
                let priority = if urgency == Urgency::Waiting {
                    Priority::List
                } else {
                    Priority::Background
                };
                let answer = gateway
                    .upstream(priority, move |token| {
                        let (client, query) = (client.clone(), query.clone());
                        async move { client.list(&token, &query).await }
                    })
                    .await?;
                // New cards from the exchange: warm their details while the driver reads the list.
                gateway.prefetch_details(&answer.cards);
                Ok(CargoPage {
                    cards: answer.cards,
                    total: answer.total,
                    offset: start,
                    limit: WINDOW,
                    stale: None,
                })
            })
        };
        (question, fetch)
    }

    /// A load's detail; `Ok(None)` when it was taken or removed.
    pub async fn detail(self: &Arc<Self>, id: u64) -> Result<Option<CargoDetail>, GatewayError> {
        self.detail_at(id, Priority::Detail)
            .await
            .map(|(detail, _)| Option::clone(&detail))
    }

    /// Cities whose names start with `prefix` (at least two letters).
    pub async fn cities(self: &Arc<Self>, prefix: &str) -> Result<Vec<City>, GatewayError> {
        let prefix = prefix.trim().to_lowercase();
        if prefix.chars().count() < 2 {
            return Ok(Vec::new());
        }
        let gateway = Arc::clone(self);
        let name = prefix.clone();
        let fetch = move |urgency| async move {
            let client = gateway.client.clone();
            let priority = if urgency == Urgency::Waiting {
                Priority::Autocomplete
            } else {
                Priority::Background
            };
            let points = gateway
                .upstream(priority, move |token| {
                    let (client, name) = (client.clone(), name.clone());
                    async move { client.points(&token, &name).await }
                })
                .await?;
            Ok(points
                .into_iter()
                .map(|(id, name, point_type)| City {
                    id,
                    name,
                    point_type,
                })
                .collect())
        };
        self.cities
            .get(&prefix, fetch)
            .await
            .map(|(cities, _)| Vec::clone(&cities))
            .map_err(|e| self.failure(e))
    }

    async fn detail_at(
        self: &Arc<Self>,
        id: u64,
        priority: Priority,
    ) -> Result<(Arc<Option<CargoDetail>>, Freshness), GatewayError> {
        let gateway = Arc::clone(self);
        let fetch = move |urgency| async move {
            let client = gateway.client.clone();
            let priority = if urgency == Urgency::Waiting {
                priority
            } else {
                Priority::Background
            };
            gateway
                .upstream(priority, move |token| {
                    let client = client.clone();
                    async move { client.detail(&token, id).await }
                })
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
                let _ = gateway.detail_at(id, Priority::Background).await;
            });
        }
    }

    /// One idempotent upstream call through the breaker and the budget, retried on transient
    /// failures with back-off, honouring the exchange's Retry-After.
    async fn upstream<T, F, Fut>(&self, priority: Priority, call: F) -> Result<T, UpstreamError>
    where
        F: Fn(Arc<str>) -> Fut + Clone,
        Fut: Future<Output = Result<T, UpstreamError>>,
    {
        let attempts = if priority == Priority::Background {
            1
        } else {
            BACKOFF.len() + 1
        };
        let mut last_error = UpstreamError::Unavailable("not tried".into());
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(jitter(BACKOFF[attempt - 1])).await;
            }
            if !self.breaker.allow() {
                return Err(UpstreamError::Unavailable(
                    "the exchange is failing; retrying shortly".into(),
                ));
            }
            let Ok(outcome) = self.through_an_account(priority, &call).await else {
                // No slot in time: the driver's answer is "busy", at once.
                return Err(UpstreamError::Throttled {
                    retry_after: Duration::from_secs(1),
                    remaining: Some(0),
                });
            };
            match outcome {
                Ok(value) => {
                    self.breaker.succeeded();
                    return Ok(value);
                }
                Err(error @ UpstreamError::Throttled { .. }) => last_error = error,
                Err(error) if error.is_transient() => {
                    self.breaker.failed();
                    last_error = error;
                }
                Err(error) => return Err(error),
            }
        }
        Err(last_error)
    }

    /// The call through an account with a slot for it (`Err` when no account has one in time).
    /// An account the exchange asks to slow down pauses; an account that cannot log in hands the
    /// call on to the next usable one.
    async fn through_an_account<T, F, Fut>(
        &self,
        priority: Priority,
        call: &F,
    ) -> Result<Result<T, UpstreamError>, BudgetError>
    where
        F: Fn(Arc<str>) -> Fut + Clone,
        Fut: Future<Output = Result<T, UpstreamError>>,
    {
        // Background work never queues: it takes a free slot or gives way to drivers.
        let wait = if priority == Priority::Background {
            Duration::ZERO
        } else {
            self.wait_for_slot
        };
        let mut accounts_left = self.accounts.all().len();
        loop {
            let account = self.accounts.slot(priority, wait).await?;
            match account.connection.call(call.clone()).await {
                Err(UpstreamError::Throttled {
                    retry_after,
                    remaining,
                }) => {
                    account.budget.pause_for(retry_after).await;
                    if let Some(remaining) = remaining {
                        account.budget.observe_remaining(remaining);
                    }
                    return Ok(Err(UpstreamError::Throttled {
                        retry_after,
                        remaining,
                    }));
                }
                Err(error) if error.is_account_problem() && accounts_left > 1 => {
                    accounts_left -= 1;
                    tracing::info!(%error, account = account.connection.account(), "the account cannot call: trying the next one");
                }
                outcome => return Ok(outcome),
            }
        }
    }

    fn failure(&self, error: UpstreamError) -> GatewayError {
        match error {
            UpstreamError::Throttled { .. } => GatewayError::Busy,
            error => GatewayError::Unavailable(error),
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

/// The cache key: the (already sorted) upstream query, written out.
fn cache_key(query: &[(String, String)]) -> String {
    query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A window's outcome when narrowing: only a busy budget is the driver's answer; any other
/// failure leaves the question to be asked as it is (`None`).
fn unless_busy<T>(outcome: Result<T, GatewayError>) -> Result<Option<T>, GatewayError> {
    match outcome {
        Ok(value) => Ok(Some(value)),
        Err(GatewayError::Busy) => Err(GatewayError::Busy),
        Err(_) => Ok(None),
    }
}

/// All the windows of one question, as the cache shares them.
struct Windows {
    windows: Vec<Arc<CargoPage>>,
    total: u64,
    /// The oldest window's age, when one was served stale.
    oldest: Option<Duration>,
}

impl Windows {
    /// Every load of the answer, each once (windows asked at different moments may repeat one):
    /// `None` when they no longer add up to the total (a load moved between two windows).
    fn in_full(&self) -> Option<Vec<&CargoCard>> {
        let mut seen = std::collections::HashSet::new();
        let loads: Vec<&CargoCard> = self
            .windows
            .iter()
            .flat_map(|window| &window.cards)
            .filter(|card| seen.insert(card.id))
            .collect();
        (loads.len() as u64 >= self.total).then_some(loads)
    }
}

/// The driver's page from `loads` that begin at position `first` of the answer: only its cards
/// are copied out of the shared windows.
fn page_of(
    loads: Vec<&CargoCard>,
    total: u64,
    offset: u32,
    first: u32,
    limit: u32,
    oldest: Option<Duration>,
) -> CargoPage {
    let cards = loads
        .into_iter()
        .skip((offset - first) as usize)
        .take(limit as usize)
        .cloned()
        .collect();
    CargoPage {
        cards: deduplicate(cards),
        total,
        offset,
        limit,
        stale: oldest.map(|age| Staleness {
            age_seconds: age.as_secs(),
        }),
    }
}

/// A load posted twice under different ids is shown once: same route, dates, weight and price.
fn deduplicate(cards: Vec<CargoCard>) -> Vec<CargoCard> {
    let mut seen = std::collections::HashSet::new();
    cards
        .into_iter()
        .filter(|card| {
            let signature = (
                card.from_city.clone(),
                card.to_city.clone(),
                card.loading_at.clone(),
                card.weight_t.map(f64::to_bits),
                card.price_kopecks,
            );
            // Cards missing the essentials cannot be compared and are all kept.
            card.from_city.is_none() || card.loading_at.is_none() || seen.insert(signature)
        })
        .collect()
}

fn sort(cards: &mut [&CargoCard], order: SortOrder) {
    match order {
        SortOrder::Newest => {}
        SortOrder::Price => cards.sort_by_key(|c| std::cmp::Reverse(c.price_kopecks)),
        SortOrder::PricePerKm => cards.sort_by_key(|c| std::cmp::Reverse(c.price_per_km_kopecks())),
        SortOrder::Distance => cards.sort_by_key(|c| c.distance_km.unwrap_or(u32::MAX)),
        SortOrder::LoadingDate => cards.sort_by(|a, b| {
            (a.loading_at.is_none(), &a.loading_at).cmp(&(b.loading_at.is_none(), &b.loading_at))
        }),
    }
}

fn jitter(base: Duration) -> Duration {
    let spread = base.as_millis() as u64 / 5;
    base + Duration::from_millis(rand::random::<u64>() % spread.max(1))
}

//! The list path: loads are asked from the exchange in windows of its largest page and kept in
//! the shared cache, and each driver's page is cut from them (sorted, duplicates dropped). A
//! narrow question is answered from a broader one held in full when it can be.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use app::cargo::{
    card::{CargoCard, CargoPage, Staleness},
    filter::{CargoFilter, SortOrder},
};

use super::{Gateway, GatewayError, fetch_priority, freshness::aged, payer_of};
use crate::cargotech::{
    budget::Priority,
    cache::{FetchError, Freshness, Urgency},
    fair_share::{Payer, UpstreamKind},
    narrowing::{MAX_BROAD_TOTAL, Narrowing},
    wire::UpstreamQuery,
};

/// The exchange's largest page, and so the largest a driver may ask for.
const MAX_PAGE: u32 = 100;
/// Loads are asked from the exchange in windows of its largest page, and drivers' pages are cut
/// from them: one call answers a filter's first five pages of twenty for every driver on it.
const WINDOW: u32 = MAX_PAGE;
/// Sorted other than newest first, a result is gathered and ordered up to this many loads (ten
/// windows); beyond, the page says it is capped.
pub const MAX_SORTED: u32 = 1000;

/// Details warmed for each fresh window of loads.
const PREFETCH_PER_PAGE: usize = 3;

/// An upstream fetch on its way, boxed so the same fetch serves a read and a refresh.
type Fetching<T> = std::pin::Pin<Box<dyn Future<Output = Result<T, FetchError>> + Send>>;

impl Gateway {
    /// One page of loads matching the filter: narrowed from a broader answer held in full when
    /// it can be, else cut from the cached window(s) of the filter itself. Misses are `payer`'s.
    pub async fn list(
        self: &Arc<Self>,
        payer: Payer,
        filter: &CargoFilter,
        offset: u32,
        limit: u32,
    ) -> Result<CargoPage, GatewayError> {
        filter.validate().map_err(GatewayError::InvalidFilter)?;
        let limit = limit.clamp(1, MAX_PAGE);
        if let Some(narrowing) = Narrowing::of(filter)
            && let Some(broad) = self.every_window(payer, &narrowing.broad).await?
            && let Some(loads) = broad.in_full()
            && let Some(mut loads) = narrowing.select(loads)
        {
            self.list_stats.narrowed.fetch_add(1, Ordering::Relaxed);
            sort(&mut loads, filter.sort);
            let total = loads.len() as u64;
            return Ok(page_of(loads, total, offset, 0, limit, broad.oldest));
        }
        if filter.sort != SortOrder::Newest {
            // Newest first is the exchange's own order, which its windows follow; any other
            // order is over the whole result, gathered once from the same shared windows.
            let gathered = self.gathered(payer, filter).await?;
            let mut loads = gathered.every_load();
            sort(&mut loads, filter.sort);
            let total = loads.len() as u64;
            let mut page = page_of(loads, total, offset, 0, limit, gathered.oldest);
            page.capped = gathered.total > u64::from(MAX_SORTED);
            return Ok(page);
        }
        let first = offset - offset % WINDOW;
        let mut windows = Vec::new();
        let (mut total, mut oldest) = (0, None);
        // A page that straddles two windows takes the end of one and the start of the next.
        for start in (first..offset.saturating_add(limit)).step_by(WINDOW as usize) {
            let (window, age) = self.window(payer, filter, start).await?;
            oldest = oldest.max(age);
            total = window.total;
            windows.push(window);
        }
        let cards = windows.iter().flat_map(|window| &window.cards).collect();
        Ok(page_of(cards, total, offset, first, limit, oldest))
    }

    /// Every load answering `filter`, up to the first [`MAX_SORTED`] in the exchange's order,
    /// each once, with their ages; whether the exchange had more; the age of the oldest window
    /// when one was served stale. Gathered from the shared windows an ordinary list of the same
    /// filter pages through (the same cache keys), so it costs the exchange no call a driver
    /// paging through that list would not cause, and none at all while they are cached.
    pub async fn every_load(
        self: &Arc<Self>,
        payer: Payer,
        filter: &CargoFilter,
    ) -> Result<(Vec<CargoCard>, bool, Option<Duration>), GatewayError> {
        filter.validate().map_err(GatewayError::InvalidFilter)?;
        let gathered = self.gathered(payer, filter).await?;
        let now = chrono::Utc::now();
        let loads = gathered
            .every_load()
            .into_iter()
            .map(|card| aged(card.clone(), now))
            .collect();
        let capped = gathered.total > u64::from(MAX_SORTED);
        Ok((loads, capped, gathered.oldest))
    }

    /// The windows of the loads answering `filter` from the first up to [`MAX_SORTED`] loads,
    /// from the cache (asking for those missing, all at once).
    async fn gathered(
        self: &Arc<Self>,
        payer: Payer,
        filter: &CargoFilter,
    ) -> Result<Windows, GatewayError> {
        let (first, age) = self.window(payer, filter, 0).await?;
        let total = first.total;
        let reach = u32::try_from(total.min(u64::from(MAX_SORTED))).unwrap_or(MAX_SORTED);
        let rest = futures_util::future::join_all(
            (WINDOW..reach)
                .step_by(WINDOW as usize)
                .map(|start| self.window(payer, filter, start)),
        )
        .await;
        let mut oldest = age;
        let mut windows = vec![first];
        for window in rest {
            let (window, age) = window?;
            oldest = oldest.max(age);
            windows.push(window);
        }
        Ok(Windows {
            windows,
            total,
            oldest,
        })
    }

    /// Every window of the loads answering `filter`, from the cache (asking for those missing),
    /// when there are few enough to hold: `None` when there are more, or when one window could
    /// not be had without waiting on a busy exchange.
    async fn every_window(
        self: &Arc<Self>,
        payer: Payer,
        filter: &CargoFilter,
    ) -> Result<Option<Windows>, GatewayError> {
        let Some((first, age)) = unless_busy(self.window(payer, filter, 0).await)? else {
            return Ok(None);
        };
        if first.total > MAX_BROAD_TOTAL {
            return Ok(None);
        }
        let rest = futures_util::future::join_all(
            (WINDOW..first.total as u32)
                .step_by(WINDOW as usize)
                .map(|start| self.window(payer, filter, start)),
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
        payer: Payer,
        filter: &CargoFilter,
        start: u32,
    ) -> Result<(Arc<CargoPage>, Option<Duration>), GatewayError> {
        let (question, fetch) = self.window_fetch(payer, filter, start);
        if let Payer::Driver(_) = payer {
            self.asked.note(&question, filter, start);
        }
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
        let (question, fetch) = self.window_fetch(Payer::Background, filter, 0);
        let window = self
            .lists
            .refresh(&question, fetch)
            .await
            .map_err(|e| self.failure(e))?;
        let mut cards: Vec<&CargoCard> = window.cards.iter().collect();
        sort(&mut cards, filter.sort);
        Ok(page_of(cards, window.total, 0, 0, limit, None))
    }

    /// Asks again, at background priority, the window of loads starting at `start` unless its
    /// answer is cached and within its time to live (warming at start); whether it was asked.
    pub async fn warm_window(
        self: &Arc<Self>,
        filter: &CargoFilter,
        start: u32,
    ) -> Result<bool, GatewayError> {
        filter.validate().map_err(GatewayError::InvalidFilter)?;
        let (question, fetch) = self.window_fetch(Payer::Background, filter, start);
        if let Some((_, age)) = self.lists.peek(&question).await
            && age < self.ttls.list
        {
            return Ok(false);
        }
        self.lists
            .refresh(&question, fetch)
            .await
            .map_err(|e| self.failure(e))?;
        Ok(true)
    }

    /// The cache key of the window of loads starting at `start` and how to fetch it: always the
    /// exchange's largest page, so that the first five pages of a filter cost one call.
    fn window_fetch(
        self: &Arc<Self>,
        payer: Payer,
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
                let answer = gateway
                    .upstream(
                        payer_of(urgency, payer),
                        UpstreamKind::List,
                        fetch_priority(urgency, Priority::List),
                        move |token| {
                            let (client, query) = (client.clone(), query.clone());
                            async move { client.list(&token, &query).await }
                        },
                    )
                    .await?;
                gateway.listed.note(&answer.cards).await;
                gateway.sightings.listed(&answer.cards);
                // New cards from the exchange: warm their details while the driver reads the list.
                gateway.prefetch_details(
                    answer
                        .cards
                        .iter()
                        .take(PREFETCH_PER_PAGE)
                        .map(|card| card.id)
                        .collect(),
                );
                Ok(CargoPage {
                    cards: answer.cards,
                    total: answer.total,
                    offset: start,
                    limit: WINDOW,
                    ..CargoPage::default()
                })
            })
        };
        (question, fetch)
    }
}

/// The cache key of a filter's first window.
pub(super) fn first_window_question(filter: &CargoFilter) -> String {
    cache_key(&filter.upstream_query(WINDOW, 0))
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
/// failure (a spent share included: the question as it is may still be cached) leaves the
/// question to be asked as it is (`None`).
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
    /// Every load gathered, each once, in the exchange's order.
    fn every_load(&self) -> Vec<&CargoCard> {
        let mut seen = std::collections::HashSet::new();
        self.windows
            .iter()
            .flat_map(|window| &window.cards)
            .filter(|card| seen.insert(card.id))
            .collect()
    }

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
    let now = chrono::Utc::now();
    let cards = loads
        .into_iter()
        .skip((offset - first) as usize)
        .take(limit as usize)
        .map(|card| aged(card.clone(), now))
        .collect();
    CargoPage {
        cards: deduplicate(cards),
        total,
        offset,
        limit,
        stale: oldest.map(|age| Staleness {
            age_seconds: age.as_secs(),
        }),
        ..CargoPage::default()
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
    cards.sort_by(|a, b| in_order(order, a, b));
}

/// How two loads compare in a driver's chosen order: the dearest, the dearest per km, the
/// shortest, the earliest loading first; loads that do not say come last. Newest first is the
/// exchange's own order: every load ties, so a stable sort keeps it (and ties in any order keep
/// the exchange's order too, which makes every page cut from one sorted result agree).
pub fn in_order(order: SortOrder, a: &CargoCard, b: &CargoCard) -> std::cmp::Ordering {
    use std::cmp::Reverse;
    match order {
        SortOrder::Newest => std::cmp::Ordering::Equal,
        SortOrder::Price => Reverse(a.price_kopecks).cmp(&Reverse(b.price_kopecks)),
        SortOrder::PricePerKm => {
            Reverse(a.price_per_km_kopecks()).cmp(&Reverse(b.price_per_km_kopecks()))
        }
        SortOrder::Distance => a
            .distance_km
            .unwrap_or(u32::MAX)
            .cmp(&b.distance_km.unwrap_or(u32::MAX)),
        SortOrder::LoadingDate => {
            (a.loading_at.is_none(), &a.loading_at).cmp(&(b.loading_at.is_none(), &b.loading_at))
        }
    }
}

//! The tests' levers on the exchange: revoked tokens, latency, the rate limit, an SMS-code
//! demand, injected failures, taken loads and the passing of time. In-process tests pull them as
//! methods; the embedded default and other processes through `POST /__sandbox/control`.

use std::time::{Duration, Instant};

use axum::{Json, extract::State};
use serde::Deserialize;

use super::{Book, Exchange, Failure, Load, Stats, catalog};

/// A load a story posts on the exchange, as a shipper would.
#[derive(Debug, Clone, Deserialize)]
pub struct Posting {
    /// Cities by their names in the catalog (`Москва`).
    pub from: String,
    pub to: String,
    pub distance_km: u32,
    pub weight_kg: u32,
    pub price_kopecks: u64,
    /// One of the catalog's shippers.
    pub shipper_inn: String,
    /// Hours after 08:00 on the exchange's first day: tells loads of one route apart.
    pub loading_in_hours: u32,
}

impl Exchange {
    pub fn revoke_tokens(&self) {
        self.book().tokens.clear();
    }

    pub fn fail_next(&self, failure: Failure, count: usize) {
        self.book()
            .failures
            .extend(std::iter::repeat_n(failure, count));
    }

    pub fn set_latency(&self, latency: Duration) {
        self.book().latency = latency;
    }

    pub fn set_rate_limit(&self, per_minute: u32) {
        self.book().per_minute = per_minute;
    }

    /// For `duration`, every request from every account is answered `429 Too Many Attempts` with
    /// the seconds left in `Retry-After`, as past the rate limit (such requests are not counted
    /// in the minute).
    pub fn throttle_for(&self, duration: Duration) {
        self.book().throttled_until = Some(Instant::now() + duration);
    }

    pub fn demand_sms(&self, demand: bool) {
        self.book().demand_sms = demand;
    }

    /// A carrier took the load: it answers 404 from now on and leaves the lists.
    pub fn take(&self, id: u64) {
        self.book().taken.insert(id);
    }

    /// A point joins the dictionary (a new settlement, say); its id is returned.
    pub fn add_point(&self, name: &str, point_type: u8) -> u32 {
        let mut book = self.book();
        book.points.push((name.to_owned(), point_type));
        u32::try_from(book.points.len()).unwrap_or(u32::MAX)
    }

    /// Time passes: `new` loads appear and `taken` of the oldest open ones are taken.
    pub fn tick(&self, new: usize, taken: usize) {
        let mut book = self.book();
        let next_id = book.loads.last().map_or(100_000, |load| load.id + 1);
        let now = catalog::seconds_since(self.inner.epoch);
        for n in 0..new as u64 {
            let mut load = catalog::make_load(next_id + n, &mut book.random);
            load.posted_at_seconds = now;
            book.loads.push(load);
        }
        let oldest: Vec<u64> = book
            .loads
            .iter()
            .filter(|load| !book.taken.contains(&load.id))
            .take(taken)
            .map(|load| load.id)
            .collect();
        book.taken.extend(oldest);
    }

    /// A shipper posts a load: `None` when the catalog knows neither its cities nor its shipper.
    pub fn post(&self, posting: &Posting) -> Option<u64> {
        let from = catalog::city_named(&posting.from)?;
        let to = catalog::city_named(&posting.to)?;
        let shipper = catalog::shipper_with_inn(&posting.shipper_inn)?;
        let mut book = self.book();
        let id = book
            .loads
            .iter()
            .map(|load| load.id + 1)
            .max()
            .unwrap_or(100_000);
        let mut load = catalog::make_load(id, &mut book.random);
        load = Load {
            from,
            to,
            distance_km: posting.distance_km,
            weight_kg: posting.weight_kg,
            price_kopecks: posting.price_kopecks,
            carrier_price_kopecks: None,
            loading_at_minutes: 60 * (8 + posting.loading_in_hours),
            posted_at_seconds: catalog::seconds_since(self.inner.epoch),
            shipper,
            sparse: false,
            ..load
        };
        book.loads.push(load);
        Some(id)
    }

    /// The shipper changes an open load's price; `false` when there is no such open load.
    pub fn reprice(&self, id: u64, price_kopecks: u64) -> bool {
        let mut book = self.book();
        let Book { loads, taken, .. } = &mut *book;
        let Some(load) = loads
            .iter_mut()
            .find(|load| load.id == id && !taken.contains(&id))
        else {
            return false;
        };
        load.price_kopecks = price_kopecks;
        load.carrier_price_kopecks = None;
        true
    }

    /// The shipper takes an open load down and posts it again under a new number (same route,
    /// loading date, weight and price); the new number, or `None` when there is no such load.
    pub fn repost(&self, id: u64) -> Option<u64> {
        let mut book = self.book();
        let original = book
            .loads
            .iter()
            .find(|load| load.id == id && !book.taken.contains(&id))?
            .clone();
        let new_id = book.loads.iter().map(|load| load.id + 1).max()?;
        book.taken.insert(id);
        book.loads.push(Load {
            id: new_id,
            posted_at_seconds: catalog::seconds_since(self.inner.epoch),
            ..original
        });
        Some(new_id)
    }

    /// What shippers do now and then: one open load gets 5 % cheaper, another is posted again.
    pub fn market_moves(&self) {
        let open = self.open_load_ids();
        if open.is_empty() {
            return;
        }
        let (cheaper, again) = {
            let mut book = self.book();
            let n = open.len() as u64;
            (
                open[book.random.below(n) as usize],
                open[book.random.below(n) as usize],
            )
        };
        let price = self
            .book()
            .loads
            .iter()
            .find(|load| load.id == cheaper)
            .map(Load::shown_price_kopecks);
        if let Some(price) = price {
            self.reprice(cheaper, price * 95 / 100 / 100 * 100);
        }
        if again != cheaper {
            self.repost(again);
        }
    }

    /// The open loads' ids, newest first (for tests and benchmarks).
    pub fn open_load_ids(&self) -> Vec<u64> {
        let book = self.book();
        let mut loads: Vec<&Load> = book
            .loads
            .iter()
            .filter(|load| !book.taken.contains(&load.id))
            .collect();
        loads.sort_by_key(|load| std::cmp::Reverse((load.posted_at_seconds, load.id)));
        loads.into_iter().map(|load| load.id).collect()
    }
}

pub(super) async fn stats(State(exchange): State<Exchange>) -> Json<Stats> {
    Json(exchange.stats())
}

/// `POST /__sandbox/control` with any of: `revoke_tokens`, `latency_ms`, `rate_limit_per_minute`,
/// `throttle_seconds`,
/// `demand_sms`, `fail: {kind, count}`, `take: id`, `reset_stats`, `tick: {new, taken}`,
/// `add_point: {name, type}`, `post: {from, to, distance_km, weight_kg, price_kopecks, shipper_inn,
/// loading_in_hours}`, `reprice: {id, price_kopecks}`, `repost: id`.
#[derive(Deserialize)]
pub(super) struct Control {
    #[serde(default)]
    revoke_tokens: bool,
    latency_ms: Option<u64>,
    rate_limit_per_minute: Option<u32>,
    throttle_seconds: Option<u64>,
    demand_sms: Option<bool>,
    fail: Option<FailControl>,
    take: Option<u64>,
    #[serde(default)]
    reset_stats: bool,
    tick: Option<TickControl>,
    add_point: Option<PointControl>,
    post: Option<Posting>,
    reprice: Option<RepriceControl>,
    repost: Option<u64>,
}

#[derive(Deserialize)]
struct RepriceControl {
    id: u64,
    price_kopecks: u64,
}

#[derive(Deserialize)]
struct FailControl {
    kind: Failure,
    count: usize,
}

#[derive(Deserialize)]
struct PointControl {
    name: String,
    #[serde(rename = "type")]
    point_type: u8,
}

#[derive(Deserialize)]
struct TickControl {
    new: usize,
    taken: usize,
}

pub(super) async fn control(
    State(exchange): State<Exchange>,
    Json(control): Json<Control>,
) -> Json<Stats> {
    if control.revoke_tokens {
        exchange.revoke_tokens();
    }
    if let Some(ms) = control.latency_ms {
        exchange.set_latency(Duration::from_millis(ms));
    }
    if let Some(limit) = control.rate_limit_per_minute {
        exchange.set_rate_limit(limit);
    }
    if let Some(seconds) = control.throttle_seconds {
        exchange.throttle_for(Duration::from_secs(seconds));
    }
    if let Some(demand) = control.demand_sms {
        exchange.demand_sms(demand);
    }
    if let Some(fail) = control.fail {
        exchange.fail_next(fail.kind, fail.count);
    }
    if let Some(id) = control.take {
        exchange.take(id);
    }
    if control.reset_stats {
        exchange.reset_stats();
    }
    if let Some(tick) = control.tick {
        exchange.tick(tick.new, tick.taken);
    }
    if let Some(point) = control.add_point {
        exchange.add_point(&point.name, point.point_type);
    }
    if let Some(posting) = control.post {
        exchange.post(&posting);
    }
    if let Some(change) = control.reprice {
        exchange.reprice(change.id, change.price_kopecks);
    }
    if let Some(id) = control.repost {
        exchange.repost(id);
    }
    Json(exchange.stats())
}

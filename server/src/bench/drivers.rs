//! Simulated drivers: most on a few popular routes, a long tail on rare ones; each opens its list,
//! sometimes scrolls, sometimes opens a card, then thinks for a few seconds. A card or a list
//! Hauler answers `202` (on its way from a busy exchange) is asked again when told, as the Mini
//! App does, until it comes: the whole wait is the request's.

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use app::cargo::filter::{CargoFilter, PlaceFilter, WeightPreset, WeightVolume};
use server::cargotech::{Client, UpstreamError, UpstreamQuery};

pub enum Target {
    Hauler {
        base: Address,
        /// Each driver's session token, by driver number.
        sessions: Vec<String>,
    },
    /// Every driver with a cache of their own, calling the exchange directly.
    Naive { client: Client, token: Arc<str> },
}

/// Where Hauler answers: switched to a new instance mid-run (`--warm`), as a balancer moves
/// drivers to the instance a deploy started.
#[derive(Clone)]
pub struct Address(Arc<RwLock<Arc<str>>>);

impl Address {
    pub fn new(base: &str) -> Self {
        Self(Arc::new(RwLock::new(base.into())))
    }

    pub fn get(&self) -> Arc<str> {
        Arc::clone(&self.0.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn switch(&self, base: &str) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = base.into();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    List,
    Detail,
}

pub struct Outcome {
    pub kind: Kind,
    /// When the request was made, from the start of the run.
    pub at: Duration,
    pub latency: Duration,
    pub failure: Option<Failure>,
    /// What was asked: the question any design would have to put to the exchange.
    pub asked: Asked,
    /// For a card Hauler put in line: how long from its first `202` until it came.
    pub filled_after: Option<Duration>,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

/// A question as the exchange would be asked it: a list's filter and window of 100 loads (one
/// call answers five pages of twenty), or a card.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Asked {
    List { question: String, window: u32 },
    Card(u64),
}

/// Why a driver's request failed: Hauler's status and error code, or, with no HTTP answer
/// (always so for the baseline, which calls the exchange itself), what went wrong instead.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Failure {
    pub status: Option<u16>,
    pub code: String,
}

impl Failure {
    /// Hauler's answer when the upstream budget has no slot for the request in time.
    pub fn is_upstream_busy(&self) -> bool {
        self.status == Some(503) && self.code == "upstream_busy"
    }

    /// A driver turned away: any `503` or `429` Hauler answered.
    pub fn is_refusal(&self) -> bool {
        matches!(self.status, Some(503 | 429))
    }

    fn no_answer() -> Self {
        Self {
            status: None,
            code: "no_answer".to_owned(),
        }
    }

    async fn of(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        Self {
            status: Some(status),
            code: body["code"].as_str().unwrap_or("-").to_owned(),
        }
    }

    fn exchange(error: &UpstreamError) -> Self {
        let code = match error {
            UpstreamError::Throttled { .. } => "exchange_throttled",
            UpstreamError::Unavailable(_) => "exchange_unavailable",
            UpstreamError::Unauthorized => "exchange_unauthorized",
            UpstreamError::Malformed(_) => "exchange_malformed",
            _ => "exchange_error",
        };
        Self {
            status: None,
            code: code.to_owned(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{status} {}", self.code),
            None => f.write_str(&self.code),
        }
    }
}

/// xorshift64*: enough randomness for a driver's habits, and reproducible.
pub struct Habits(u64);

impl Habits {
    pub fn seeded(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Clone, PartialEq, Eq)]
struct Question {
    from: u32,
    to: Option<u32>,
    preset: Option<WeightPreset>,
}

impl Question {
    fn pick(habits: &mut Habits) -> Self {
        // Eight in ten drivers watch a popular city; the rest anywhere among the 48.
        let city = |habits: &mut Habits| {
            if habits.chance(80) {
                {
                    // Skewed towards the first few: Москва, Петербург, Казань.
                    let spread = habits.below(10) + 1;
                    1 + habits.below(spread) as u32
                }
            } else {
                1 + habits.below(48) as u32
            }
        };
        let from = city(habits);
        let to = habits
            .chance(30)
            .then(|| city(habits))
            .filter(|to| *to != from);
        let preset = habits
            .chance(15)
            .then(|| WeightPreset::ALL[habits.below(5) as usize]);
        Self { from, to, preset }
    }

    fn filter(&self) -> CargoFilter {
        let place = |city_id| PlaceFilter {
            city_id,
            point_type: 2,
            city_name: String::new(),
            radius_km: 0,
        };
        CargoFilter {
            from: Some(place(self.from)),
            to: self.to.map(place),
            weight_volume: self.preset.map(|preset| WeightVolume::Preset { preset }),
            ..Default::default()
        }
    }

    fn query_string(&self, offset: u32) -> String {
        format!("{}&limit=20&offset={offset}", self.key())
    }

    /// The filter alone, as a query string.
    fn key(&self) -> String {
        let mut query = format!("from_city_id={}", self.from);
        if let Some(to) = self.to {
            query.push_str(&format!("&to_city_id={to}"));
        }
        if let Some(preset) = self.preset {
            let name = serde_json::to_value(preset)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            query.push_str(&format!("&weight_preset={name}"));
        }
        query
    }
}

pub async fn wait_until_connected(base: &str) {
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(response) = http.get(format!("{base}/readyz")).send().await
            && let Ok(body) = response.json::<serde_json::Value>().await
            && body["checks"]["cargotech"]["state"] == "up"
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Hauler never connected to the sandbox exchange");
}

pub async fn run(drivers: usize, duration: Duration, target: Target) -> Vec<Outcome> {
    let target = Arc::new(target);
    // Connections are kept alive between a driver's rounds, as a phone's are (or a balancer's
    // pool to Hauler): none is closed while idle for less than 90 s. Keeping 256 and connecting
    // anew for the rest made each connect search for a free local port (the kernel's
    // `__inet_check_established`, 15 % of the machine's time in the first minute of 20,000),
    // time taken from the server under test.
    let http = reqwest::Client::new();
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(drivers);
    for driver in 0..drivers {
        let (target, http) = (Arc::clone(&target), http.clone());
        tasks.push(tokio::spawn(async move {
            drive(driver, start..deadline, &target, &http).await
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.extend(task.await.unwrap_or_default());
    }
    outcomes
}

async fn drive(
    driver: usize,
    run: std::ops::Range<Instant>,
    target: &Target,
    http: &reqwest::Client,
) -> Vec<Outcome> {
    let mut habits =
        Habits(0x9E37_79B9_7F4A_7C15 ^ (driver as u64 + 1).wrapping_mul(0x1000_0000_01B3));
    let mut outcomes = Vec::new();
    let mut naive_cache: HashMap<String, (Instant, Vec<u64>)> = HashMap::new();
    let mut question = Question::pick(&mut habits);
    // Drivers open the app at different moments.
    tokio::time::sleep(Duration::from_millis(habits.below(10_000))).await;
    while Instant::now() < run.end {
        let mut seen = Vec::new();
        for page in 0..3u32 {
            if page > 0 && !habits.chance(40) {
                break;
            }
            let started = Instant::now();
            let (ids, failure) =
                list(target, http, driver, &question, page * 20, &mut naive_cache).await;
            outcomes.push(Outcome {
                kind: Kind::List,
                at: started - run.start,
                latency: started.elapsed(),
                failure,
                asked: Asked::List {
                    question: question.key(),
                    window: page * 20 / 100,
                },
                filled_after: None,
            });
            seen.extend(ids);
        }
        if !seen.is_empty() && habits.chance(60) {
            let id = seen[habits.below(seen.len() as u64) as usize];
            let started = Instant::now();
            let (failure, filled_after) = detail(target, http, driver, id, &mut naive_cache).await;
            outcomes.push(Outcome {
                kind: Kind::Detail,
                at: started - run.start,
                latency: started.elapsed(),
                failure,
                asked: Asked::Card(id),
                filled_after,
            });
        }
        if habits.chance(10) {
            question = Question::pick(&mut habits);
        }
        tokio::time::sleep(Duration::from_millis(3000 + habits.below(7000))).await;
    }
    outcomes
}

const NAIVE_LIST_TTL: Duration = Duration::from_secs(300);
const NAIVE_DETAIL_TTL: Duration = Duration::from_secs(900);

/// The page's card ids, or why there is no page; a `202` is asked again when told.
async fn list(
    target: &Target,
    http: &reqwest::Client,
    driver: usize,
    question: &Question,
    offset: u32,
    cache: &mut HashMap<String, (Instant, Vec<u64>)>,
) -> (Vec<u64>, Option<Failure>) {
    match target {
        Target::Hauler { base, sessions } => loop {
            let url = format!(
                "{}/api/v1/cargos?{}",
                base.get(),
                question.query_string(offset)
            );
            match http.get(url).bearer_auth(&sessions[driver]).send().await {
                Ok(response) if response.status() == 202 => {
                    tokio::time::sleep(ask_again(&response)).await;
                }
                Ok(response) if response.status().is_success() => {
                    let page: Option<PageIds> = response.json().await.ok();
                    let ids = page.map(|page| page.cards.into_iter().map(|card| card.id));
                    return (ids.into_iter().flatten().collect(), None);
                }
                Ok(response) => return (Vec::new(), Some(Failure::of(response).await)),
                Err(_) => return (Vec::new(), Some(Failure::no_answer())),
            }
        },
        Target::Naive { client, token } => {
            let key = format!("list:{}", question.query_string(offset));
            if let Some((at, ids)) = cache.get(&key)
                && at.elapsed() < NAIVE_LIST_TTL
            {
                return (ids.clone(), None);
            }
            match client
                .list(token, &question.filter().upstream_query(20, offset))
                .await
            {
                Ok(answer) => {
                    let ids: Vec<u64> = answer.cards.iter().map(|card| card.id).collect();
                    cache.insert(key, (Instant::now(), ids.clone()));
                    (ids, None)
                }
                Err(error) => (Vec::new(), Some(Failure::exchange(&error))),
            }
        }
    }
}

/// Of a page of loads, what a driver goes on with: the cards' ids (the rest of the page is read
/// past, not kept).
#[derive(serde::Deserialize)]
struct PageIds {
    cards: Vec<CardId>,
}

#[derive(serde::Deserialize)]
struct CardId {
    id: u64,
}

/// How long a `202` said to wait before asking again (`Retry-After`, a second when absent).
fn ask_again(response: &reqwest::Response) -> Duration {
    let seconds = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok()?.parse().ok())
        .unwrap_or(1);
    Duration::from_secs(seconds)
}

/// A card that has been taken meanwhile (404) is an answer too, not a failure. A card in line
/// (`202`) is asked again after `Retry-After` (Hauler holds an ask for a card due within seconds
/// until it comes), as the Mini App does; with how long it took from the first `202`.
async fn detail(
    target: &Target,
    http: &reqwest::Client,
    driver: usize,
    id: u64,
    cache: &mut HashMap<String, (Instant, Vec<u64>)>,
) -> (Option<Failure>, Option<Duration>) {
    match target {
        Target::Hauler { base, sessions } => {
            let mut queued_at: Option<Instant> = None;
            loop {
                let request = http
                    .get(format!("{}/api/v1/cargos/{id}", base.get()))
                    .bearer_auth(&sessions[driver]);
                match request.send().await {
                    Ok(response) if response.status() == 202 => {
                        queued_at.get_or_insert_with(Instant::now);
                        tokio::time::sleep(ask_again(&response)).await;
                    }
                    Ok(response) if response.status().is_success() || response.status() == 404 => {
                        return (None, queued_at.map(|at| at.elapsed()));
                    }
                    Ok(response) => {
                        let waited = queued_at.map(|at| at.elapsed());
                        return (Some(Failure::of(response).await), waited);
                    }
                    Err(_) => {
                        return (Some(Failure::no_answer()), queued_at.map(|at| at.elapsed()));
                    }
                }
            }
        }
        Target::Naive { client, token } => {
            let key = format!("detail:{id}");
            if cache
                .get(&key)
                .is_some_and(|(at, _)| at.elapsed() < NAIVE_DETAIL_TTL)
            {
                return (None, None);
            }
            match client.detail(token, id).await {
                Ok(_) => {
                    cache.insert(key, (Instant::now(), Vec::new()));
                    (None, None)
                }
                Err(error) => (Some(Failure::exchange(&error)), None),
            }
        }
    }
}

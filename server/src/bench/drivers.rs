//! Simulated drivers: most on a few popular routes, a long tail on rare ones; each opens its list,
//! sometimes scrolls, sometimes opens a card, then thinks for a few seconds.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use app::cargo::filter::{CargoFilter, PlaceFilter, WeightPreset, WeightVolume};
use server::cargotech::Client;

pub enum Target {
    Hauler {
        base: String,
    },
    /// Every driver with a cache of their own, calling the exchange directly.
    Naive {
        client: Client,
        token: Arc<str>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    List,
    Detail,
}

pub struct Outcome {
    pub kind: Kind,
    pub latency: Duration,
    pub ok: bool,
}

/// xorshift64*: enough randomness for a driver's habits, and reproducible.
struct Habits(u64);

impl Habits {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn below(&mut self, n: u64) -> u64 {
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
        let mut query = format!("from_city_id={}&limit=20&offset={offset}", self.from);
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
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("an HTTP client");
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::with_capacity(drivers);
    for driver in 0..drivers {
        let (target, http) = (Arc::clone(&target), http.clone());
        tasks.push(tokio::spawn(async move {
            drive(driver as u64, deadline, &target, &http).await
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.extend(task.await.unwrap_or_default());
    }
    outcomes
}

async fn drive(
    driver: u64,
    deadline: Instant,
    target: &Target,
    http: &reqwest::Client,
) -> Vec<Outcome> {
    let mut habits = Habits(0x9E37_79B9_7F4A_7C15 ^ (driver + 1).wrapping_mul(0x1000_0000_01B3));
    let mut outcomes = Vec::new();
    let mut naive_cache: HashMap<String, (Instant, Vec<u64>)> = HashMap::new();
    let mut question = Question::pick(&mut habits);
    // Drivers open the app at different moments.
    tokio::time::sleep(Duration::from_millis(habits.below(10_000))).await;
    while Instant::now() < deadline {
        let mut seen = Vec::new();
        for page in 0..3u32 {
            if page > 0 && !habits.chance(40) {
                break;
            }
            let started = Instant::now();
            let (ok, ids) = list(target, http, &question, page * 20, &mut naive_cache).await;
            outcomes.push(Outcome {
                kind: Kind::List,
                latency: started.elapsed(),
                ok,
            });
            seen.extend(ids);
        }
        if !seen.is_empty() && habits.chance(60) {
            let id = seen[habits.below(seen.len() as u64) as usize];
            let started = Instant::now();
            let ok = detail(target, http, id, &mut naive_cache).await;
            outcomes.push(Outcome {
                kind: Kind::Detail,
                latency: started.elapsed(),
                ok,
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

async fn list(
    target: &Target,
    http: &reqwest::Client,
    question: &Question,
    offset: u32,
    cache: &mut HashMap<String, (Instant, Vec<u64>)>,
) -> (bool, Vec<u64>) {
    match target {
        Target::Hauler { base } => {
            let url = format!("{base}/api/v1/cargos?{}", question.query_string(offset));
            match http.get(url).send().await {
                Ok(response) if response.status().is_success() => {
                    let page: serde_json::Value = response.json().await.unwrap_or_default();
                    let ids = page["cards"]
                        .as_array()
                        .map(|cards| cards.iter().filter_map(|c| c["id"].as_u64()).collect());
                    (true, ids.unwrap_or_default())
                }
                _ => (false, Vec::new()),
            }
        }
        Target::Naive { client, token } => {
            let key = format!("list:{}", question.query_string(offset));
            if let Some((at, ids)) = cache.get(&key)
                && at.elapsed() < NAIVE_LIST_TTL
            {
                return (true, ids.clone());
            }
            match client
                .list(token, &question.filter().upstream_query(20, offset))
                .await
            {
                Ok(answer) => {
                    let ids: Vec<u64> = answer.cards.iter().map(|card| card.id).collect();
                    cache.insert(key, (Instant::now(), ids.clone()));
                    (true, ids)
                }
                Err(_) => (false, Vec::new()),
            }
        }
    }
}

async fn detail(
    target: &Target,
    http: &reqwest::Client,
    id: u64,
    cache: &mut HashMap<String, (Instant, Vec<u64>)>,
) -> bool {
    match target {
        Target::Hauler { base } => http
            .get(format!("{base}/api/v1/cargos/{id}"))
            .send()
            .await
            .is_ok_and(|response| response.status().is_success() || response.status() == 404),
        Target::Naive { client, token } => {
            let key = format!("detail:{id}");
            if cache
                .get(&key)
                .is_some_and(|(at, _)| at.elapsed() < NAIVE_DETAIL_TTL)
            {
                return true;
            }
            let ok = client.detail(token, id).await.is_ok();
            if ok {
                cache.insert(key, (Instant::now(), Vec::new()));
            }
            ok
        }
    }
}

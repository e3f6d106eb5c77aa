//! `hauler-bench --places`: what the searches by place cost the exchange, against what the
//! ordinary lists of the same cities cost. All the drivers at once ask loads near a city, a load
//! back home or loads along a route (a third each, between cities drawn as the ordinary bench
//! draws them) and page to the end of the answer, through one Hauler; then, through a second
//! Hauler with an empty cache on the same exchange, the ordinary list of every city those searches
//! looked in is paged to its end. The searches read the lists' own windows (`geo::search`), so
//! they should cost the exchange no more list calls than those lists: `places_vs_lists=` at most
//! 1.00; the same searches asked again at once should cost none. Prints a table and one `bench:
//! key=value …` line.

use std::{
    collections::{BTreeSet, HashMap},
    time::{Duration, Instant},
};

use futures_util::{StreamExt, stream};
use serde_json::Value;

use super::{
    drivers::{self, Habits},
    machine::Machine,
    percentiles::Percentiles,
    serve_exchange,
    server_process::ServerProcess,
    sign_in::{self, SignedIn},
};

/// The sandbox exchange's cities: ids 1 to 48.
const CITIES: u64 = 48;
/// Each page asks this many loads: an exchange window's worth.
const PAGE: usize = 100;
/// Ordinary lists paged at once in the second half.
const LISTS_AT_ONCE: usize = 16;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Near,
    BackHome,
    Along,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Near, Kind::BackHome, Kind::Along];

    fn name(self) -> &'static str {
        match self {
            Kind::Near => "near a city",
            Kind::BackHome => "back home",
            Kind::Along => "along a route",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Kind::Near => "near",
            Kind::BackHome => "back_home",
            Kind::Along => "along",
        }
    }

    /// The driver's question: a path without its page.
    fn question(self, habits: &mut Habits) -> String {
        let city = |habits: &mut Habits| 1 + habits.below(CITIES);
        let (a, b) = (city(habits), city(habits));
        match self {
            Kind::Near => {
                let radius = [100, 200, 300][habits.below(3) as usize];
                format!("/api/v1/cargos/near?city_id={a}&radius_km={radius}")
            }
            Kind::BackHome => {
                format!("/api/v1/cargos/back-home?from_city_id={a}&origin_city_id={b}")
            }
            Kind::Along => format!("/api/v1/cargos/along?from_city_id={a}&to_city_id={b}"),
        }
    }
}

/// One driver's search, paged to its end.
struct Searched {
    kind: Kind,
    outcome: Outcome,
}

enum Outcome {
    Found {
        cities: Vec<u64>,
        loads: u64,
        first_page: Duration,
        whole: Duration,
    },
    /// A city the gazetteer cannot place (422 `place_not_located`): the driver is told so.
    Unplaced,
    Failed(String),
}

pub async fn run(drivers: usize) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let exchange_machine = Machine::new("exchange", 1);
    let (address, exchange) = serve_exchange(&exchange_machine, Vec::new()).await;
    let exchange_url = format!("http://{address}");

    let (searching, searchers, _searching_data) = hauler(&exchange_url, drivers).await;
    exchange.reset_stats();
    let started = Instant::now();
    let searched = search_all(&searching.base, &searchers).await;
    let searches_took = started.elapsed();
    let places_lists = exchange.stats().lists;
    // The same searches again, a moment later: the cache answers them all.
    let again = search_all(&searching.base, &searchers).await;
    let again_lists = exchange.stats().lists - places_lists;
    let again_failed = again
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Failed(_)))
        .count();
    searching.stop().await;

    let cities: BTreeSet<u64> = searched
        .iter()
        .filter_map(|s| match &s.outcome {
            Outcome::Found { cities, .. } => Some(cities.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    let (listing, listers, _listing_data) =
        hauler(&exchange_url, LISTS_AT_ONCE.min(cities.len()).max(1)).await;
    exchange.reset_stats();
    let listed: Vec<Result<u64, String>> = stream::iter(cities.iter().enumerate())
        .map(|(n, city)| {
            let driver = &listers[n % listers.len()];
            list_to_the_end(&listing.base, driver, *city)
        })
        .buffer_unordered(LISTS_AT_ONCE)
        .collect()
        .await;
    let ordinary_lists = exchange.stats().lists;
    listing.stop().await;
    let lists_failed = listed.iter().filter(|l| l.is_err()).count();
    if let Some(Err(problem)) = listed.iter().find(|l| l.is_err()) {
        println!("  an ordinary list failed: {problem}");
    }

    report(
        drivers,
        &searched,
        searches_took,
        cities.len(),
        Calls {
            places: places_lists,
            again: again_lists,
            again_failed,
            ordinary: ordinary_lists,
            ordinary_failed: lists_failed,
        },
    );
}

/// The exchange's list calls in each half.
struct Calls {
    places: u64,
    /// The same searches asked again at once.
    again: u64,
    again_failed: usize,
    ordinary: u64,
    ordinary_failed: usize,
}

/// A Hauler process of its own on the exchange, its points dictionary loaded, and `drivers`
/// drivers signed in with the trial; its data folder, which goes when dropped.
async fn hauler(
    exchange_url: &str,
    drivers: usize,
) -> (ServerProcess, Vec<SignedIn>, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("a temporary folder");
    let vars: HashMap<String, String> = [
        ("LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("DATA_DIR", data.path().display().to_string()),
        ("CARGOTECH_BASE_URL", exchange_url.to_owned()),
        ("RUST_LOG", "error".to_owned()),
        ("TRUSTED_PROXIES", "127.0.0.1".to_owned()),
        // What the searches cost is measured, not each driver's share of the budget.
        ("FAIR_SHARE_FLOOR_PER_MINUTE", "100000".to_owned()),
        ("FAIR_SHARE_CEILING_PER_MINUTE", "100000".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let server = ServerProcess::hauler(&vars).await;
    drivers::wait_until_connected(&server.base).await;
    let signed_in = sign_in::sign_in_all(&server.base, drivers).await;
    wait_for_the_points(&server.base, &signed_in[0]).await;
    (server, signed_in, data)
}

/// The searches answer 503 `cities_not_loaded` until the points dictionary is read at start.
async fn wait_for_the_points(base: &str, driver: &SignedIn) {
    let http = reqwest::Client::new();
    for _ in 0..300 {
        let (status, body) = get(
            &http,
            base,
            driver,
            "/api/v1/cargos/near?city_id=1&radius_km=10&limit=1",
        )
        .await;
        if status == 200 && body["code"] != "cities_not_loaded" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Hauler never loaded the points dictionary");
}

async fn get(http: &reqwest::Client, base: &str, driver: &SignedIn, path: &str) -> (u16, Value) {
    match http
        .get(format!("{base}{path}"))
        .bearer_auth(&driver.token)
        .header(
            "x-forwarded-for",
            sign_in::address(driver.telegram_id as usize),
        )
        .send()
        .await
    {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        Err(error) => (0, Value::String(error.to_string())),
    }
}

/// Every driver's search, all at once, each paged to its end.
async fn search_all(base: &str, drivers: &[SignedIn]) -> Vec<Searched> {
    stream::iter(drivers.iter().enumerate())
        .map(|(n, driver)| {
            let kind = Kind::ALL[n % Kind::ALL.len()];
            let question = kind.question(&mut Habits::seeded(0x9e37_79b9 + n as u64));
            search(base, driver, kind, question)
        })
        .buffer_unordered(drivers.len().max(1))
        .collect()
        .await
}

/// Every page of a search, as a driver scrolling to its end asks them.
async fn search(base: &str, driver: &SignedIn, kind: Kind, question: String) -> Searched {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut first_page = None;
    let mut seen = 0u64;
    loop {
        let path = format!("{question}&offset={seen}&limit={PAGE}");
        let (status, body) = get(&http, base, driver, &path).await;
        let outcome = match (status, body["code"].as_str()) {
            (200, _) => None,
            (422, Some("place_not_located")) => Some(Outcome::Unplaced),
            _ => Some(Outcome::Failed(format!("{path}: {status} {body}"))),
        };
        if let Some(outcome) = outcome {
            return Searched { kind, outcome };
        }
        let first = *first_page.get_or_insert(started.elapsed());
        let cards = body["cards"].as_array().map_or(0, Vec::len) as u64;
        let total = body["total"].as_u64().unwrap_or(0);
        seen += cards;
        if seen >= total || cards == 0 {
            let cities = body["cities"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["city"]["id"].as_u64())
                .collect();
            return Searched {
                kind,
                outcome: Outcome::Found {
                    cities,
                    loads: total,
                    first_page: first,
                    whole: started.elapsed(),
                },
            };
        }
    }
}

/// A city's ordinary list, paged to its end; how many loads it held.
async fn list_to_the_end(base: &str, driver: &SignedIn, city: u64) -> Result<u64, String> {
    let http = reqwest::Client::new();
    let mut seen = 0u64;
    loop {
        let path = format!("/api/v1/cargos?from_city_id={city}&offset={seen}&limit={PAGE}");
        let (status, body) = get(&http, base, driver, &path).await;
        if status != 200 {
            return Err(format!("{path}: {status} {body}"));
        }
        let cards = body["cards"].as_array().map_or(0, Vec::len) as u64;
        seen += cards;
        if seen >= body["total"].as_u64().unwrap_or(0) || cards == 0 {
            return Ok(seen);
        }
    }
}

fn report(drivers: usize, searched: &[Searched], took: Duration, cities: usize, calls: Calls) {
    println!(
        "searches by place: {drivers} drivers at once, each paging to the end of its answer ({:.1} s)",
        took.as_secs_f64()
    );
    let mut line = format!("bench: places_drivers={drivers}");
    let mut firsts_all = Vec::new();
    for kind in Kind::ALL {
        let of_kind: Vec<&Searched> = searched.iter().filter(|s| s.kind == kind).collect();
        let mut firsts = Vec::new();
        let mut wholes = Vec::new();
        let mut loads = Vec::new();
        let (mut unplaced, mut failed) = (0, 0);
        for s in &of_kind {
            match &s.outcome {
                Outcome::Found {
                    loads: found,
                    first_page,
                    whole,
                    ..
                } => {
                    firsts.push(*first_page);
                    wholes.push(*whole);
                    loads.push(*found);
                }
                Outcome::Unplaced => unplaced += 1,
                Outcome::Failed(problem) => {
                    if failed == 0 {
                        println!("  a search failed: {problem}");
                    }
                    failed += 1;
                }
            }
        }
        firsts_all.extend(firsts.iter().copied());
        let found = firsts.len();
        let (first, whole) = (Percentiles::of(firsts), Percentiles::of(wholes));
        loads.sort_unstable();
        let loads_p50 = loads.get(loads.len() / 2).copied().unwrap_or(0);
        println!(
            "  {:<14} {found:>5} answered ({unplaced} unplaced, {failed} failed), loads p50 {loads_p50:>4}, \
             first page p50 {:7.1} ms p95 {:7.1} ms, to the end p95 {:7.1} ms",
            kind.name(),
            first.p50,
            first.p95,
            whole.p95,
        );
        line.push_str(&format!(
            " {k}_searches={found} {k}_unplaced={unplaced} {k}_failed={failed} \
             {k}_first_page_p50_ms={:.1} {k}_first_page_p95_ms={:.1}",
            first.p50,
            first.p95,
            k = kind.key(),
        ));
    }
    let ratio = calls.places as f64 / (calls.ordinary.max(1)) as f64;
    println!(
        "  the exchange's list calls: {} for the searches, {} for the ordinary lists of the same \
         {cities} cities paged to their ends ({} failed): {ratio:.2}×; {} for the same searches again \
         ({} failed)",
        calls.places, calls.ordinary, calls.ordinary_failed, calls.again, calls.again_failed,
    );
    let all = Percentiles::of(firsts_all);
    println!(
        "{line} places_first_page_p50_ms={:.1} places_first_page_p95_ms={:.1} places_cities={cities} \
         places_upstream_lists={} ordinary_upstream_lists={} ordinary_lists_failed={} \
         places_vs_lists={ratio:.2} places_again_upstream_lists={} places_again_failed={}",
        all.p50,
        all.p95,
        calls.places,
        calls.ordinary,
        calls.ordinary_failed,
        calls.again,
        calls.again_failed,
    );
}

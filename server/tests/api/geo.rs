//! Search by place over HTTP, against the sandbox exchange: loads near the driver, a load back
//! home, loads along the way. The expected answers are worked out by hand from the gazetteer's
//! coordinates (GeoNames) and from the ordinary lists of the same cities, which the searches
//! must match load for load — and cost no more calls to the exchange than.
//!
//! Great-circle figures used below (km): Тверь–Москва 162.3; Москва–Санкт-Петербург 634.5 with
//! Тверь 0.5 km off that path and Великий Новгород 74.5 km off; a load Москва→Великий Новгород
//! or Великий Новгород→Санкт-Петербург adds 23.25 km to the trip, Тверь→Великий Новгород 25.93,
//! and Москва→Тверь, Тверь→Санкт-Петербург, Москва→Санкт-Петербург nothing.

use std::{collections::HashSet, time::Duration};

use reqwest::Method;
use serde_json::{Value, json};
use server::sandbox::cargotech::Exchange;

use crate::support::{TestApp, app_with_exchange, backends};

// The sandbox's points dictionary: a city's id is its place in the catalog plus one.
const MOSCOW: u32 = 1;
const PETERSBURG: u32 = 2;
const KAZAN: u32 = 3;
const TVER: u32 = 19;
const NOVGOROD: u32 = 38;

/// Тверь, as GeoNames places it.
const AT_TVER: (f64, f64) = (56.8584, 35.9006);

fn driver(language: &str) -> Value {
    json!({"id": 730_001, "first_name": "Григорий", "language_code": language})
}

async fn app(
    test: &str,
    backend: (crate::support::Db, crate::support::Store),
) -> (Exchange, TestApp) {
    let share = [
        ("FAIR_SHARE_FLOOR_PER_MINUTE", "100000"),
        ("FAIR_SHARE_CEILING_PER_MINUTE", "100000"),
    ];
    let (exchange, mut app) = app_with_exchange(test, backend, &share).await;
    app.sign_in_as(driver("ru")).await;
    (exchange, app)
}

/// The answer once the points dictionary has loaded (it is read when the server starts).
async fn answer(app: &TestApp, path: &str) -> (u16, Value) {
    for _ in 0..100 {
        let (status, body) = app.call(Method::GET, path, None).await;
        if body["code"] != "cities_not_loaded" {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the points dictionary never loaded");
}

async fn page(app: &TestApp, path: &str) -> Value {
    let (status, body) = answer(app, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Every load of a city's ordinary list, as a driver filtering by it and scrolling to its end
/// sees them, in pages of 100 (each the exchange's window).
async fn ordinary_list(app: &TestApp, city: u32) -> Vec<Value> {
    let mut cards: Vec<Value> = Vec::new();
    loop {
        let list = page(
            app,
            &format!(
                "/api/v1/cargos?from_city_id={city}&limit=100&offset={}",
                cards.len()
            ),
        )
        .await;
        cards.extend(list["cards"].as_array().unwrap().iter().cloned());
        if cards.len() as u64 >= list["total"].as_u64().unwrap() {
            return cards;
        }
    }
}

/// The exchange's windows of 100 that hold these loads.
fn windows(loads: &[Value]) -> u64 {
    (loads.len() as u64).div_ceil(100)
}

fn ids(cards: &[Value]) -> Vec<u64> {
    cards
        .iter()
        .map(|card| card["id"].as_u64().unwrap())
        .collect()
}

/// Every placed card of a search, page after page of 30.
async fn every_card(app: &TestApp, path: &str) -> (Value, Vec<Value>) {
    let first = page(app, &format!("{path}&offset=0&limit=30")).await;
    let total = first["total"].as_u64().unwrap();
    let mut cards = first["cards"].as_array().unwrap().clone();
    while (cards.len() as u64) < total {
        let next = page(app, &format!("{path}&offset={}&limit=30", cards.len())).await;
        let more = next["cards"].as_array().unwrap();
        assert!(!more.is_empty(), "{path}: a page short of the total");
        cards.extend(more.iter().cloned());
    }
    (first, cards)
}

fn city_names(page: &Value) -> Vec<(String, u64)> {
    page["cities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["city"]["name"].as_str().unwrap().to_owned(),
                c["km"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_driver_in_tver_sees_tvers_loads_then_moscows_for_the_price_of_the_two_lists() {
    for backend in backends() {
        let (exchange, app) = app("geo_near", backend).await;
        answer(&app, "/api/v1/cities?q=Тв").await;
        exchange.reset_stats();

        let near = format!(
            "/api/v1/cargos/near?lat={}&lon={}&radius_km=200",
            AT_TVER.0, AT_TVER.1
        );
        let (first, cards) = every_card(&app, &near).await;
        assert_eq!(
            city_names(&first),
            [("Тверь".to_owned(), 0), ("Москва".to_owned(), 162)]
        );
        let searched = exchange.stats().lists;

        let tver = ordinary_list(&app, TVER).await;
        let moscow = ordinary_list(&app, MOSCOW).await;
        assert!(moscow.len() > 100, "Москва's loads fill more than a window");
        assert_eq!(
            (searched, exchange.stats().lists),
            (windows(&tver) + windows(&moscow), searched),
            "every window of each city, which the ordinary lists then read from the cache"
        );
        let expected: Vec<u64> = ids(&tver).into_iter().chain(ids(&moscow)).collect();
        let placed: Vec<u64> = cards
            .iter()
            .map(|c| c["card"]["id"].as_u64().unwrap())
            .collect();
        assert_eq!(
            placed, expected,
            "Тверь's loads first, then Москва's, as listed"
        );
        let distances: Vec<u64> = cards
            .iter()
            .map(|c| c["pickup_km"].as_u64().unwrap())
            .collect();
        assert_eq!(
            distances,
            [vec![0; tver.len()], vec![162; moscow.len()]].concat()
        );
        assert!(cards.iter().all(|c| c["detour_km"].is_null()));

        // A driver who would not say where they are picks Тверь instead: the same answer.
        let (by_city, same) = every_card(
            &app,
            &format!("/api/v1/cargos/near?city_id={TVER}&radius_km=200"),
        )
        .await;
        let placed_ids = |cards: &[Value]| -> Vec<u64> {
            cards
                .iter()
                .map(|c| c["card"]["id"].as_u64().unwrap())
                .collect()
        };
        assert_eq!(
            (city_names(&by_city), placed_ids(&same)),
            (city_names(&first), placed_ids(&cards))
        );

        // A smaller radius reaches Тверь alone; a search the other way round costs nothing new.
        let (first, cards) = every_card(
            &app,
            &format!(
                "/api/v1/cargos/near?lat={}&lon={}&radius_km=100",
                AT_TVER.0, AT_TVER.1
            ),
        )
        .await;
        assert_eq!(city_names(&first), [("Тверь".to_owned(), 0)]);
        assert_eq!(cards.len(), tver.len());
        assert_eq!(exchange.stats().lists, searched);
    }
}

#[tokio::test]
async fn a_search_nowhere_near_a_city_is_empty_and_bad_coordinates_are_refused_in_english_too() {
    for backend in backends() {
        let (exchange, mut app) = app("geo_near_refusals", backend).await;
        answer(&app, "/api/v1/cities?q=Тв").await;
        exchange.reset_stats();
        // The Barents Sea: no city within 300 km, so nothing to ask the exchange.
        let empty = page(&app, "/api/v1/cargos/near?lat=74.0&lon=40.0&radius_km=300").await;
        assert_eq!(
            (
                empty["total"].as_u64(),
                empty["cities"].as_array().unwrap().len()
            ),
            (Some(0), 0)
        );
        assert_eq!(exchange.stats().lists, 0);

        for bad in [
            "/api/v1/cargos/near?lat=91&lon=37&radius_km=100",
            "/api/v1/cargos/near?lat=55&lon=37&radius_km=5",
            "/api/v1/cargos/near?lat=55&lon=37&radius_km=501",
            "/api/v1/cargos/along?from_city_id=1&to_city_id=2&corridor_km=9",
        ] {
            let (status, refusal) = answer(&app, bad).await;
            assert_eq!(
                (status, refusal["code"].as_str()),
                (422, Some("invalid_place")),
                "{bad}"
            );
            assert!(
                refusal["message"].as_str().unwrap().contains("радиус"),
                "{refusal}"
            );
        }
        let (status, _) = answer(&app, "/api/v1/cargos/near?lat=55&lon=37").await;
        assert_eq!(status, 400, "the radius is required");

        app.sign_in_as(driver("en")).await;
        let request = app
            .authorize(
                app.client
                    .get(app.url("/api/v1/cargos/near?lat=91&lon=37&radius_km=100")),
            )
            .header("accept-language", "en");
        let refusal: Value = request.send().await.unwrap().json().await.unwrap();
        assert_eq!(refusal["code"], "invalid_place");
        assert!(
            refusal["message"]
                .as_str()
                .unwrap()
                .starts_with("Coordinates or radius")
        );
    }
}

/// The day (`YYYY-MM-DD`) a card loads.
fn day(card: &Value) -> Option<&str> {
    card["loading_at"].as_str().and_then(|at| at.get(..10))
}

#[tokio::test]
async fn back_home_lists_loads_from_the_unloading_city_towards_the_origin_or_the_home_city() {
    for backend in backends() {
        let (exchange, app) = app("geo_back_home", backend).await;
        let moscow = ordinary_list(&app, MOSCOW).await;
        exchange.reset_stats();

        // A delivery Казань → Москва. With no home city set, loads go back to Казань; the
        // cities within 100 km of Москва are Москва alone (Калуга is 160.6 km away).
        let to_kazan: Vec<&Value> = moscow.iter().filter(|c| c["to_city_id"] == KAZAN).collect();
        let mut days: Vec<&str> = to_kazan.iter().filter_map(|c| day(c)).collect();
        days.sort_unstable();
        assert!(
            days.len() >= 3,
            "the sandbox has loads Москва → Казань: {days:?}"
        );
        let unloaded = days[days.len() / 2];
        let expected: Vec<u64> = to_kazan
            .iter()
            .filter(|c| day(c).is_some_and(|d| d >= unloaded))
            .map(|c| c["id"].as_u64().unwrap())
            .collect();
        assert!(
            expected.len() < to_kazan.len(),
            "some load before the unloading day"
        );

        let path = format!(
            "/api/v1/cargos/back-home?from_city_id={MOSCOW}&origin_city_id={KAZAN}&loading_from={unloaded}&radius_km=100"
        );
        let (first, cards) = every_card(&app, &path).await;
        assert_eq!(first["toward"]["name"], "Казань");
        assert_eq!(city_names(&first), [("Москва".to_owned(), 0)]);
        let found: HashSet<u64> = cards
            .iter()
            .map(|c| c["card"]["id"].as_u64().unwrap())
            .collect();
        assert_eq!(found, expected.iter().copied().collect::<HashSet<u64>>());
        assert_eq!(
            exchange.stats().lists,
            0,
            "Москва's loads were cached by its list"
        );

        // The driver lives in Тверь: the loads now go there, whatever the origin.
        let home = json!({"language": null, "home_city": {"city_id": TVER, "name": "Тверь"},
            "truck_type": null, "capacity": null, "notifications": true,
            "quiet_hours": null, "utc_offset_minutes": 180});
        assert_eq!(
            app.call(Method::PUT, "/api/v1/me/profile", Some(home))
                .await
                .0,
            200
        );
        let (first, cards) = every_card(&app, &path).await;
        assert_eq!(first["toward"]["name"], "Тверь");
        let expected: HashSet<u64> = moscow
            .iter()
            .filter(|c| c["to_city_id"] == TVER && day(c).is_some_and(|d| d >= unloaded))
            .map(|c| c["id"].as_u64().unwrap())
            .collect();
        let found: HashSet<u64> = cards
            .iter()
            .map(|c| c["card"]["id"].as_u64().unwrap())
            .collect();
        assert_eq!(found, expected);

        // Within 200 km of Москва: Калуга 161, Тверь 162, Тула 173, Владимир 178, Рязань 182 —
        // searched nearest first, each city's loads that end within 200 km of Тверь.
        let wide = format!(
            "/api/v1/cargos/back-home?from_city_id={MOSCOW}&origin_city_id={KAZAN}&radius_km=200"
        );
        let (first, cards) = every_card(&app, &wide).await;
        assert_eq!(
            city_names(&first),
            [
                ("Москва", 0),
                ("Калуга", 161),
                ("Тверь", 162),
                ("Тула", 173),
                ("Владимир", 178),
                ("Рязань", 182)
            ]
            .map(|(name, km)| (name.to_owned(), km))
        );
        let pickups: Vec<u64> = cards
            .iter()
            .map(|c| c["pickup_km"].as_u64().unwrap())
            .collect();
        assert!(
            pickups.is_sorted(),
            "nearest the unloading city first: {pickups:?}"
        );
        // Within 200 km of Тверь among the sandbox's cities: Тверь, Москва (162).
        assert!(
            cards
                .iter()
                .all(|c| [TVER, MOSCOW]
                    .contains(&(c["card"]["to_city_id"].as_u64().unwrap() as u32)))
        );
        assert!(
            cards.iter().any(|c| c["card"]["to_city_id"] == MOSCOW),
            "Калуга → Москва and the like"
        );

        let (status, refusal) = answer(
            &app,
            "/api/v1/cargos/back-home?from_city_id=1&origin_city_id=3&loading_from=05.12.2026",
        )
        .await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (400, Some("invalid_query"))
        );
    }
}

#[tokio::test]
async fn loads_along_moscow_to_petersburg_come_fewest_kilometres_of_detour_first() {
    for backend in backends() {
        let (exchange, app) = app("geo_along", backend).await;
        answer(&app, "/api/v1/cities?q=Тв").await;
        exchange.reset_stats();

        let path = format!(
            "/api/v1/cargos/along?from_city_id={MOSCOW}&to_city_id={PETERSBURG}&corridor_km=80"
        );
        let (first, cards) = every_card(&app, &path).await;
        assert_eq!(
            city_names(&first),
            [
                ("Москва", 0),
                ("Тверь", 162),
                ("Великий Новгород", 491),
                ("Санкт-Петербург", 635)
            ]
            .map(|(name, km)| (name.to_owned(), km))
        );
        let searched = exchange.stats().lists;

        // By hand: each city's ordinary list, loads ending further along the way.
        let on_the_way = [MOSCOW, TVER, NOVGOROD, PETERSBURG];
        let mut expected = Vec::new();
        let mut every_window = 0;
        for (place, city) in on_the_way.iter().enumerate() {
            let list = ordinary_list(&app, *city).await;
            every_window += windows(&list);
            for card in list {
                let further = &on_the_way[place + 1..];
                if let Some(to) = card["to_city_id"].as_u64()
                    && further.contains(&(to as u32))
                {
                    let detour = match (*city, to as u32) {
                        (MOSCOW, NOVGOROD) | (NOVGOROD, PETERSBURG) => 23,
                        (TVER, NOVGOROD) => 26,
                        _ => 0,
                    };
                    expected.push((card["id"].as_u64().unwrap(), detour));
                }
            }
        }
        assert_eq!(
            (searched, exchange.stats().lists),
            (every_window, searched),
            "every window of each city on the way, which the ordinary lists then read from the cache"
        );
        let found: Vec<(u64, u64)> = cards
            .iter()
            .map(|c| {
                (
                    c["card"]["id"].as_u64().unwrap(),
                    c["detour_km"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            found.iter().copied().collect::<HashSet<_>>(),
            expected.iter().copied().collect::<HashSet<_>>()
        );
        let detours: Vec<u64> = found.iter().map(|(_, detour)| *detour).collect();
        assert!(
            detours.is_sorted(),
            "fewest km of detour first: {detours:?}"
        );
        assert!(detours.contains(&0) && detours.contains(&23), "{detours:?}");

        // Sorted by price instead: over every load found, page after page of 30; ties keep the
        // fewest km of detour first.
        let (_, by_price) = every_card(&app, &format!("{path}&sort=price")).await;
        let mut expected = cards.clone();
        expected.sort_by_key(|c| std::cmp::Reverse(c["card"]["price_kopecks"].as_u64()));
        let id_of = |c: &Value| c["card"]["id"].as_u64().unwrap();
        assert_eq!(
            by_price.iter().map(id_of).collect::<Vec<_>>(),
            expected.iter().map(id_of).collect::<Vec<_>>()
        );
        assert_eq!(
            exchange.stats().lists,
            searched,
            "sorting costs nothing new"
        );

        // A narrower corridor leaves Великий Новгород (74.5 km off the way) out.
        let (first, _) = every_card(
            &app,
            &format!(
                "/api/v1/cargos/along?from_city_id={MOSCOW}&to_city_id={PETERSBURG}&corridor_km=50"
            ),
        )
        .await;
        assert_eq!(first["cities"].as_array().unwrap().len(), 3);
    }
}

//! How fresh a driver's loads are, against the sandbox exchange: each card's age from the
//! exchange's own posting time, a card the exchange took said so at once (even when its detail
//! is held), and the loads gone from a list since the driver last looked at it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use server::sandbox::cargotech::{Exchange, Posting};

use crate::support::{TestApp, app_with_exchange, backends};

const MOSCOW: u32 = 1;
const KAZAN: u32 = 3;

async fn app(
    test: &str,
    backend: (crate::support::Db, crate::support::Store),
    extra: &[(&'static str, &str)],
) -> (Exchange, TestApp) {
    let mut vars = vec![
        ("FAIR_SHARE_FLOOR_PER_MINUTE", "100000"),
        ("FAIR_SHARE_CEILING_PER_MINUTE", "100000"),
    ];
    vars.extend_from_slice(extra);
    let (exchange, mut app) = app_with_exchange(test, backend, &vars).await;
    app.sign_in_as(json!({"id": 750_001, "first_name": "Инна", "language_code": "ru"}))
        .await;
    (exchange, app)
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    app.call(Method::GET, path, None).await
}

async fn page(app: &TestApp, path: &str) -> Value {
    let (status, body) = get(app, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn cards(page: &Value) -> Vec<Value> {
    page["cards"].as_array().unwrap().clone()
}

fn id(card: &Value) -> u64 {
    card["id"].as_u64().unwrap()
}

/// A shipper posts a load from `from` now.
fn post(exchange: &Exchange, from: &str, hours: u32) -> u64 {
    exchange
        .post(&Posting {
            from: from.into(),
            to: "Самара".into(),
            distance_km: 800,
            weight_kg: 10_000,
            price_kopecks: 6_000_000,
            shipper_inn: "7707083893".into(),
            loading_in_hours: hours,
        })
        .expect("the catalog knows the cities and the shipper")
}

/// How old the card is by its own `posted_at`, seconds, now.
fn age_by_posting(card: &Value) -> i64 {
    let posted: DateTime<Utc> = DateTime::parse_from_rfc3339(card["posted_at"].as_str().unwrap())
        .unwrap()
        .to_utc();
    (Utc::now() - posted).num_seconds()
}

#[tokio::test]
async fn every_card_tells_its_age_from_the_exchanges_posting_time() {
    for backend in backends() {
        let (exchange, app) = app("freshness_age", backend, &[]).await;
        let posted = post(&exchange, "Казань", 30);
        let list = page(
            &app,
            &format!("/api/v1/cargos?from_city_id={KAZAN}&limit=100"),
        )
        .await;
        let cards = cards(&list);
        assert_eq!(id(&cards[0]), posted, "the newest first");
        assert!(
            cards[0]["age_seconds"].as_u64().unwrap() < 10,
            "{}",
            cards[0]
        );
        let mut minutes = std::collections::HashSet::new();
        for card in &cards {
            let age = card["age_seconds"].as_i64().expect("every card has an age");
            let by_posting = age_by_posting(card);
            assert!((by_posting - 5..=by_posting).contains(&age), "{card}");
            assert!(age < 50 * 3600, "posted within two days: {card}");
            minutes.insert(age / 60);
        }
        assert!(minutes.len() > cards.len() / 2, "ages vary: {minutes:?}");

        let (status, detail) = get(&app, &format!("/api/v1/cargos/{posted}")).await;
        assert_eq!(status, 200, "{detail}");
        assert!(
            detail["card"]["age_seconds"].as_u64().unwrap() < 10,
            "{detail}"
        );
    }
}

#[tokio::test]
async fn a_card_the_exchange_took_says_so_at_once_even_when_its_detail_is_held() {
    for backend in backends() {
        // A held detail is served as it is for three seconds, then confirmed at each opening.
        let (exchange, app) = app(
            "freshness_taken",
            backend,
            &[("CACHE_DETAIL_CONFIRM_AFTER_SECONDS", "3")],
        )
        .await;
        let list = page(
            &app,
            &format!("/api/v1/cargos?from_city_id={KAZAN}&limit=20"),
        )
        .await;
        let cards = cards(&list);
        // The first cards' details are warmed for the list; the driver opens a later one too.
        for card in [&cards[0], &cards[10]] {
            let path = format!("/api/v1/cargos/{}", id(card));
            let (status, detail) = get(&app, &path).await;
            assert_eq!(status, 200, "{detail}");
            exchange.take(id(card));
            // Only this card's calls count: the list's other warmed cards may be fetched meanwhile.
            let asked = exchange.details_of(id(card));
            let (status, _) = get(&app, &path).await;
            assert_eq!(
                status, 200,
                "a detail held for less than three seconds is served as held"
            );
            assert_eq!(exchange.details_of(id(card)), asked, "and without a call");
            tokio::time::sleep(Duration::from_millis(3100)).await;
            let (status, refusal) = get(&app, &path).await;
            assert_eq!(
                (status, refusal["code"].as_str()),
                (404, Some("cargo_not_available")),
                "{path}"
            );
        }
        // A load nobody took is still served, and confirmed with one call once held a while.
        let path = format!("/api/v1/cargos/{}", id(&cards[1]));
        assert_eq!(get(&app, &path).await.0, 200);
        tokio::time::sleep(Duration::from_millis(3100)).await;
        let before = exchange.details_of(id(&cards[1]));
        assert_eq!(get(&app, &path).await.0, 200);
        assert_eq!(exchange.details_of(id(&cards[1])), before + 1);
    }
}

#[tokio::test]
async fn a_list_marks_the_loads_gone_since_the_driver_last_looked() {
    for backend in backends() {
        let (exchange, app) = app(
            "freshness_gone",
            backend,
            &[("CACHE_TTL_LIST_SECONDS", "1")],
        )
        .await;
        let path = format!("/api/v1/cargos?from_city_id={MOSCOW}&limit=20");
        let first = page(&app, &path).await;
        assert!(first.get("gone").is_none(), "a first look has nothing gone");
        assert!(
            first["total"].as_u64().unwrap() > 100,
            "more than a window: {}",
            first["total"]
        );
        let seen = cards(&first);
        exchange.take(id(&seen[2]));
        exchange.take(id(&seen[5]));
        // New loads push the oldest of the first page down the list: not gone.
        let new: Vec<u64> = (0..3)
            .map(|hours| post(&exchange, "Москва", hours))
            .collect();

        let mut looks = 0;
        let marked = loop {
            let look = page(&app, &path).await;
            if look.get("gone").is_some() {
                break look;
            }
            looks += 1;
            assert!(looks < 100, "the list never refreshed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let gone: Vec<u64> = marked["gone"].as_array().unwrap().iter().map(id).collect();
        assert_eq!(gone, [id(&seen[2]), id(&seen[5])]);
        assert_eq!(marked["gone"][0]["from_city"], "Москва");
        assert_eq!(marked["gone"][0]["price_kopecks"], seen[2]["price_kopecks"]);
        let now: Vec<u64> = cards(&marked).iter().map(id).collect();
        assert_eq!(now[..3], [new[2], new[1], new[0]]);
        assert!(!now.contains(&id(&seen[19])), "pushed to the next page");

        let again = page(&app, &path).await;
        assert!(again.get("gone").is_none(), "told once: {}", again["gone"]);
        let second = page(&app, &format!("{path}&offset=20")).await;
        assert!(second.get("gone").is_none());
        assert!(cards(&second).iter().any(|card| id(card) == id(&seen[19])));
    }
}

//! Sorting over all the results of a search, page after page, against the sandbox exchange: the
//! expected order is worked out here from the exchange's own order (newest first, which the
//! ordinary list pages through), with the comparisons written out by hand below. The gathering
//! must cost the exchange no call an ordinary list of the same search, paged through, would not.

use std::cmp::Reverse;

use reqwest::Method;
use serde_json::{Value, json};
use server::sandbox::cargotech::{Exchange, ExchangeConfig};

use crate::support::{
    Options, TestApp, backends, instant_exchange, serve_exchange, spawn_app_with,
};

async fn app_over(
    test: &str,
    backend: (crate::support::Db, crate::support::Store),
    loads: usize,
) -> (Exchange, TestApp) {
    let (url, exchange) = serve_exchange(ExchangeConfig {
        loads,
        ..instant_exchange()
    })
    .await;
    let extra_vars = vec![
        ("CARGOTECH_BASE_URL", url),
        ("FAIR_SHARE_FLOOR_PER_MINUTE", "100000".to_owned()),
        ("FAIR_SHARE_CEILING_PER_MINUTE", "100000".to_owned()),
    ];
    let mut app = spawn_app_with(test, backend, Options { extra_vars }).await;
    app.sign_in_as(json!({"id": 740_001, "first_name": "Олег", "language_code": "ru"}))
        .await;
    (exchange, app)
}

async fn page(app: &TestApp, path: &str) -> Value {
    let (status, body) = app.call(Method::GET, path, None).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Every card of a list, page after page of `limit`.
async fn every_card(app: &TestApp, path: &str, limit: u32) -> Vec<Value> {
    let mut cards: Vec<Value> = Vec::new();
    loop {
        let next = page(app, &format!("{path}&offset={}&limit={limit}", cards.len())).await;
        let more = next["cards"].as_array().unwrap().clone();
        let total = next["total"].as_u64().unwrap();
        cards.extend(more.iter().cloned());
        if more.is_empty() || cards.len() as u64 >= total {
            return cards;
        }
    }
}

fn ids(cards: &[Value]) -> Vec<u64> {
    cards
        .iter()
        .map(|card| card["id"].as_u64().unwrap())
        .collect()
}

/// The order a driver asked for, written out: dearest / dearest per km / shortest / earliest
/// loading first, loads that do not say last, ties as the exchange lists them.
fn expected(newest_first: &[Value], sort: &str) -> Vec<u64> {
    let mut cards = newest_first.to_vec();
    let price = |card: &Value| card["price_kopecks"].as_u64();
    let per_km = |card: &Value| match (price(card), card["distance_km"].as_u64()) {
        (Some(price), Some(km)) if km > 0 => Some(price / km),
        _ => None,
    };
    match sort {
        "price" => cards.sort_by_key(|card| Reverse(price(card))),
        "price_per_km" => cards.sort_by_key(|card| Reverse(per_km(card))),
        "distance" => {
            cards.sort_by_key(|card| card["distance_km"].as_u64().unwrap_or(u64::MAX));
        }
        "loading_date" => cards.sort_by_key(|card| {
            let at = card["loading_at"].as_str().map(str::to_owned);
            (at.is_none(), at)
        }),
        _ => unreachable!(),
    }
    ids(&cards)
}

#[tokio::test]
async fn sorting_by_price_distance_and_date_holds_over_350_loads_page_after_page() {
    for backend in backends() {
        let (exchange, app) = app_over("sorting_350", backend, 350).await;
        let newest = every_card(&app, "/api/v1/cargos?mode=all", 100).await;
        assert_eq!(newest.len(), 350);
        assert_eq!(exchange.stats().lists, 4, "four windows of 100");

        for sort in ["price", "price_per_km", "distance", "loading_date"] {
            let sorted = every_card(&app, &format!("/api/v1/cargos?sort={sort}"), 20).await;
            assert_eq!(ids(&sorted), expected(&newest, sort), "{sort}");
            // Within each window of 100 is not enough: the first page has the whole answer's top.
            let first = &sorted[..20];
            let windows_top: Vec<u64> = newest[..100]
                .iter()
                .map(|card| card["id"].as_u64().unwrap())
                .collect();
            assert!(
                ids(first).iter().any(|id| !windows_top.contains(id)),
                "{sort}: the first page reaches past the first window"
            );
        }
        let first = page(&app, "/api/v1/cargos?sort=price&limit=20").await;
        assert_eq!(first["total"], 350);
        assert!(first.get("capped").is_none(), "{first}");
        assert_eq!(
            exchange.stats().lists,
            4,
            "sorted, the same four windows as the ordinary list, from the cache"
        );
    }
}

#[tokio::test]
async fn a_sorted_result_past_a_thousand_loads_is_cut_there_and_says_so() {
    for backend in backends() {
        let (exchange, app) = app_over("sorting_capped", backend, 1_150).await;
        let first = page(&app, "/api/v1/cargos?sort=price&limit=100").await;
        assert_eq!(
            (first["total"].as_u64(), first["capped"].as_bool()),
            (Some(1000), Some(true))
        );
        assert_eq!(exchange.stats().lists, 10, "ten windows, no more");
        let last = page(&app, "/api/v1/cargos?sort=price&offset=900&limit=100").await;
        assert_eq!(last["cards"].as_array().unwrap().len(), 100);
        let beyond = page(&app, "/api/v1/cargos?sort=price&offset=1000&limit=100").await;
        assert_eq!(beyond["cards"].as_array().unwrap().len(), 0);
        // Newest first pages through the exchange's own order, past a thousand.
        let newest = page(&app, "/api/v1/cargos?offset=1100&limit=50").await;
        assert_eq!(newest["total"], 1150);
        assert_eq!(newest["cards"].as_array().unwrap().len(), 50);
    }
}

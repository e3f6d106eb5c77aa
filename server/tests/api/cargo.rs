//! The CargoTech gateway over HTTP, against the sandbox exchange on a listener of its own.

use std::time::Duration;

use app::cargo::filter::{CargoFilter, PlaceFilter, SortOrder, WeightPreset, WeightVolume};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use server::{
    cargotech::{LoginAnswer, UpstreamQuery},
    config::{SANDBOX_CARGOTECH_PASSWORD, SANDBOX_CARGOTECH_PHONE},
    sandbox::cargotech::{self as exchange, Exchange, ExchangeConfig, Failure},
};

use crate::support::{
    Db, Options, Store, TestApp, app_with_exchange, backends, spawn_app_with, without_marks,
};

/// The app against its own sandbox exchange, with a driver signed in.
async fn exchange_and_app(
    test: &str,
    backend: (Db, Store),
    extra: &[(&'static str, &str)],
) -> (Exchange, TestApp) {
    let (exchange, mut app) = app_with_exchange(test, backend, extra).await;
    app.sign_in_as(peter()).await;
    (exchange, app)
}

/// One test driver asks what many drivers would: their fair share of the budget (see
/// `fair_share.rs`) and their pace (see `doors.rs`) are out of the way.
const CROWD_OF_ONE: [(&str, &str); 3] = [
    ("FAIR_SHARE_FLOOR_PER_MINUTE", "100000"),
    ("FAIR_SHARE_CEILING_PER_MINUTE", "100000"),
    ("LIMIT_PACE", "100000,100000"),
];

fn peter() -> Value {
    json!({"id": 700_001, "first_name": "Пётр", "language_code": "ru"})
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.get(path).await;
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// The status and stable error code a request is refused with.
async fn refusal(app: &TestApp, path: &str) -> (u16, String) {
    let (status, body) = get_json(app, path).await;
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

/// Many drivers at the same moment: every path requested at once, answers in order.
async fn all_at_once(app: &TestApp, paths: impl IntoIterator<Item = String>) -> Vec<(u16, Value)> {
    let calls: Vec<_> = paths
        .into_iter()
        .map(|path| {
            let request = app.authorize(app.client.get(app.url(&path)));
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                (
                    response.status().as_u16(),
                    response.json().await.unwrap_or(Value::Null),
                )
            })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.unwrap());
    }
    answers
}

#[tokio::test]
async fn a_driver_gets_a_page_of_loads_with_totals() {
    for backend in backends() {
        let (_exchange, app) = exchange_and_app("cargo_list", backend, &[]).await;
        let (status, page) = get_json(&app, "/api/v1/cargos?limit=20").await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["cards"].as_array().unwrap().len(), 20);
        assert!(page["total"].as_u64().unwrap() >= 2900, "{}", page["total"]);
        assert_eq!(page["stale"], Value::Null);
        let card = &page["cards"][0];
        assert!(card["id"].as_u64().is_some());
        assert!(
            card["from_city"].is_string() && card["price_kopecks"].as_u64().is_some(),
            "{card}"
        );
    }
}

#[tokio::test]
async fn a_driver_who_picks_a_weight_category_sees_only_loads_of_that_size() {
    let (_exchange, app) = exchange_and_app("cargo_weight_categories", backends()[0], &[]).await;
    let (_, everything) = get_json(&app, "/api/v1/cargos?limit=1").await;
    let everything = everything["total"].as_u64().unwrap();
    // The category as the query names it, its tonnes and its cubic metres (inclusive).
    let categories = [
        ("one_to_three", (1.0, 3.0), (0.0, 15.0)),
        ("three_to_five", (3.0, 5.0), (15.0, 25.0)),
        ("five_to_ten", (5.0, 10.0), (25.0, 40.0)),
        ("ten_to_fifteen", (10.0, 15.0), (40.0, 60.0)),
        ("fifteen_to_twenty", (15.0, 20.0), (60.0, 82.0)),
        ("over_twenty", (20.0, f64::MAX), (82.0, f64::MAX)),
    ];
    for (category, (min_t, max_t), (min_m3, max_m3)) in categories {
        // Straight from the exchange, and narrowed from a loading city's loads held in full.
        for question in [
            format!("weight_category={category}&limit=100"),
            format!("from_city_id=1&weight_category={category}&limit=100"),
        ] {
            let (status, page) = get_json(&app, &format!("/api/v1/cargos?{question}")).await;
            assert_eq!(status, 200, "{question}: {page}");
            assert!(page["total"].as_u64().unwrap() < everything, "{question}");
            for card in page["cards"].as_array().unwrap() {
                let tonnes = card["weight_t"].as_f64().unwrap();
                assert!((min_t..=max_t).contains(&tonnes), "{question}: {card}");
                // A list may leave out a volume the exchange knows and filtered by.
                assert!(
                    card["volume_m3"]
                        .as_f64()
                        .is_none_or(|cubic_metres| (min_m3..=max_m3).contains(&cubic_metres)),
                    "{question}: {card}"
                );
            }
        }
    }
    let (_, middle) = get_json(&app, "/api/v1/cargos?weight_category=five_to_ten&limit=100").await;
    assert!(
        !middle["cards"].as_array().unwrap().is_empty(),
        "the sandbox has loads of 5–10 t: {middle}"
    );
    assert_eq!(
        refusal(&app, "/api/v1/cargos?weight_category=huge").await.0,
        400
    );
    assert_eq!(
        refusal(
            &app,
            "/api/v1/cargos?weight_category=five_to_ten&weight_preset=semi"
        )
        .await
        .0,
        422,
        "a category or a preset, not both"
    );
}

#[tokio::test]
async fn every_filter_reaches_the_exchange_and_shapes_the_answer() {
    let (_exchange, app) = exchange_and_app("cargo_filters", backends()[0], &[]).await;
    // Москва is city 1 in the points dictionary; Казань is 3.
    let (_, page) = get_json(&app, "/api/v1/cargos?from_city_id=1&to_city_id=3&limit=100").await;
    let cards = page["cards"].as_array().unwrap();
    assert!(!cards.is_empty());
    assert!(
        cards
            .iter()
            .all(|c| c["from_city"] == "Москва" && c["to_city"] == "Казань"),
        "{page}"
    );

    let (_, page) = get_json(
        &app,
        "/api/v1/cargos?price_min_rub=50000&price_max_rub=60000&limit=100",
    )
    .await;
    for card in page["cards"].as_array().unwrap() {
        let price = card["price_kopecks"].as_u64().unwrap();
        assert!((5_000_000..=6_000_000).contains(&price), "{price}");
    }

    let (_, page) = get_json(&app, "/api/v1/cargos?weight_preset=gazelle&limit=100").await;
    for card in page["cards"].as_array().unwrap() {
        assert!(card["weight_t"].as_f64().unwrap() <= 1.5);
        assert!(card["volume_m3"].as_f64().is_none_or(|v| v <= 9.0));
    }

    let (_, page) = get_json(
        &app,
        "/api/v1/cargos?truck_types=2&distance_min_km=1000&limit=100",
    )
    .await;
    for card in page["cards"].as_array().unwrap() {
        assert!(card["distance_km"].as_u64().unwrap() >= 1000);
        assert!(
            card["truck_types"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == 2),
            "{card}"
        );
    }

    let (_, all) = get_json(&app, "/api/v1/cargos").await;
    let (_, mine) = get_json(&app, "/api/v1/cargos?mode=my").await;
    assert!(mine["total"].as_u64().unwrap() < all["total"].as_u64().unwrap());

    let (_, by_inn) = get_json(&app, "/api/v1/cargos?shipper_inn=7707083893&limit=5").await;
    assert!(by_inn["total"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn a_bad_filter_is_explained_field_by_field_and_never_reaches_the_exchange() {
    let (exchange, app) = exchange_and_app("cargo_bad_filter", backends()[0], &[]).await;
    let before = exchange.stats().lists;
    let (status, body) = get_json(
        &app,
        "/api/v1/cargos?price_min_rub=9&price_max_rub=1&shipper_inn=123",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["code"], "invalid_filter");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["price_rub", "shipper_inn"]);
    assert_eq!(exchange.stats().lists, before);

    assert_eq!(
        refusal(&app, "/api/v1/cargos?limit=many").await,
        (400, "invalid_query".into())
    );
    assert_eq!(
        refusal(&app, "/api/v1/cargos?colour=red").await,
        (400, "invalid_query".into())
    );
    // The page's size is 1 to 100, as the OpenAPI document says, not quietly cut to it.
    for limit in ["0", "101"] {
        assert_eq!(
            refusal(&app, &format!("/api/v1/cargos?limit={limit}")).await,
            (400, "invalid_query".into())
        );
    }
    // A radius is around a city: without one, the client lost the city it meant.
    assert_eq!(
        refusal(&app, "/api/v1/cargos?to_radius_km=501").await,
        (422, "invalid_filter".into())
    );
    assert_eq!(exchange.stats().lists, before);
}

#[tokio::test]
async fn drivers_asking_the_same_question_share_one_upstream_call() {
    let (exchange, app) = exchange_and_app("cargo_shared_cache", backends()[0], &[]).await;
    let _ = get_json(&app, "/api/v1/cargos?from_city_id=1").await;
    let before = exchange.stats().lists;
    let answers = all_at_once(
        &app,
        (0..50).map(|_| "/api/v1/cargos?from_city_id=1".to_owned()),
    )
    .await;
    assert!(answers.iter().all(|(status, _)| *status == 200));
    assert_eq!(
        exchange.stats().lists,
        before,
        "all fifty were served from the shared cache"
    );
}

#[tokio::test]
async fn scrolling_five_pages_costs_one_upstream_call_and_the_pages_join_up_without_gaps() {
    let (exchange, app) = exchange_and_app("cargo_windows", backends()[0], &[]).await;
    let ids = |page: &Value| -> Vec<u64> {
        page["cards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|card| card["id"].as_u64().unwrap())
            .collect()
    };
    let before = exchange.stats().lists;
    let mut scrolled = Vec::new();
    for page in 0..5 {
        let (status, answer) = get_json(
            &app,
            &format!("/api/v1/cargos?limit=20&offset={}", page * 20),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["offset"], page * 20);
        scrolled.extend(ids(&answer));
    }
    assert_eq!(
        exchange.stats().lists - before,
        1,
        "one window answers five pages"
    );

    let (_, whole) = get_json(&app, "/api/v1/cargos?limit=100").await;
    assert_eq!(scrolled, ids(&whole), "no load is skipped or repeated");

    // A page across the edge of two windows ends the first and begins the second.
    let (_, across) = get_json(&app, "/api/v1/cargos?limit=20&offset=90").await;
    let (_, second) = get_json(&app, "/api/v1/cargos?limit=10&offset=100").await;
    let expected: Vec<u64> = scrolled[90..].iter().copied().chain(ids(&second)).collect();
    assert_eq!(ids(&across), expected);
    assert_eq!(
        exchange.stats().lists - before,
        2,
        "the second window is one more call"
    );

    let (status, beyond) = get_json(&app, &format!("/api/v1/cargos?offset={}", u32::MAX)).await;
    assert_eq!(status, 200, "{beyond}");
    assert_eq!(
        beyond["cards"],
        json!([]),
        "scrolled past the end: an empty page"
    );
}

#[tokio::test]
async fn drivers_on_the_long_tail_of_one_loading_city_are_served_from_its_loads_held_in_full() {
    let (url, exchange) = crate::support::serve_exchange(crate::support::instant_exchange()).await;
    let mut app = spawn_app_with(
        "cargo_narrowing",
        backends()[0],
        Options {
            extra_vars: vec![("CARGOTECH_BASE_URL", url.clone())],
        },
    )
    .await;
    app.sign_in_as(peter()).await;
    // Омск (city 20) is a quieter loading city: all its loads fit one window.
    let (_, broad) = get_json(&app, "/api/v1/cargos?from_city_id=20&limit=100").await;
    let destinations: std::collections::BTreeSet<u64> = broad["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|card| card["to_city_id"].as_u64().unwrap())
        .collect();
    assert!(destinations.len() >= 3, "{broad}");
    let before = exchange.stats().lists;

    let place = |city_id| PlaceFilter {
        city_id,
        point_type: 2,
        city_name: String::new(),
        radius_km: 0,
    };
    let from_omsk = CargoFilter {
        from: Some(place(20)),
        ..Default::default()
    };
    let fits = |preset| Some(WeightVolume::Preset { preset });
    let mut questions: Vec<(String, CargoFilter)> = destinations
        .iter()
        .map(|&to| {
            let filter = CargoFilter {
                to: Some(place(to as u32)),
                ..from_omsk.clone()
            };
            (format!("from_city_id=20&to_city_id={to}"), filter)
        })
        .collect();
    let mut answers = Vec::new();
    for (question, _) in &questions {
        let (status, page) = get_json(&app, &format!("/api/v1/cargos?{question}&limit=100")).await;
        assert_eq!(status, 200, "{question}: {page}");
        answers.push(page);
    }
    assert_eq!(
        exchange.stats().lists,
        before,
        "every destination from Омск was answered from the loads of Омск"
    );

    // A truck size is narrowed too, unless a card leaves out its volume (the exchange knows it).
    questions.push((
        "from_city_id=20&weight_preset=ten_tonnes".into(),
        CargoFilter {
            weight_volume: fits(WeightPreset::TenTonnes),
            ..from_omsk.clone()
        },
    ));
    questions.push((
        "from_city_id=20&to_city_id=1&weight_preset=semi&sort=price".into(),
        CargoFilter {
            to: Some(place(1)),
            weight_volume: fits(WeightPreset::Semi),
            sort: SortOrder::Price,
            ..from_omsk
        },
    ));
    for (question, _) in &questions[answers.len()..] {
        let (status, page) = get_json(&app, &format!("/api/v1/cargos?{question}&limit=100")).await;
        assert_eq!(status, 200, "{question}: {page}");
        answers.push(page);
    }

    // And each answer is the one the exchange itself gives.
    let client = server::cargotech::Client::new(&url);
    let token = match client
        .login(SANDBOX_CARGOTECH_PHONE, SANDBOX_CARGOTECH_PASSWORD)
        .await
    {
        Ok(LoginAnswer::Token(issued)) => issued.token,
        other => panic!("cannot log in to the sandbox: {other:?}"),
    };
    for ((question, filter), page) in questions.iter().zip(&answers) {
        let mut direct = client
            .list(&token, &filter.upstream_query(100, 0))
            .await
            .unwrap();
        if filter.sort == SortOrder::Price {
            direct
                .cards
                .sort_by_key(|card| std::cmp::Reverse(card.price_kopecks));
        }
        let served: Vec<u64> = page["cards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|card| card["id"].as_u64().unwrap())
            .collect();
        let expected: Vec<u64> = direct.cards.iter().map(|card| card.id).collect();
        assert_eq!(served, expected, "{question}");
        assert_eq!(page["total"].as_u64().unwrap(), direct.total, "{question}");
    }
}

#[tokio::test]
async fn two_hundred_requests_with_a_revoked_token_cause_exactly_one_login() {
    for backend in backends() {
        let (exchange, app) = exchange_and_app("cargo_one_relogin", backend, &CROWD_OF_ONE).await;
        let (status, _) = get_json(&app, "/api/v1/cargos").await;
        assert_eq!(status, 200);
        // Let the first page's background prefetches finish, then count from the revocation on.
        tokio::time::sleep(Duration::from_millis(300)).await;
        exchange.reset_stats();
        exchange.revoke_tokens();

        // Two hundred different windows of loads, so none is answered from the cache.
        let answers = all_at_once(
            &app,
            (0..200).map(|window| format!("/api/v1/cargos?limit=1&offset={}", window * 100)),
        )
        .await;
        assert!(answers.iter().all(|(status, _)| *status == 200));
        let stats = exchange.stats();
        assert_eq!(stats.logins, 1, "{backend:?}: {stats:?}");
        assert!(stats.unauthorized >= 1);
    }
}

#[tokio::test]
async fn the_upstream_budget_is_never_exceeded_and_the_rest_are_told_when_to_come_back() {
    let (exchange, app) = exchange_and_app(
        "cargo_budget",
        backends()[0],
        &[
            ("CARGOTECH_BUDGET_PER_MINUTE", "30"),
            ("CARGOTECH_SLOT_WAIT_MS", "300"),
            CROWD_OF_ONE[0],
            CROWD_OF_ONE[1],
            CROWD_OF_ONE[2],
        ],
    )
    .await;
    // Eighty different windows of loads: each needs a call of its own.
    let answers = all_at_once(
        &app,
        (0..80).map(|window| format!("/api/v1/cargos?limit=1&offset={}", window * 100)),
    )
    .await;
    let (mut ok, mut later) = (0, 0);
    for answer in answers {
        match answer {
            (200, _) => ok += 1,
            (202, body) => {
                let again = body["ask_again_seconds"].as_u64().unwrap_or_default();
                assert!((1..=10).contains(&again), "{body}");
                later += 1;
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    let stats = exchange.stats();
    // Login and health check count too; lists get at most their share of the 30.
    assert!(stats.requests <= 30, "{stats:?}");
    assert!(
        ok >= 20 && later >= 40,
        "{ok} served, {later} told to come back"
    );
    assert_eq!(stats.throttled, 0, "the exchange never had to say 429");
}

#[tokio::test]
async fn when_the_exchange_fails_drivers_get_the_cached_page_marked_stale() {
    let (exchange, app) = exchange_and_app(
        "cargo_stale",
        backends()[0],
        &[("CACHE_TTL_LIST_SECONDS", "1")],
    )
    .await;
    let (_, fresh) = get_json(&app, "/api/v1/cargos?from_city_id=2").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    exchange.fail_next(Failure::ServerError, 20);

    let (status, page) = get_json(&app, "/api/v1/cargos?from_city_id=2").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        without_marks(&page["cards"]),
        without_marks(&fresh["cards"])
    );
    assert!(
        page["stale"]["age_seconds"].as_u64().unwrap() >= 2,
        "{}",
        page["stale"]
    );

    // A question never asked before has nothing to fall back on.
    exchange.fail_next(Failure::ServerError, 20);
    assert_eq!(
        refusal(&app, "/api/v1/cargos?from_city_id=3").await,
        (503, "upstream_unavailable".into())
    );
}

#[tokio::test]
async fn a_malformed_item_degrades_one_card_not_the_page() {
    let (exchange, app) = exchange_and_app("cargo_malformed_item", backends()[0], &[]).await;
    exchange.fail_next(Failure::MalformedItem, 1);
    let (status, page) = get_json(&app, "/api/v1/cargos?limit=10").await;
    assert_eq!(status, 200, "{page}");
    let cards = page["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 10);
    assert_eq!(cards.iter().filter(|c| c["incomplete"] == true).count(), 1);
}

#[tokio::test]
async fn a_detail_has_the_note_and_tap_to_call_contacts_and_a_taken_load_says_so() {
    let (exchange, app) = exchange_and_app("cargo_detail", backends()[0], &[]).await;
    let ids = exchange.open_load_ids();
    // The driver opens cards from the list: the first hundred.
    assert_eq!(get_json(&app, "/api/v1/cargos?limit=100").await.0, 200);
    let mut with_note = None;
    for id in ids.iter().take(40) {
        let (status, detail) = get_json(&app, &format!("/api/v1/cargos/{id}")).await;
        assert_eq!(status, 200, "{detail}");
        assert!(
            detail["contacts"][0]["phones"][0]["tel"]
                .as_str()
                .unwrap()
                .starts_with("+7")
        );
        if detail["note"].is_string() {
            with_note = Some(detail);
        }
    }
    let with_note = with_note.expect("some load among forty has a note");
    assert!(
        with_note["note"].as_str().unwrap().contains('\n'),
        "line breaks are kept"
    );

    exchange.take(ids[100]);
    assert_eq!(
        refusal(&app, &format!("/api/v1/cargos/{}", ids[100])).await,
        (404, "cargo_not_available".into())
    );
    assert_eq!(
        refusal(&app, "/api/v1/cargos/not-a-number").await,
        (400, "invalid_id".into())
    );
    for id in ["abc", "0", "9223372036854775808"] {
        assert_eq!(
            refusal(&app, &format!("/api/v1/cargos/{id}")).await,
            (400, "invalid_id".into()),
            "{id}"
        );
    }
}

#[tokio::test]
async fn readiness_follows_the_cargotech_connection() {
    let (_exchange, app) = exchange_and_app("cargo_readyz", backends()[0], &[]).await;
    for _ in 0..50 {
        let (_, body) = get_json(&app, "/readyz").await;
        if body["checks"]["cargotech"]["state"] == "up" {
            assert_eq!(body["status"], "ready");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the connection never came up");
}

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

#[tokio::test]
async fn a_restarted_server_reuses_the_stored_token_without_logging_in_again() {
    for backend in backends() {
        let config = ExchangeConfig {
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            ..ExchangeConfig::default()
        };
        let (address, exchange) = exchange::serve("127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap();
        let shared = |extra: Vec<(&'static str, String)>| {
            let mut vars = vec![
                ("CARGOTECH_BASE_URL", format!("http://{address}")),
                ("ENCRYPTION_KEY", KEY.to_owned()),
            ];
            vars.extend(extra);
            Options { extra_vars: vars }
        };
        let mut first = spawn_app_with("cargo_restart_first", backend, shared(Vec::new())).await;
        first.sign_in_as(peter()).await;
        assert_eq!(
            get_json(&first, "/api/v1/cargos?from_city_id=5").await.0,
            200
        );
        assert_eq!(exchange.stats().logins, 1);

        // The same database, a new process with an empty cache: the sealed token is read back.
        let mut second = spawn_app_with(
            "cargo_restart_second",
            (backend.0, Store::InProcess),
            shared(vec![("DATABASE_URL", first.database_url.clone())]),
        )
        .await;
        second.sign_in_as(peter()).await;
        assert_eq!(
            get_json(&second, "/api/v1/cargos?from_city_id=6").await.0,
            200
        );
        assert_eq!(
            exchange.stats().logins,
            1,
            "{backend:?}: the restart logged in again"
        );
    }
}

#[tokio::test]
async fn wrong_credentials_are_reported_as_such_and_not_retried_in_a_loop() {
    let config = ExchangeConfig {
        latency: Duration::ZERO,
        jitter: Duration::ZERO,
        password: "the-password-changed".into(),
        ..ExchangeConfig::default()
    };
    let (address, exchange) = exchange::serve("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let mut app = spawn_app_with(
        "cargo_wrong_credentials",
        backends()[0],
        Options {
            extra_vars: vec![("CARGOTECH_BASE_URL", format!("http://{address}"))],
        },
    )
    .await;
    app.sign_in_as(peter()).await;
    let mut readiness = Value::Null;
    for _ in 0..50 {
        readiness = get_json(&app, "/readyz").await.1;
        if readiness["checks"]["cargotech"]["state"] == "down" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let detail = readiness["checks"]["cargotech"]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(detail.starts_with("wrong_credentials"), "{readiness}");

    for _ in 0..5 {
        assert_eq!(
            refusal(&app, "/api/v1/cargos?from_city_id=7").await,
            (503, "upstream_unavailable".into())
        );
    }
    assert_eq!(
        exchange.stats().logins,
        1,
        "a refused login waits for the operator"
    );

    let audit = app
        .database()
        .await
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT details FROM audit_log WHERE action = 'cargotech.login_failed'",
        ))
        .await
        .unwrap()
        .expect("the failed login is in the audit log");
    let details: String = audit.try_get_by_index(0).unwrap();
    assert!(details.contains("wrong_credentials"), "{details}");
    assert!(
        !details.contains("sandbox-password") && !details.contains("911"),
        "no secret in the audit log"
    );
}

#[tokio::test]
async fn redis_killed_mid_traffic_loses_no_request() {
    let redis = crate::support::OwnRedis::start(crate::support::free_port());
    let (_exchange, app) = exchange_and_app(
        "cargo_redis_killed",
        (Db::Sqlite, Store::Redis),
        &[("REDIS_URL", &redis.url()), CROWD_OF_ONE[2]],
    )
    .await;
    let mut redis = Some(redis);
    for round in 0..6 {
        if round == 3 {
            drop(redis.take()); // Redis dies here.
        }
        let answers = all_at_once(
            &app,
            (0..20).map(|page| format!("/api/v1/cargos?limit=5&offset={}", page * 5)),
        )
        .await;
        assert!(
            answers.iter().all(|(status, _)| *status == 200),
            "round {round}: {answers:?}"
        );
    }
    let (_, readiness) = get_json(&app, "/readyz").await;
    assert_eq!(
        readiness["checks"]["store"]["state"], "degraded",
        "{readiness}"
    );
}

#[tokio::test]
async fn when_the_exchange_asks_for_an_sms_code_drivers_are_told_and_an_admin_completes_the_login()
{
    let config = ExchangeConfig {
        latency: Duration::ZERO,
        jitter: Duration::ZERO,
        ..ExchangeConfig::default()
    };
    let (address, exchange) = exchange::serve("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    exchange.demand_sms(true);
    let mut app = spawn_app_with(
        "cargo_sms_code",
        backends()[0],
        Options {
            extra_vars: vec![("CARGOTECH_BASE_URL", format!("http://{address}"))],
        },
    )
    .await;
    app.sign_in_as(peter()).await;
    let connection = &app.gateway.accounts().primary().connection;
    for _ in 0..50 {
        if connection.report().state == server::cargotech::LinkState::SmsRequired {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        connection.report().state,
        server::cargotech::LinkState::SmsRequired
    );
    let (status, body) = get_json(&app, "/api/v1/cargos").await;
    assert_eq!(
        (status, body["code"].as_str().unwrap()),
        (503, "upstream_login_pending")
    );
    assert!(body["message"].as_str().unwrap().contains("задерживаются"));
    for _ in 0..5 {
        assert_eq!(get_json(&app, "/api/v1/cargos?offset=20").await.0, 503);
    }
    assert_eq!(
        exchange.stats().logins,
        1,
        "waiting drivers must not make the exchange send new codes"
    );

    let wrong = connection.submit_sms_code("000000", "admin:test").await;
    assert_eq!(
        wrong,
        Err(server::cargotech::SmsCodeError::Problem(
            server::cargotech::SmsProblem::WrongCode
        ))
    );
    let garbage = connection.submit_sms_code("12ab", "admin:test").await;
    assert_eq!(
        garbage,
        Err(server::cargotech::SmsCodeError::Problem(
            server::cargotech::SmsProblem::WrongCode
        ))
    );

    connection
        .submit_sms_code("123456", "admin:test")
        .await
        .unwrap();
    assert_eq!(
        connection.report().state,
        server::cargotech::LinkState::Connected
    );
    assert_eq!(get_json(&app, "/api/v1/cargos").await.0, 200);
    assert_eq!(
        connection.submit_sms_code("123456", "admin:test").await,
        Err(server::cargotech::SmsCodeError::NothingPending)
    );
}

/// A page of loads asked twice in a moment, by a client that takes gzip: the same JSON both
/// times (served again as written), gzipped, and a load the driver hid meanwhile is gone from
/// the second answer though the page itself was held.
#[tokio::test]
async fn a_page_asked_again_comes_gzipped_as_written_with_the_drivers_marks_laid_over_it() {
    let (_exchange, mut app) = app_with_exchange("cargo_served_again", backends()[0], &[]).await;
    app.sign_in_as(json!({"id": 810_777, "first_name": "Пётр"}))
        .await;
    let page = |app: &TestApp| {
        app.authorize(app.client.get(app.url("/api/v1/cargos?limit=20")))
            .header("accept-encoding", "gzip")
            .send()
    };
    let unzip = |bytes: &[u8]| -> Value {
        let mut json = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut json).unwrap();
        serde_json::from_str(&json).unwrap()
    };
    let first = page(&app).await.unwrap();
    let second = page(&app).await.unwrap();
    for answer in [&first, &second] {
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()["content-encoding"], "gzip");
    }
    let (first, second) = (first.bytes().await.unwrap(), second.bytes().await.unwrap());
    assert_eq!(first, second, "the same bytes");
    let ids = |page: &Value| -> Vec<u64> {
        page["cards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|card| card["id"].as_u64().unwrap())
            .collect()
    };
    let shown = ids(&unzip(&first));
    assert_eq!(shown.len(), 20);
    let (status, _) = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/cargos/{}/hidden", shown[0]),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let third = page(&app).await.unwrap();
    let third: Value = match third.headers().get("content-encoding") {
        Some(_) => unzip(&third.bytes().await.unwrap()),
        None => third.json().await.unwrap(),
    };
    assert!(!ids(&third).contains(&shown[0]), "the hidden load is gone");
    assert_eq!(ids(&third)[..], shown[1..]);
}

/// Thirty drivers have each hidden a different load of the same page, and open the list at the
/// same moment: their marks are read together, and each sees the page without their own hidden
/// load and with everyone else's.
#[tokio::test]
async fn drivers_opening_the_list_at_once_each_see_their_own_hidden_loads_and_only_theirs() {
    for backend in backends() {
        let (_exchange, app) =
            app_with_exchange("cargo_marks_at_once", backend, &CROWD_OF_ONE).await;
        let path = "/api/v1/cargos?limit=30";
        let mut drivers = Vec::new();
        for n in 0..30 {
            let mut driver = app.same_server();
            driver
                .sign_in_as(json!({"id": 812_000 + n, "first_name": "Водитель"}))
                .await;
            drivers.push(driver);
        }
        let (status, page) = get_json(&drivers[0], path).await;
        assert_eq!(status, 200);
        let shown = card_ids(&page);
        assert_eq!(shown.len(), 30);
        for (driver, hidden) in drivers.iter().zip(&shown) {
            let (status, _) = driver
                .call(
                    reqwest::Method::PUT,
                    &format!("/api/v1/cargos/{hidden}/hidden"),
                    None,
                )
                .await;
            assert_eq!(status, 204);
        }

        let pages =
            futures_util::future::join_all(drivers.iter().map(|driver| get_json(driver, path)))
                .await;
        for (n, (status, page)) in pages.into_iter().enumerate() {
            assert_eq!(status, 200);
            let seen = card_ids(&page);
            assert!(
                !seen.contains(&shown[n]),
                "driver {n} sees the load they hid"
            );
            let others: Vec<u64> = shown.iter().copied().filter(|id| *id != shown[n]).collect();
            assert_eq!(seen, others, "driver {n} sees everyone else's hidden loads");
        }
    }
}

fn card_ids(page: &Value) -> Vec<u64> {
    page["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .map(|card| card["id"].as_u64().expect("an id"))
        .collect()
}

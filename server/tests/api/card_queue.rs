//! Cards the budget cannot fetch at once wait in line instead of being refused: the driver gets
//! what the list showed, a place and an estimate (`202`), asks again and gets the card when it
//! comes; drivers' cards go before prefetching and leave lists the budget's last tenth, one
//! driver holds only a few places, and however many cards are asked of a tiny budget and a full
//! line, no driver is refused and every card fills in.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use server::sandbox::cargotech::Exchange;

use crate::support::{Db, Store, TestApp, app_with_exchange, backends, without_marks};

/// A budget of ten calls: spent within a test (logins, health checks and the cities' dictionary
/// count too, up to the background's 80 %); a list waits 0.3 s for a slot. Drivers' fair shares
/// are out of the way.
fn small_budget(window_seconds: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("CARGOTECH_BUDGET_PER_MINUTE", "10"),
        ("CARGOTECH_BUDGET_WINDOW_SECONDS", window_seconds),
        ("CARGOTECH_SLOT_WAIT_MS", "300"),
        ("FAIR_SHARE_FLOOR_PER_MINUTE", "1000"),
        ("FAIR_SHARE_CEILING_PER_MINUTE", "1000"),
    ]
}

async fn app(
    test: &str,
    backend: (Db, Store),
    extra: &[(&'static str, &'static str)],
) -> (Exchange, TestApp) {
    let (exchange, mut app) = app_with_exchange(test, backend, extra).await;
    app.sign_in_as(json!({"id": 730_001, "first_name": "Семён", "language_code": "ru"}))
        .await;
    (exchange, app)
}

async fn open(app: &TestApp, id: u64) -> (u16, Value) {
    app.call(Method::GET, &format!("/api/v1/cargos/{id}"), None)
        .await
}

/// Moscow's loads, then other cities' until a list finds no slot (the driver is told to come
/// back): every slot but the one kept for drivers' cards is spent. Returns Moscow's page.
async fn spend_the_budget(app: &TestApp) -> Vec<Value> {
    let (status, page) = app
        .call(Method::GET, "/api/v1/cargos?from_city_id=1&limit=20", None)
        .await;
    assert_eq!(status, 200, "{page}");
    for city in 2..20 {
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/cargos?from_city_id={city}"),
                None,
            )
            .await;
        if status == 202 {
            return page["cards"].as_array().unwrap().clone();
        }
        assert_eq!(status, 200, "{body}");
    }
    panic!("the lists never spent the budget");
}

/// Opens the page's cards from the end (the first few may be prefetched) until one is put in
/// line; returns it and the answer.
async fn first_in_line(app: &TestApp, cards: &[Value]) -> (u64, Value) {
    for card in cards.iter().rev() {
        let id = card["id"].as_u64().unwrap();
        match open(app, id).await {
            (200, _) => continue,
            (202, pending) => return (id, pending),
            other => panic!("unexpected answer {other:?}"),
        }
    }
    panic!("every card was fetched at once: the budget was not spent");
}

/// Waits as long as a card's `202` said before asking again, as the Mini App does.
async fn as_told(pending: &Value) {
    let seconds = pending["ask_again_seconds"].as_u64();
    let seconds = seconds.unwrap_or_else(|| panic!("when to ask again: {pending}"));
    tokio::time::sleep(Duration::from_secs(seconds)).await;
}

/// Asks again for a card in line, as the Mini App does, until it is answered otherwise.
async fn until_answered(app: &TestApp, id: u64) -> (u16, Value) {
    for _ in 0..30 {
        let (status, body) = open(app, id).await;
        if status != 202 {
            return (status, body);
        }
        as_told(&body).await;
    }
    panic!("card {id} stayed in line");
}

#[tokio::test]
async fn a_card_the_budget_cannot_fetch_now_shows_the_lists_data_then_fills_in_and_stays_cached() {
    for backend in backends() {
        let (exchange, app) = app("card_queue_filled", backend, &small_budget("6")).await;
        let cards = spend_the_budget(&app).await;
        let (id, pending) = first_in_line(&app, &cards).await;
        let listed = cards.iter().find(|card| card["id"] == id).unwrap();
        assert_eq!(
            without_marks(&pending["card"]),
            without_marks(listed),
            "{backend:?}: what the list showed"
        );
        assert!(pending["position"].as_u64().unwrap() >= 1, "{pending}");
        assert!(
            pending["estimated_seconds"].as_u64().unwrap() >= 1,
            "{pending}"
        );

        // The budget frees as its window moves on: the card comes to the driver asking again.
        let (status, detail) = until_answered(&app, id).await;
        assert_eq!(status, 200, "{backend:?}: {detail}");
        assert_eq!(detail["card"]["id"], id);
        assert!(detail["contacts"].is_array(), "{detail}");

        // (Other cards of the list may be fetched meanwhile, as prefetches the budget now has
        // room for: only this card's calls count.)
        let fetched = exchange.details_of(id);
        let (status, again) = open(&app, id).await;
        assert_eq!(
            (status, without_marks(&again)),
            (200, without_marks(&detail)),
            "{backend:?}"
        );
        // Held in the cache: opened again, it is at most confirmed with one look at the
        // exchange from the budget's spare share (see `gateway::freshness`), never queued.
        assert!(
            exchange.details_of(id) <= fetched + 1,
            "{backend:?}: from the cache, confirmed once at most"
        );
    }
}

#[tokio::test]
async fn a_card_a_driver_opens_waits_ahead_of_prefetches() {
    for backend in backends() {
        let (_, app) = app("card_queue_priority", backend, &small_budget("60")).await;
        let cards = spend_the_budget(&app).await;
        // Lists have spent the window: the driver's cards wait first in line, in the order they
        // were opened, whatever prefetching wanted.
        let last = cards.last().unwrap()["id"].as_u64().unwrap();
        let (status, pending) = open(&app, last).await;
        assert_eq!(status, 202, "{backend:?}: {pending}");
        assert_eq!(pending["position"], 1, "{backend:?}: {pending}");
        let next = cards[cards.len() - 2]["id"].as_u64().unwrap();
        let (status, pending) = open(&app, next).await;
        assert_eq!(status, 202, "{backend:?}: {pending}");
        assert_eq!(pending["position"], 2, "{backend:?}: {pending}");
    }
}

#[tokio::test]
async fn a_driver_far_back_in_line_is_answered_at_once_and_told_when_to_come_back() {
    for backend in backends() {
        let (_, app) = app("card_queue_short_polls", backend, &small_budget("60")).await;
        let cards = spend_the_budget(&app).await;
        // Three cards in line (ten calls a minute: the third is due in some 18 s).
        let ids: Vec<u64> = cards[cards.len() - 3..]
            .iter()
            .rev()
            .map(|card| card["id"].as_u64().unwrap())
            .collect();
        // Opened, each card is due in seconds at the least: the budget has no slot free, so
        // the driver is told its place at once rather than held the first ask's wait (1.5 s).
        for &id in &ids {
            let asked = Instant::now();
            let (status, pending) = open(&app, id).await;
            let answered_in = asked.elapsed();
            assert_eq!(status, 202, "{backend:?}: {pending}");
            assert!(
                answered_in < Duration::from_secs(1),
                "{backend:?}: a first ask was held {answered_in:?} for a card due in {}s",
                pending["estimated_seconds"]
            );
        }
        let third = ids[2];

        // Asked again, the card far off is not waited for: the answer comes at once, with when
        // to ask again, in the body and in `Retry-After`.
        let asked = Instant::now();
        let response = app
            .authorize(app.client.get(app.url(&format!("/api/v1/cargos/{third}"))))
            .send()
            .await
            .unwrap();
        let answered_in = asked.elapsed();
        assert_eq!(response.status(), 202, "{backend:?}");
        let retry_after = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .to_owned();
        let pending: Value = response.json().await.unwrap();
        let again = pending["ask_again_seconds"].as_u64().unwrap();
        assert!(
            (2..=10).contains(&again),
            "{backend:?}: come back later than at once, within ten seconds: {pending}"
        );
        assert_eq!(retry_after, again.to_string(), "{backend:?}");
        assert!(
            answered_in < Duration::from_secs(3),
            "{backend:?}: the ask was held {answered_in:?} for a card due in {}s",
            pending["estimated_seconds"]
        );

        // Coming back when told, the card still waits, no further back than it was.
        let position = pending["position"].as_u64().unwrap();
        as_told(&pending).await;
        let (status, later) = open(&app, third).await;
        assert_eq!(status, 202, "{backend:?}: {later}");
        assert!(
            later["position"].as_u64().unwrap() <= position,
            "{backend:?}: {pending} then {later}"
        );
    }
}

#[tokio::test]
async fn cards_leave_the_last_tenth_of_the_budget_to_lists() {
    for backend in backends() {
        let (_, app) = app("card_queue_lists_first", backend, &small_budget("60")).await;
        let (status, page) = app
            .call(Method::GET, "/api/v1/cargos?from_city_id=1&limit=100", None)
            .await;
        assert_eq!(status, 200, "{page}");
        // Moscow's cards opened one after another (from the end: the first few may be
        // prefetched) until the budget has no slot for a card.
        let cards = page["cards"].as_array().unwrap();
        let mut fetched = 0;
        let mut in_line = None;
        for card in cards.iter().rev() {
            let id = card["id"].as_u64().unwrap();
            match open(&app, id).await {
                (200, _) => fetched += 1,
                (202, _) => {
                    in_line = Some(id);
                    break;
                }
                other => panic!("{backend:?}: unexpected answer {other:?}"),
            }
        }
        assert!(in_line.is_some(), "{backend:?}: every card was fetched");
        assert!(fetched > 0, "{backend:?}: the window had room for cards");

        // The card waits; a driver asking for another city's list is answered at once from the
        // tenth the cards left, until that is spent too (then told to come back).
        let (status, body) = app
            .call(Method::GET, "/api/v1/cargos?from_city_id=2", None)
            .await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        let (status, body) = app
            .call(Method::GET, "/api/v1/cargos?from_city_id=3", None)
            .await;
        assert_eq!(status, 202, "{backend:?}: {body}");
        assert!(body["ask_again_seconds"].as_u64().is_some(), "{body}");
    }
}

#[tokio::test]
async fn a_greedy_driver_holds_only_a_few_places_in_line() {
    for backend in backends() {
        let (_, greedy) = app("card_queue_greedy", backend, &small_budget("60")).await;
        let cards = spend_the_budget(&greedy).await;
        let ids: Vec<u64> = cards
            .iter()
            .map(|card| card["id"].as_u64().unwrap())
            .collect();
        // Ten cards at once: at most the first is fetched, the others wait.
        let opened = futures_util::future::join_all(ids[3..13].iter().map(|&id| {
            let request = greedy.authorize(
                greedy
                    .client
                    .get(greedy.url(&format!("/api/v1/cargos/{id}"))),
            );
            async move { request.send().await.unwrap().status().as_u16() }
        }))
        .await;
        assert!(
            opened.iter().filter(|&&status| status == 202).count() >= 9,
            "{opened:?}"
        );

        let mut patient = greedy.same_server();
        patient
            .sign_in_as(json!({"id": 730_002, "first_name": "Терпеливый"}))
            .await;
        let (status, pending) = open(&patient, ids[15]).await;
        assert_eq!(status, 202, "{backend:?}: {pending}");
        let position = pending["position"].as_u64().unwrap();
        assert!(
            position <= 4,
            "{backend:?}: behind the greedy driver's three places at most, not ten: {pending}"
        );
    }
}

/// Asks for a card as the Mini App does, again and again until it comes: every answer's status.
async fn until_filled(app: &TestApp, id: u64) -> (Vec<u16>, Value) {
    let mut seen = Vec::new();
    for _ in 0..60 {
        let (status, body) = open(app, id).await;
        seen.push(status);
        if status != 202 {
            return (seen, body);
        }
        assert!(body["position"].as_u64().unwrap() >= 1, "{body}");
        assert!(body["card"]["id"] == id, "the list's data: {body}");
        as_told(&body).await;
    }
    panic!("card {id} never came: {seen:?}");
}

#[tokio::test]
async fn many_cards_asked_of_a_tiny_budget_through_a_full_line_are_never_refused_and_all_fill_in() {
    for backend in backends() {
        let mut extra = small_budget("6");
        // A line of three cards for nine asked, and drivers taken to have left after 2 s.
        extra.extend([
            ("CARGOTECH_CARD_QUEUE_LIMIT", "3"),
            ("CARGOTECH_CARD_WAIT_SECONDS", "2"),
        ]);
        let (_, first) = app("card_queue_full", backend, &extra).await;
        let cards = spend_the_budget(&first).await;
        let ids: Vec<u64> = cards[3..12]
            .iter()
            .map(|card| card["id"].as_u64().unwrap())
            .collect();
        let mut drivers = vec![first];
        for n in 0..2 {
            let mut driver = drivers[0].same_server();
            driver
                .sign_in_as(json!({"id": 730_010 + n, "first_name": "Водитель"}))
                .await;
            drivers.push(driver);
        }
        // Each driver opens three cards at once and keeps asking for each until it comes.
        let answers = futures_util::future::join_all(
            ids.iter()
                .enumerate()
                .map(|(n, &id)| until_filled(&drivers[n / 3], id)),
        )
        .await;
        for (&id, (seen, body)) in ids.iter().zip(&answers) {
            assert!(
                seen.iter().all(|status| *status == 200 || *status == 202),
                "{backend:?}: card {id} was answered {seen:?}: {body}"
            );
            assert_eq!(body["card"]["id"], id, "{backend:?}: {body}");
            assert!(body["contacts"].is_array(), "{backend:?}: {body}");
        }
        assert!(
            answers.iter().any(|(seen, _)| seen.contains(&202)),
            "{backend:?}: the budget was spent, some card had to wait"
        );
    }
}

#[tokio::test]
async fn a_list_the_budget_cannot_fetch_now_is_answered_with_its_last_page_marked_stale() {
    for backend in backends() {
        let mut extra = small_budget("60");
        extra.push(("CACHE_TTL_LIST_SECONDS", "1"));
        let (_, app) = app("card_queue_stale_list", backend, &extra).await;
        let asked = "/api/v1/cargos?from_city_id=30&limit=20";
        let (status, fresh) = app.call(Method::GET, asked, None).await;
        assert_eq!(status, 200, "{fresh}");
        // Past twice its time to live the page is asked afresh, but the budget is spent.
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        spend_the_budget(&app).await;

        let (status, page) = app.call(Method::GET, asked, None).await;
        assert_eq!(status, 200, "{backend:?}: {page}");
        assert_eq!(
            without_marks(&page["cards"]),
            without_marks(&fresh["cards"]),
            "{backend:?}"
        );
        assert!(
            page["stale"]["age_seconds"].as_u64().unwrap() >= 2,
            "{backend:?}: {page}"
        );
    }
}

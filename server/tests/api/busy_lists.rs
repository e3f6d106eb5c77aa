//! Lists on a busy exchange: when every call the budget allows is taken and lists wait for slots,
//! a driver is neither refused nor held for the whole wait. Within a moment they are told when to
//! come back (`202`), and their list's fetch goes on without them: coming back, the loads are
//! there. A crowd whose lists stand far back is told at once.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TestApp, app_with_exchange, backends};

/// Ten calls in a window of six seconds, which the test's lists spend at once; a list may wait
/// twenty seconds for a slot (so no list is answered because that wait ran out). Drivers' fair
/// shares are out of the way.
const BUSY: [(&str, &str); 5] = [
    ("CARGOTECH_BUDGET_PER_MINUTE", "10"),
    ("CARGOTECH_BUDGET_WINDOW_SECONDS", "6"),
    ("CARGOTECH_SLOT_WAIT_MS", "20000"),
    ("FAIR_SHARE_FLOOR_PER_MINUTE", "1000"),
    ("FAIR_SHARE_CEILING_PER_MINUTE", "1000"),
];

/// A list, with how long the server took to answer and its `Retry-After`.
async fn list(app: &TestApp, path: &str) -> (u16, Value, Duration, Option<u64>) {
    let started = Instant::now();
    let response = app
        .authorize(app.client.get(app.url(path)))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok()?.parse().ok());
    (status, response.json().await.unwrap(), took, retry_after)
}

#[tokio::test]
async fn a_driver_asking_for_loads_on_a_busy_exchange_is_told_when_to_come_back_and_finds_them_then()
 {
    for backend in backends() {
        let (exchange, mut app) = app_with_exchange("busy_lists", backend, &BUSY).await;
        app.sign_in_as(json!({"id": 740_001, "first_name": "Руслан", "language_code": "ru"}))
            .await;

        // City after city, until the budget has no call left for the next one.
        let mut later = None;
        for city in 1..40 {
            let path = format!("/api/v1/cargos?from_city_id={city}");
            match list(&app, &path).await {
                (200, ..) => continue,
                (202, body, took, retry_after) => {
                    later = Some((path, body, took, retry_after));
                    break;
                }
                (status, body, ..) => panic!("{backend:?}: {status} {body}"),
            }
        }
        let (path, body, took, retry_after) =
            later.unwrap_or_else(|| panic!("{backend:?}: the lists never spent the budget"));

        // Told at once, not held until a slot frees: the wait is the driver's, not a connection's.
        assert!(
            took < Duration::from_secs(3),
            "{backend:?}: held {took:?} before being told"
        );
        let again = body["ask_again_seconds"].as_u64();
        let again = again.unwrap_or_else(|| panic!("{backend:?}: when to ask again: {body}"));
        assert!((1..=10).contains(&again), "{backend:?}: {body}");
        assert_eq!(retry_after, Some(again), "{backend:?}: Retry-After");
        assert!(body["estimated_seconds"].as_u64().is_some(), "{body}");
        let lists_when_told = exchange.stats().lists;

        // The driver is away; their list's fetch is not: once the budget's window moves on, the
        // exchange is asked for it.
        let asked_by = Instant::now() + Duration::from_secs(20);
        while exchange.stats().lists == lists_when_told {
            assert!(
                Instant::now() < asked_by,
                "{backend:?}: the list was never fetched while the driver was away"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        // Coming back, the loads are there at once.
        let (status, page, took, _) = list(&app, &path).await;
        assert_eq!(status, 200, "{backend:?}: {page}");
        assert!(
            !page["cards"].as_array().unwrap().is_empty(),
            "{backend:?}: {page}"
        );
        assert!(
            took < Duration::from_secs(1),
            "{backend:?}: the page was waiting, yet took {took:?}"
        );
        assert_eq!(
            exchange.stats().lists,
            lists_when_told + 1,
            "{backend:?}: one call for the list, the driver's return included"
        );
    }
}

#[tokio::test]
async fn a_crowd_asking_for_loads_on_a_spent_budget_is_told_at_once_rather_than_held() {
    for backend in backends() {
        let (_exchange, mut app) = app_with_exchange("busy_lists_crowd", backend, &BUSY).await;
        app.sign_in_as(json!({"id": 740_002, "first_name": "Олег", "language_code": "ru"}))
            .await;
        for city in 1..40 {
            if list(&app, &format!("/api/v1/cargos?from_city_id={city}"))
                .await
                .0
                == 202
            {
                break;
            }
        }

        // Twelve different lists at once, on a budget that makes a call every 0.6 s: most of
        // them stand too far back for a slot within the hold, and are told so at once.
        let paths: Vec<String> = (100..112)
            .map(|city| format!("/api/v1/cargos?from_city_id={city}"))
            .collect();
        let answers =
            futures_util::future::join_all(paths.iter().map(|path| list(&app, path))).await;
        for (status, body, ..) in &answers {
            assert_eq!(*status, 202, "{backend:?}: {body}");
        }
        let at_once = answers
            .iter()
            .filter(|(_, _, took, _)| *took < Duration::from_secs(1))
            .count();
        let held: Vec<Duration> = answers.iter().map(|(_, _, took, _)| *took).collect();
        assert!(
            at_once >= 6,
            "{backend:?}: only {at_once} of 12 told within a second: {held:?}"
        );
    }
}

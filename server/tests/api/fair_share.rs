//! Fair shares of the exchange's budget over HTTP: a driver who spends their share is told to
//! wait (429 `too_many_requests`, with `Retry-After`) while other drivers are served and while
//! what is cached still reaches them; an admin sees who costs the most, cuts a driver's share and
//! bans, each at once and audited.

use admin::wire::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    admin::{AdminBrowser, log_in, make_admin},
    support::{TestApp, app_with_exchange, backends, scalar},
};

/// Every driver may cause two calls a minute, however few are active.
const TWO_A_MINUTE: [(&str, &str); 2] = [
    ("FAIR_SHARE_FLOOR_PER_MINUTE", "2"),
    ("FAIR_SHARE_CEILING_PER_MINUTE", "2"),
];

/// A driver with the free trial, on their own phone; with their id.
async fn driver(app: &TestApp, telegram_id: i64, name: &str) -> (TestApp, i64) {
    let mut phone = app.same_server();
    let driver = phone
        .sign_in_as(json!({"id": telegram_id, "first_name": name}))
        .await;
    (phone, driver["id"].as_i64().expect("the driver's id"))
}

async fn admin(app: &TestApp) -> AdminBrowser<'_> {
    make_admin(app, "admin@hauler.test", Role::Admin).await;
    log_in(app, "admin@hauler.test").await
}

/// Loads from one city: each city a question of its own, so a first ask is an upstream call.
fn loads_from(city: u32) -> String {
    format!("/api/v1/cargos?from_city_id={city}")
}

/// The status, the `Retry-After` header and the body of a GET.
async fn get(phone: &TestApp, path: &str) -> (u16, Option<u64>, Value) {
    let response = phone.get(path).await;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok());
    (
        status,
        retry_after,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_driver_over_their_share_is_told_when_to_come_back_while_another_driver_is_served() {
    for backend in backends() {
        let (exchange, app) = app_with_exchange("fair_share_refusal", backend, &TWO_A_MINUTE).await;
        let (greedy, _) = driver(&app, 940_001, "Жадный").await;
        let (patient, _) = driver(&app, 940_002, "Терпеливый").await;

        for city in [1, 2] {
            let (status, _, page) = get(&greedy, &loads_from(city)).await;
            assert_eq!(status, 200, "{backend:?}: within the share: {page}");
        }
        let lists = exchange.stats().lists;
        let (status, retry_after, refusal) = get(&greedy, &loads_from(3)).await;
        assert_eq!(status, 429, "{backend:?}: {refusal}");
        assert_eq!(refusal["code"], "too_many_requests");
        assert!(!refusal["message"].as_str().unwrap().is_empty());
        let retry_after = retry_after.expect("Retry-After says when the share frees");
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        assert_eq!(
            exchange.stats().lists,
            lists,
            "{backend:?}: the refused call never reached the exchange"
        );

        let (status, _, page) = get(&patient, &loads_from(3)).await;
        assert_eq!(status, 200, "{backend:?}: another driver is served: {page}");
        assert_eq!(exchange.stats().lists, lists + 1);

        // What is cached costs nothing: the greedy driver still sees it.
        for city in [1, 2, 3] {
            let (status, _, page) = get(&greedy, &loads_from(city)).await;
            assert_eq!(status, 200, "{backend:?}: cached city {city}: {page}");
        }
        assert_eq!(
            exchange.stats().lists,
            lists + 1,
            "all three from the cache"
        );

        let caused = app.gateway.upstream_calls_by_driver();
        let mut counts: Vec<u64> = caused.values().copied().collect();
        counts.sort_unstable();
        assert_eq!(
            counts,
            [1, 2],
            "{backend:?}: each driver's own calls: {caused:?}"
        );
    }
}

#[tokio::test]
async fn an_admin_sees_the_costliest_drivers_and_cuts_one_share_at_once() {
    for backend in backends() {
        let (exchange, app) = app_with_exchange("fair_share_cut", backend, &[]).await;
        let admin = admin(&app).await;
        let (greedy, greedy_id) = driver(&app, 941_001, "Жадный").await;
        let (modest, modest_id) = driver(&app, 941_002, "Скромный").await;
        for city in 1..=3 {
            assert_eq!(get(&greedy, &loads_from(city)).await.0, 200);
        }
        assert_eq!(get(&modest, &loads_from(10)).await.0, 200);

        let (status, overview) = admin.call(Method::GET, "/admin/api/overview", None).await;
        assert_eq!(status, 200, "{overview}");
        let used = &overview["upstream_use"];
        assert_eq!(used["lists"], 4, "{backend:?}: {used}");
        let top: Vec<(i64, u64)> = used["top_drivers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                (
                    row["driver_id"].as_i64().unwrap(),
                    row["calls"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(top, [(greedy_id, 3), (modest_id, 1)], "{backend:?}");
        assert_eq!(used["top_drivers"][0]["name"], "Жадный");

        let share = format!("/admin/api/drivers/{greedy_id}/upstream-share");
        let (status, cut) = admin
            .call(Method::PUT, &share, Some(json!({"cap_per_minute": 0})))
            .await;
        assert_eq!(status, 200, "{cut}");
        assert_eq!(cut["cap_per_minute"], 0);
        assert_eq!(cut["share_per_minute"], 0);
        assert_eq!(cut["calls_last_hour"], 3);

        let lists = exchange.stats().lists;
        let (status, retry_after, refusal) = get(&greedy, &loads_from(4)).await;
        assert_eq!(status, 429, "{backend:?}: cut to nothing: {refusal}");
        assert_eq!(refusal["code"], "too_many_requests");
        assert!(retry_after.is_some());
        assert_eq!(
            get(&greedy, &loads_from(1)).await.0,
            200,
            "cached answers stay"
        );
        assert_eq!(
            get(&modest, &loads_from(4)).await.0,
            200,
            "others are not cut"
        );
        assert_eq!(exchange.stats().lists, lists + 1);

        let (status, refusal) = admin
            .call(Method::PUT, &share, Some(json!({"cap_per_minute": 5000})))
            .await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (422, Some("invalid_share"))
        );

        let (status, lifted) = admin
            .call(Method::PUT, &share, Some(json!({"cap_per_minute": null})))
            .await;
        assert_eq!(status, 200, "{lifted}");
        assert!(lifted["cap_per_minute"].is_null());
        assert_eq!(
            get(&greedy, &loads_from(5)).await.0,
            200,
            "the cut is lifted"
        );

        let db = app.database().await;
        for action in [
            "driver.upstream_share_cut",
            "driver.upstream_share_restored",
        ] {
            let audited = scalar(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' \
                     AND object = 'driver:{greedy_id}' AND actor = 'admin:admin@hauler.test'"
                ),
            )
            .await;
            assert_eq!(audited, 1, "{backend:?}: {action}");
        }

        let (status, refusal) = greedy
            .call(Method::PUT, &share, Some(json!({"cap_per_minute": null})))
            .await;
        assert_eq!(status, 403, "a driver has no say: {refusal}");
    }
}

#[tokio::test]
async fn a_banned_driver_causes_no_upstream_call() {
    for backend in backends() {
        let (exchange, app) = app_with_exchange("fair_share_ban", backend, &[]).await;
        let admin = admin(&app).await;
        let (mut greedy, greedy_id) = driver(&app, 942_001, "Жадный").await;
        assert_eq!(get(&greedy, &loads_from(1)).await.0, 200);

        let (status, _) = admin
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{greedy_id}/ban"),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let before = exchange.stats();
        for path in [
            loads_from(2),
            "/api/v1/cargos/100001".into(),
            "/api/v1/cities?q=Ка".into(),
        ] {
            let (status, _, refusal) = get(&greedy, &path).await;
            assert_eq!(status, 401, "{backend:?}: {path}: {refusal}");
        }
        let init_data = server::telegram::init_data::signed_init_data(
            &json!({"id": 942_001, "first_name": "Жадный"}),
            chrono::Utc::now().timestamp(),
            server::config::SANDBOX_BOT_TOKEN,
        );
        greedy.bearer = None;
        let (status, refusal) = greedy
            .call(
                Method::POST,
                "/api/v1/auth/telegram",
                Some(json!({"init_data": init_data})),
            )
            .await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (403, Some("driver_banned"))
        );
        let after = exchange.stats();
        assert_eq!(
            (after.lists, after.details, after.points),
            (before.lists, before.details, before.points),
            "{backend:?}: nothing reached the exchange for them"
        );
    }
}

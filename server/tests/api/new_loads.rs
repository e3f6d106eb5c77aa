//! New loads: they reach an open Mini App over the live channel, and drivers who asked for
//! alerts get each one once through the bot — never in their quiet hours.

use std::time::Duration;

use chrono::Timelike;
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::{TestApp, app_with_exchange, backends};

/// Reads server-sent events until one named `new_load` arrives (or ten seconds pass).
async fn next_new_load(
    response: &mut reqwest::Response,
    buffer: &mut String,
) -> Option<(u64, Value)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if block.contains("event: new_load") {
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|line| line.strip_prefix(name))
                        .map(str::trim)
                        .map(str::to_owned)
                };
                let id = field("id:")?.parse().ok()?;
                let data = serde_json::from_str(&field("data:")?).ok()?;
                return Some((id, data));
            }
            continue;
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .ok()?
            .ok()??;
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn open_live(app: &TestApp, last_event_id: Option<u64>) -> reqwest::Response {
    let token = app.bearer.clone().unwrap();
    let mut request = app
        .client
        .get(app.url(&format!("/api/v1/live?access_token={token}")));
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response
}

#[tokio::test]
async fn a_new_load_reaches_an_open_mini_app_within_seconds_and_a_reconnect_misses_nothing() {
    for backend in backends() {
        let (exchange, mut app) = app_with_exchange(
            "new_loads_live",
            backend,
            &[("NEW_LOADS_CHECK_SECONDS", "1")],
        )
        .await;
        app.sign_in_as(json!({"id": 830_001, "first_name": "Лев"}))
            .await;
        let mut live = open_live(&app, None).await;
        // The detector's first look only remembers what is there.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        exchange.tick(2, 0);

        let mut buffer = String::new();
        let (first_id, first) = next_new_load(&mut live, &mut buffer)
            .await
            .expect("a live event");
        let (_, second) = next_new_load(&mut live, &mut buffer)
            .await
            .expect("a second event");
        let newest = exchange.open_load_ids()[..2].to_vec();
        let mut got = vec![
            first["id"].as_u64().unwrap(),
            second["id"].as_u64().unwrap(),
        ];
        got.sort();
        let mut expected = newest.clone();
        expected.sort();
        assert_eq!(got, expected, "{backend:?}");
        assert!(first["from_city"].is_string());

        // The connection drops after the first event; the browser comes back with its id.
        drop(live);
        let mut again = open_live(&app, Some(first_id)).await;
        let mut buffer = String::new();
        let (_, replayed) = next_new_load(&mut again, &mut buffer)
            .await
            .expect("the missed event");
        assert_eq!(replayed["id"], second["id"]);
    }
}

#[tokio::test]
async fn the_live_channel_needs_a_session() {
    let (_exchange, app) = app_with_exchange("new_loads_live_session", backends()[0], &[]).await;
    let (status, body) = app.call(Method::GET, "/api/v1/live", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("session_missing"))
    );
    let (status, body) = app
        .call(Method::GET, "/api/v1/live?access_token=nope", None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("session_expired"))
    );
}

/// A time zone in which it is now `hour` o'clock.
fn offset_for_local_hour(hour: i64) -> i64 {
    let utc = i64::from(chrono::Utc::now().hour());
    let mut offset = (hour - utc) * 60;
    if offset > 14 * 60 {
        offset -= 24 * 60;
    }
    if offset < -12 * 60 {
        offset += 24 * 60;
    }
    offset
}

async fn alerts_to(app: &TestApp, chat_id: i64) -> Vec<Value> {
    let path = format!("/sandbox/telegram/__sandbox/messages?chat_id={chat_id}");
    app.call(Method::GET, &path, None)
        .await
        .1
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|message| {
            message["text"]
                .as_str()
                .unwrap_or_default()
                .starts_with("🔔")
        })
        .collect()
}

async fn driver_with_alerts(app: &mut TestApp, telegram_id: i64, local_hour: i64) {
    let driver = app
        .sign_in_as(json!({"id": telegram_id, "first_name": "Зоя"}))
        .await;
    let db = app.database().await;
    db.execute_unprepared(&format!(
        "UPDATE drivers SET utc_offset_minutes = {} WHERE id = {}",
        offset_for_local_hour(local_hour),
        driver["id"]
    ))
    .await
    .unwrap();
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/me/filters",
            Some(json!({"name": "Всё подряд", "filter": {}, "notify": true})),
        )
        .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn an_alert_goes_out_once_for_each_new_load_and_not_again() {
    let (exchange, mut app) = app_with_exchange(
        "new_loads_alerts",
        backends()[0],
        &[("NEW_LOADS_CHECK_SECONDS", "1")],
    )
    .await;
    driver_with_alerts(&mut app, 830_002, 12).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    exchange.tick(2, 0);

    let mut alerts = Vec::new();
    for _ in 0..80 {
        alerts = alerts_to(&app, 830_002).await;
        if alerts.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert!(alerts[0]["text"].as_str().unwrap().contains("«Всё подряд»"));
    let url = alerts[0]["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"]
        .as_str()
        .unwrap();
    assert!(url.contains("/cargo/"), "{url}");

    // Several more looks find nothing new: nothing more is sent.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(alerts_to(&app, 830_002).await.len(), 2);
}

#[tokio::test]
async fn quiet_hours_keep_alerts_away_at_night() {
    let (exchange, mut app) = app_with_exchange(
        "new_loads_quiet_hours",
        backends()[0],
        &[("NEW_LOADS_CHECK_SECONDS", "1")],
    )
    .await;
    driver_with_alerts(&mut app, 830_003, 23).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    exchange.tick(2, 0);
    tokio::time::sleep(Duration::from_millis(4000)).await;
    assert!(alerts_to(&app, 830_003).await.is_empty());
}

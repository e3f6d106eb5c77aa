//! New loads: they reach an open Mini App over the live channel, and drivers who asked for
//! alerts get each one once through the bot — never in their quiet hours.

use std::time::Duration;

use chrono::Timelike;
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::{
    Options, OwnRedis, Store, TestApp, app_with_exchange, backends, databases, free_port,
    instant_exchange, serve_exchange, spawn_app_with,
};

/// Reads server-sent events until one named `new_load` arrives (or ten seconds pass).
async fn next_new_load(
    response: &mut reqwest::Response,
    buffer: &mut String,
) -> Option<(String, Value)> {
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
                let id = field("id:")?;
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

/// The live channel as the Mini App opens it; `token` is the driver's session.
async fn open_live_as(
    app: &TestApp,
    token: &str,
    last_event_id: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url(&format!("/api/v1/live?access_token={token}")));
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response
}

async fn open_live(app: &TestApp, last_event_id: Option<&str>) -> reqwest::Response {
    open_live_as(app, app.bearer.as_deref().unwrap(), last_event_id).await
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
        let mut again = open_live(&app, Some(&first_id)).await;
        let mut buffer = String::new();
        let (_, replayed) = next_new_load(&mut again, &mut buffer)
            .await
            .expect("the missed event");
        assert_eq!(replayed["id"], second["id"]);
    }
}

#[tokio::test]
async fn with_two_instances_a_new_load_reaches_drivers_on_both_and_a_reconnect_to_the_other_resumes()
 {
    // Two instances share a database and Redis; Redis is the shared one when configured, else
    // one of the test's own.
    let own = std::env::var("REDIS_URL")
        .is_err()
        .then(|| OwnRedis::start(free_port()));
    let redis_url = own
        .as_ref()
        .map(OwnRedis::url)
        .unwrap_or_else(|| std::env::var("REDIS_URL").unwrap());
    let db = databases().pop().expect("a database");
    let (exchange_url, exchange) = serve_exchange(instant_exchange()).await;
    let prefix = format!("test-live-pair-{:08x}", rand::random::<u32>());
    let vars = |exchange_url: String, database: Option<String>| {
        let mut vars = vec![
            ("CARGOTECH_BASE_URL", exchange_url),
            ("NEW_LOADS_CHECK_SECONDS", "1".to_owned()),
            ("REDIS_URL", redis_url.clone()),
            ("REDIS_KEY_PREFIX", prefix.clone()),
        ];
        vars.extend(database.map(|url| ("DATABASE_URL", url)));
        Options { extra_vars: vars }
    };
    let mut first = spawn_app_with(
        "new_loads_live_two_instances",
        (db, Store::Redis),
        vars(exchange_url, None),
    )
    .await;
    // The first instance takes the detector's lease at its first round. The second cannot even
    // reach the exchange: whatever its drivers see travelled from the first through Redis.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut second = spawn_app_with(
        "new_loads_live_two_instances",
        (db, Store::Redis),
        vars(
            "http://127.0.0.1:9".into(),
            Some(first.database_url.clone()),
        ),
    )
    .await;
    first
        .sign_in_as(json!({"id": 830_101, "first_name": "Лев"}))
        .await;
    second
        .sign_in_as(json!({"id": 830_102, "first_name": "Олег"}))
        .await;
    let lev = first.bearer.clone().unwrap();
    let oleg = second.bearer.clone().unwrap();
    let mut lev_live = open_live_as(&first, &lev, None).await;
    let mut oleg_live = open_live_as(&second, &oleg, None).await;
    // The first look only remembers what is there.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    exchange.tick(2, 0);

    let (mut lev_buffer, mut oleg_buffer) = (String::new(), String::new());
    let mut lev_got = Vec::new();
    let mut oleg_got = Vec::new();
    for _ in 0..2 {
        lev_got.push(
            next_new_load(&mut lev_live, &mut lev_buffer)
                .await
                .expect("Лев's event"),
        );
        oleg_got.push(
            next_new_load(&mut oleg_live, &mut oleg_buffer)
                .await
                .expect("Олег's event"),
        );
    }
    let ids = |got: &[(String, Value)]| {
        got.iter()
            .map(|(id, card)| (id.clone(), card["id"].as_u64().unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&lev_got),
        ids(&oleg_got),
        "the same events, numbered alike, on both instances"
    );
    let mut loads: Vec<u64> = ids(&lev_got).into_iter().map(|(_, load)| load).collect();
    loads.sort();
    let mut newest = exchange.open_load_ids()[..2].to_vec();
    newest.sort();
    assert_eq!(loads, newest);

    // Лев's connection drops after the first event; his browser comes back through the other
    // instance with the last id it saw, and gets what it missed.
    drop(lev_live);
    let mut again = open_live_as(&second, &lev, Some(&lev_got[0].0)).await;
    let mut buffer = String::new();
    let (id, card) = next_new_load(&mut again, &mut buffer)
        .await
        .expect("the missed event, from the other instance");
    assert_eq!(
        (id, card["id"].clone()),
        (lev_got[1].0.clone(), lev_got[1].1["id"].clone())
    );
    drop(own);
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

/// `HH:MM` on the UTC clock, `minutes` from now.
fn utc_clock(minutes: i64) -> String {
    let at = chrono::Utc::now() + chrono::Duration::minutes(minutes);
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// The driver's alerts in the outbox: (key, status, when it may go).
async fn queued_alerts(app: &TestApp, driver_id: &Value) -> Vec<(String, String, String)> {
    let db = app.database().await;
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT dedupe_key, status, next_attempt_at FROM outbox_messages \
                 WHERE dedupe_key LIKE 'alert:{driver_id}:%' ORDER BY id"
            ),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            let at: chrono::DateTime<chrono::Utc> = row.try_get("", "next_attempt_at").unwrap();
            (
                row.try_get("", "dedupe_key").unwrap(),
                row.try_get("", "status").unwrap(),
                at.format("%H:%M").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn quiet_hours_hold_alerts_until_they_end_and_a_paused_filter_gets_none() {
    for backend in backends() {
        let (exchange, mut app) = app_with_exchange(
            "new_loads_quiet_hours",
            backend,
            &[("NEW_LOADS_CHECK_SECONDS", "1")],
        )
        .await;
        // Зоя sleeps now: her quiet hours began an hour ago and end in an hour, on UTC.
        driver_with_alerts(&mut app, 830_003, 12).await;
        let zoya = app.call(Method::GET, "/api/v1/me", None).await.1["id"].clone();
        let quiet = |from: String, until: String| {
            json!({"notifications": true, "utc_offset_minutes": 0,
                "quiet_hours": {"from": from, "until": until}})
        };
        let ends = utc_clock(60);
        let (status, _) = app
            .call(
                Method::PUT,
                "/api/v1/me/profile",
                Some(quiet(utc_clock(-60), ends.clone())),
            )
            .await;
        assert_eq!(status, 200);
        // Максим paused his filter; Лена's keeps working, which shows the detector did look.
        driver_with_alerts(&mut app, 830_004, 12).await;
        let (_, saved) = app.call(Method::GET, "/api/v1/me/filters", None).await;
        let path = format!("/api/v1/me/filters/{}", saved[0]["id"]);
        let paused = json!({"name": "Всё подряд", "filter": {}, "notify": true, "paused": true});
        assert_eq!(app.call(Method::PUT, &path, Some(paused)).await.0, 200);
        driver_with_alerts(&mut app, 830_005, 12).await;

        tokio::time::sleep(Duration::from_millis(2500)).await;
        exchange.tick(2, 0);
        let mut lena = Vec::new();
        for _ in 0..80 {
            lena = alerts_to(&app, 830_005).await;
            if lena.len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(lena.len(), 2, "{backend:?}: the detector looked");
        assert!(
            alerts_to(&app, 830_004).await.is_empty(),
            "a paused filter stays silent"
        );

        // Зоя's two alerts wait in the outbox for the end of her quiet hours, unsent.
        let mut held = Vec::new();
        for _ in 0..50 {
            held = queued_alerts(&app, &zoya).await;
            if held.len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(held.len(), 2, "{held:?}");
        for (_, status, at) in &held {
            assert_eq!((status.as_str(), at), ("pending", &ends));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(alerts_to(&app, 830_003).await.is_empty(), "held at night");

        // Her quiet hours end (she moves them to have ended a minute ago): both alerts go out.
        app.sign_in_as(json!({"id": 830_003, "first_name": "Зоя"}))
            .await;
        let (status, _) = app
            .call(
                Method::PUT,
                "/api/v1/me/profile",
                Some(quiet(utc_clock(-120), utc_clock(-1))),
            )
            .await;
        assert_eq!(status, 200);
        let mut morning = Vec::new();
        for _ in 0..80 {
            morning = alerts_to(&app, 830_003).await;
            if morning.len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            morning.len(),
            2,
            "{backend:?}: delivered when the quiet hours ended"
        );
        assert!(
            morning[0]["text"]
                .as_str()
                .unwrap()
                .contains("«Всё подряд»")
        );
    }
}

//! The bot: `/start` and its Mini App button, the webhook's secret and the updates it subscribes
//! to (a Stars payment over the webhook), buttons under messages, and drivers who blocked the bot
//! — against the sandbox Telegram this server hosts.

use std::time::Duration;

use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use admin::wire::Role;

use crate::{
    admin::{log_in, make_admin},
    subscriptions::{buy_with_stars, plan, settled},
    support::{TestApp, app_with_exchange, backends, chat_with, instant_exchange, serve_exchange},
};

/// A driver writes to the bot (the sandbox Telegram delivers it as Telegram would).
async fn driver_writes(app: &TestApp, update: Value) {
    let (status, body) = app
        .call(
            Method::POST,
            "/sandbox/telegram/__sandbox/updates",
            Some(update),
        )
        .await;
    assert_eq!(status, 204, "{body}");
}

#[tokio::test]
async fn start_answers_with_a_button_that_opens_the_mini_app() {
    for backend in backends() {
        let (_exchange, app) = app_with_exchange("bot_start", backend, &[]).await;
        driver_writes(
            &app,
            json!({"chat_id": 820_001, "text": "/start", "first_name": "Игорь"}),
        )
        .await;
        let messages = chat_with(&app, 820_001, 1).await;
        assert_eq!(messages.len(), 1, "{backend:?}: {messages:?}");
        assert!(messages[0]["text"].as_str().unwrap().contains("Hauler"));
        let button = &messages[0]["reply_markup"]["inline_keyboard"][0][0];
        assert_eq!(button["text"], "Найти грузы");
        assert_eq!(button["web_app"]["url"], format!("{}/", app.address));

        // The driver now exists, before ever opening the app.
        let db = app.database().await;
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT first_name FROM drivers WHERE telegram_id = 820001",
            ))
            .await
            .unwrap()
            .expect("the driver was created");
        assert_eq!(row.try_get::<String>("", "first_name").unwrap(), "Игорь");

        driver_writes(
            &app,
            json!({"chat_id": 820_001, "text": "/start campaign-42"}),
        )
        .await;
        let messages = chat_with(&app, 820_001, 2).await;
        let url = messages[1]["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"]
            .as_str()
            .unwrap();
        assert!(url.ends_with("/?start=campaign-42"), "{url}");

        driver_writes(
            &app,
            json!({"chat_id": 820_001, "text": "/help", "language_code": "en"}),
        )
        .await;
        let messages = chat_with(&app, 820_001, 3).await;
        assert!(messages[2]["text"].as_str().unwrap().contains("/status"));
    }
}

#[tokio::test]
async fn the_webhook_takes_updates_only_with_telegrams_secret_and_answers_each_once() {
    let (_exchange, app) = app_with_exchange(
        "bot_webhook",
        backends()[0],
        &[
            ("TELEGRAM_UPDATES", "webhook"),
            ("TELEGRAM_WEBHOOK_SECRET", "s3cret-webhook"),
        ],
    )
    .await;
    let update = json!({"update_id": 7001, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 820_002, "type": "private"},
        "from": {"id": 820_002, "first_name": "Вера"}, "text": "/start",
    }});
    let post = |secret: Option<&'static str>| {
        let mut request = app.client.post(app.url("/telegram/webhook")).json(&update);
        if let Some(secret) = secret {
            request = request.header("x-telegram-bot-api-secret-token", secret);
        }
        request.send()
    };
    assert_eq!(post(None).await.unwrap().status(), 401);
    assert_eq!(post(Some("guess")).await.unwrap().status(), 401);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        chat_with(&app, 820_002, 0).await.is_empty(),
        "a refused call changes nothing"
    );

    assert_eq!(post(Some("s3cret-webhook")).await.unwrap().status(), 200);
    // Telegram redelivers an update it thinks was lost: still one answer.
    assert_eq!(post(Some("s3cret-webhook")).await.unwrap().status(), 200);
    assert_eq!(chat_with(&app, 820_002, 1).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(chat_with(&app, 820_002, 1).await.len(), 1);

    // The server registered its webhook at start: Telegram itself now delivers there.
    let mut delivered = false;
    for _ in 0..30 {
        let (status, _) = app
            .call(
                Method::POST,
                "/sandbox/telegram/__sandbox/updates",
                Some(json!({"chat_id": 820_003, "text": "/help"})),
            )
            .await;
        if status == 204 {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        delivered,
        "the sandbox Telegram could not reach the webhook"
    );
    assert_eq!(chat_with(&app, 820_003, 1).await.len(), 1);
}

/// Waits (five seconds at most) until the server has registered its webhook with Telegram.
async fn webhook_registered(app: &TestApp) -> Value {
    let path = format!(
        "/sandbox/telegram/bot{}/getWebhookInfo",
        server::config::SANDBOX_BOT_TOKEN
    );
    for _ in 0..50 {
        let (_, info) = app.call(Method::POST, &path, Some(json!({}))).await;
        if info["result"]["url"]
            .as_str()
            .is_some_and(|url| !url.is_empty())
        {
            return info["result"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server never registered its webhook");
}

#[tokio::test]
async fn a_stars_payment_completes_over_the_webhook() {
    let (_exchange, mut app) = app_with_exchange(
        "bot_webhook_stars",
        backends()[0],
        &[
            ("TELEGRAM_UPDATES", "webhook"),
            ("TELEGRAM_WEBHOOK_SECRET", "s3cret-webhook"),
            ("STARS_PLATFORMS", "ios"),
        ],
    )
    .await;
    webhook_registered(&app).await;
    app.sign_in_without_access(json!({"id": 820_011, "first_name": "Олег"}))
        .await;
    let (payment, slug) = buy_with_stars(&app, &plan(&app, 7).await).await;

    // Telegram asks the bot at its webhook before taking the stars, and sends only the kinds of
    // update the bot subscribed to.
    let (status, paid) = app
        .call(
            Method::POST,
            &format!("/sandbox/telegram/__sandbox/invoices/{slug}/pay"),
            Some(json!({"user_id": 820_011})),
        )
        .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(
        paid["status"], "paid",
        "the pre-checkout query reached the webhook and was approved: {paid}"
    );
    let settled = settled(&app, &payment["id"]).await;
    assert_eq!(settled["status"], "succeeded", "{settled}");
    assert_eq!(settled["access"]["days_left"], 7);
}

#[tokio::test]
async fn the_hide_button_under_a_load_card_hides_it_from_the_list() {
    let (_exchange, mut app) = app_with_exchange("bot_hide_button", backends()[0], &[]).await;
    app.sign_in_as(json!({"id": 820_004, "first_name": "Пётр"}))
        .await;
    let (_, page) = app.call(Method::GET, "/api/v1/cargos?limit=20", None).await;
    let id = page["cards"][0]["id"].as_u64().unwrap();
    app.call(Method::POST, &format!("/api/v1/cargos/{id}/response"), None)
        .await;
    let card = &chat_with(&app, 820_004, 1).await[0];
    let data = card["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(data, format!("hide:{id}"));

    driver_writes(&app, json!({"chat_id": 820_004, "data": data})).await;
    let mut gone = false;
    for _ in 0..50 {
        let (_, page) = app.call(Method::GET, "/api/v1/cargos?limit=20", None).await;
        if page["cards"]
            .as_array()
            .unwrap()
            .iter()
            .all(|card| card["id"] != id)
        {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "the load is still in the driver's list");
}

#[tokio::test]
async fn a_driver_who_blocked_the_bot_is_marked_skipped_and_welcomed_back() {
    let (_exchange, mut app) = app_with_exchange("bot_blocked_driver", backends()[0], &[]).await;
    app.sign_in_as(json!({"id": 820_005, "first_name": "Анна"}))
        .await;
    app.call(
        Method::POST,
        "/sandbox/telegram/__sandbox/control",
        Some(json!({"blocked_chats": [820_005]})),
    )
    .await;
    let (_, page) = app.call(Method::GET, "/api/v1/cargos?limit=20", None).await;
    let ids: Vec<u64> = page["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    app.call(
        Method::POST,
        &format!("/api/v1/cargos/{}/response", ids[0]),
        None,
    )
    .await;

    let db = app.database().await;
    let blocked = || async {
        db.query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT bot_blocked_at IS NOT NULL AS blocked FROM drivers WHERE telegram_id = 820005",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<bool>("", "blocked")
        .unwrap()
    };
    for _ in 0..50 {
        if blocked().await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        blocked().await,
        "the driver is marked as having blocked the bot"
    );

    // The next message is not even tried.
    app.call(
        Method::POST,
        "/sandbox/telegram/__sandbox/control",
        Some(json!({"blocked_chats": []})),
    )
    .await;
    app.call(
        Method::POST,
        &format!("/api/v1/cargos/{}/response", ids[1]),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(chat_with(&app, 820_005, 0).await.is_empty());

    // Writing to the bot again lifts the mark.
    driver_writes(&app, json!({"chat_id": 820_005, "text": "/start"})).await;
    assert_eq!(chat_with(&app, 820_005, 1).await.len(), 1);
    assert!(!blocked().await);
}

#[tokio::test]
async fn webhook_mode_needs_its_secret_to_start() {
    let problems = server::config::Config::from_vars(
        [("TELEGRAM_UPDATES".to_owned(), "webhook".to_owned())].into(),
    )
    .unwrap_err();
    assert!(problems.to_string().contains("TELEGRAM_WEBHOOK_SECRET"));
}

/// An exchange where someone changed the account's password: every login is refused.
async fn exchange_refusing_the_account() -> (String, server::sandbox::cargotech::Exchange) {
    serve_exchange(server::sandbox::cargotech::ExchangeConfig {
        password: "changed-by-someone".into(),
        ..instant_exchange()
    })
    .await
}

#[tokio::test]
async fn operators_hear_once_an_hour_that_the_cargotech_login_is_failing() {
    let (exchange_url, _exchange) = exchange_refusing_the_account().await;
    let app = crate::support::spawn_app_with(
        "bot_operator_alert",
        backends()[0],
        crate::support::Options {
            extra_vars: vec![
                ("CARGOTECH_BASE_URL", exchange_url),
                ("TELEGRAM_OPERATOR_CHAT_ID", "-100777".into()),
                ("OPERATOR_ALERTS_CHECK_SECONDS", "1".into()),
            ],
        },
    )
    .await;
    let alerts = chat_with(&app, -100_777, 1).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let text = alerts[0]["text"].as_str().unwrap();
    assert!(text.contains("CargoTech login failing"), "{text}");
    assert!(text.contains("phone or password"), "{text}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        chat_with(&app, -100_777, 1).await.len(),
        1,
        "not again within the hour"
    );
}

#[tokio::test]
async fn alerts_go_to_the_operator_chat_set_on_the_dashboard_without_a_restart() {
    let (exchange_url, _exchange) = exchange_refusing_the_account().await;
    // No chat in the environment: the failing login reaches only the logs at first.
    let app = crate::support::spawn_app_with(
        "bot_operator_chat_setting",
        backends()[0],
        crate::support::Options {
            extra_vars: vec![
                ("CARGOTECH_BASE_URL", exchange_url),
                ("OPERATOR_ALERTS_CHECK_SECONDS", "1".into()),
            ],
        },
    )
    .await;
    make_admin(&app, "owner@hauler.test", Role::Owner).await;
    let owner = log_in(&app, "owner@hauler.test").await;
    let (status, body) = owner
        .call(
            Method::PUT,
            "/admin/api/settings/telegram.operator_chat_id",
            Some(json!({"value": "-100888"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let alerts = chat_with(&app, -100_888, 1).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0]["text"]
            .as_str()
            .unwrap()
            .contains("CargoTech login failing"),
        "{alerts:?}"
    );
}

/// `hauler bot` as a child process, stopped when the test ends.
struct BotProcess(std::process::Child);

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_bot_runs_as_its_own_process_with_its_service_token_and_not_without() {
    let (_exchange, app) = app_with_exchange(
        "bot_separate_process",
        backends()[0],
        &[("TELEGRAM_UPDATES", "off")],
    )
    .await;
    let db = app.database().await;
    let (token, row) = domain::service_tokens::create(&db, "bot", None, "test")
        .await
        .unwrap();

    // The internal API is for service clients only.
    let claim = |token: Option<String>| {
        let mut request = app
            .client
            .post(app.url("/internal/v1/outbox/claim"))
            .json(&json!({"limit": 1}));
        if let Some(token) = token {
            request = request.header("x-service-token", token);
        }
        request.send()
    };
    let refused = claim(None).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["code"],
        "service_token_required"
    );
    let refused = claim(Some("hst_guess".into())).await.unwrap();
    assert_eq!(
        refused.json::<Value>().await.unwrap()["code"],
        "service_token_invalid"
    );

    let _bot = BotProcess(
        std::process::Command::new(env!("CARGO_BIN_EXE_hauler"))
            .arg("bot")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HAULER_SERVER_URL", &app.address)
            .env("HAULER_SERVICE_TOKEN", &token)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    driver_writes(&app, json!({"chat_id": 820_010, "text": "/start"})).await;
    let messages = chat_with(&app, 820_010, 1).await;
    assert_eq!(messages.len(), 1, "the separate bot answered /start");
    assert!(messages[0]["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"].is_string());

    // Revoked, the bot's calls are refused: nothing more is answered.
    domain::service_tokens::revoke(&db, row.id).await.unwrap();
    driver_writes(&app, json!({"chat_id": 820_010, "text": "/help"})).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(chat_with(&app, 820_010, 1).await.len(), 1);
}

/// A bot process that stops gives back the messages it claimed but did not send: they can be
/// claimed again at once, not only once the claim lapses.
#[tokio::test]
async fn messages_a_stopping_bot_process_gives_back_are_claimed_again_at_once() {
    let (_exchange, app) = app_with_exchange(
        "bot_release_claims",
        backends()[0],
        &[("TELEGRAM_UPDATES", "off")],
    )
    .await;
    let db = app.database().await;
    let (token, _) = domain::service_tokens::create(&db, "bot", None, "test")
        .await
        .unwrap();
    domain::outbox::enqueue(
        &db,
        domain::outbox::Outgoing {
            chat_id: 820_020,
            dedupe_key: "release-test".into(),
            payload: json!({"chat_id": 820_020, "text": "Hauler"}),
        },
    )
    .await
    .unwrap();
    let internal = |path: &str, body: Value| {
        app.client
            .post(app.url(path))
            .header("x-service-token", &token)
            .json(&body)
            .send()
    };
    let claim = || async {
        let claimed = internal("/internal/v1/outbox/claim", json!({"limit": 10}))
            .await
            .unwrap();
        claimed.json::<Vec<Value>>().await.unwrap()
    };

    let claimed = claim().await;
    assert_eq!(claimed.len(), 1);
    assert!(claim().await.is_empty(), "held by its claim");
    let released = internal(
        "/internal/v1/outbox/release",
        json!({"ids": [claimed[0]["id"]]}),
    )
    .await
    .unwrap();
    assert_eq!(released.status(), 204);
    let again = claim().await;
    assert_eq!(again.len(), 1, "given back, it is claimed again at once");
    assert_eq!(again[0]["id"], claimed[0]["id"]);
}

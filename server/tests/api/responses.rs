//! Responding to a load, hiding loads, and the bot message a response sends — through the API,
//! the outbox and the sandbox Telegram this server hosts.

use std::time::Duration;

use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::{TestApp, app_with_exchange, backends};

const OLGA: i64 = 700_002;

fn olga() -> Value {
    json!({"id": OLGA, "first_name": "Ольга", "language_code": "ru"})
}

/// What the bot has said in a chat so far, as the sandbox Telegram recorded it.
async fn chat(app: &TestApp, chat_id: i64) -> Vec<Value> {
    let (status, messages) = app
        .call(
            Method::GET,
            &format!("/sandbox/telegram/__sandbox/messages?chat_id={chat_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    messages.as_array().cloned().unwrap_or_default()
}

/// Waits (up to five seconds) for the chat to hold `count` messages.
async fn chat_with(app: &TestApp, chat_id: i64, count: usize) -> Vec<Value> {
    for _ in 0..50 {
        let messages = chat(app, chat_id).await;
        if messages.len() >= count {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    chat(app, chat_id).await
}

async fn first_page(app: &TestApp) -> Vec<Value> {
    let (status, page) = app.call(Method::GET, "/api/v1/cargos?limit=20", None).await;
    assert_eq!(status, 200, "{page}");
    page["cards"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_driver_responds_once_and_the_card_with_contacts_reaches_their_chat() {
    for backend in backends() {
        let (_exchange, mut app) = app_with_exchange("responses_once", backend, &[]).await;
        app.sign_in_as(olga()).await;
        let cards = first_page(&app).await;
        let load = &cards[3];
        let id = load["id"].as_u64().unwrap();
        let path = format!("/api/v1/cargos/{id}/response");

        let (status, response) = app.call(Method::POST, &path, None).await;
        assert_eq!(status, 201, "{response}");
        assert_eq!(response["status"], "sent");
        assert_eq!(response["card"]["id"], id);
        let (again, same) = app.call(Method::POST, &path, None).await;
        assert_eq!(again, 200, "a second tap does not duplicate the response");
        assert_eq!(same["responded_at"], response["responded_at"]);

        let messages = chat_with(&app, OLGA, 1).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            chat(&app, OLGA).await.len(),
            1,
            "{backend:?}: exactly one message"
        );
        let text = messages[0]["text"].as_str().unwrap();
        let from = load["from_city"].as_str().unwrap();
        assert!(text.contains(from), "{text}");
        assert!(text.contains("Контакты") && text.contains("+7"), "{text}");
        let buttons = &messages[0]["reply_markup"]["inline_keyboard"][0];
        assert!(
            buttons[0]["web_app"]["url"]
                .as_str()
                .unwrap()
                .contains(&format!("/cargo/{id}?link=")),
            "{buttons}"
        );

        let marked = first_page(&app).await;
        let marked: Vec<u64> = marked
            .iter()
            .filter(|card| card["responded"] == true)
            .map(|card| card["id"].as_u64().unwrap())
            .collect();
        assert_eq!(marked, vec![id], "the list marks the load responded to");
        let (_, detail) = app
            .call(Method::GET, &format!("/api/v1/cargos/{id}"), None)
            .await;
        assert_eq!(detail["card"]["responded"], true);

        let (_, viewed) = app
            .call(Method::PUT, &path, Some(json!({"status": "viewed"})))
            .await;
        assert_eq!(viewed["status"], "viewed");
        let (_, back) = app
            .call(Method::PUT, &path, Some(json!({"status": "sent"})))
            .await;
        assert_eq!(back["status"], "viewed", "a status never moves back");

        let (_, history) = app.call(Method::GET, "/api/v1/me/responses", None).await;
        assert_eq!(history.as_array().unwrap().len(), 1);
        assert_eq!(history[0]["cargo_id"], id);
        assert_eq!(history[0]["status"], "viewed");
    }
}

#[tokio::test]
async fn a_load_taken_meanwhile_cannot_be_responded_to_and_nothing_is_sent() {
    let (exchange, mut app) = app_with_exchange("responses_taken", backends()[0], &[]).await;
    app.sign_in_as(olga()).await;
    let id = exchange.open_load_ids()[10];
    exchange.take(id);
    let (status, body) = app
        .call(Method::POST, &format!("/api/v1/cargos/{id}/response"), None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("cargo_not_available"))
    );
    let (_, history) = app.call(Method::GET, "/api/v1/me/responses", None).await;
    assert_eq!(history, json!([]));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(chat(&app, OLGA).await.is_empty());
}

#[tokio::test]
async fn freight_is_only_for_signed_in_drivers() {
    let (_exchange, mut app) = app_with_exchange("responses_session", backends()[0], &[]).await;
    for path in [
        "/api/v1/cargos",
        "/api/v1/cargos/1",
        "/api/v1/cities?q=Мос",
        "/api/v1/me",
    ] {
        let (status, body) = app.call(Method::GET, path, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("session_missing")),
            "{path}"
        );
    }
    app.bearer = Some("not-a-session".into());
    let (status, body) = app.call(Method::GET, "/api/v1/cargos", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("session_expired"))
    );

    app.sign_in_as(olga()).await;
    let (status, me) = app.call(Method::GET, "/api/v1/me", None).await;
    assert_eq!((status, &me["first_name"]), (200, &json!("Ольга")));

    let (status, _) = app.call(Method::POST, "/api/v1/auth/logout", None).await;
    assert_eq!(status, 204);
    let (status, body) = app.call(Method::GET, "/api/v1/me", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("session_expired"))
    );
}

#[tokio::test]
async fn a_hidden_load_leaves_the_drivers_list_until_unhidden() {
    for backend in backends() {
        let (_exchange, mut app) = app_with_exchange("responses_hidden", backend, &[]).await;
        app.sign_in_as(olga()).await;
        let ids = |cards: &[Value]| -> Vec<u64> {
            cards
                .iter()
                .map(|card| card["id"].as_u64().unwrap())
                .collect()
        };
        let before = ids(&first_page(&app).await);
        let (hidden, answered) = (before[2], before[4]);
        let path = format!("/api/v1/cargos/{hidden}/hidden");
        assert_eq!(app.call(Method::PUT, &path, None).await.0, 204);
        assert_eq!(
            app.call(Method::PUT, &path, None).await.0,
            204,
            "hiding twice is fine"
        );
        let response = format!("/api/v1/cargos/{answered}/response");
        assert_eq!(app.call(Method::POST, &response, None).await.0, 201);

        let after = first_page(&app).await;
        assert!(!ids(&after).contains(&hidden), "{backend:?}");
        assert_eq!(after.len(), before.len() - 1);
        let marked: Vec<u64> = ids(&after)
            .into_iter()
            .zip(&after)
            .filter(|(_, card)| card["responded"] == true)
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            marked,
            vec![answered],
            "a hidden load and a response on one page"
        );

        // Another driver still sees it.
        let mut other = app_clone_as(&app, json!({"id": 700_003, "first_name": "Сергей"})).await;
        assert!(ids(&first_page(&other).await).contains(&hidden));
        other.bearer = None;

        assert_eq!(app.call(Method::DELETE, &path, None).await.0, 204);
        assert_eq!(ids(&first_page(&app).await), before);
    }
}

/// A second driver on the same running app.
#[tokio::test]
async fn a_bad_load_id_is_refused_as_json_and_nothing_is_hidden() {
    for backend in backends() {
        let (_exchange, mut app) = app_with_exchange("responses_bad_id", backend, &[]).await;
        app.sign_in_as(olga()).await;
        let before = first_page(&app).await;
        // One past `i64::MAX` (the `bigint` the ids are stored in), not a number, zero, negative.
        for id in [
            "9223372036854775808",
            "abc",
            "0",
            "-7",
            "18446744073709551616",
        ] {
            for (method, route) in [
                (Method::PUT, "hidden"),
                (Method::DELETE, "hidden"),
                (Method::POST, "response"),
            ] {
                let path = format!("/api/v1/cargos/{id}/{route}");
                let (status, body) = app.call(method.clone(), &path, None).await;
                assert_eq!(status, 400, "{method} {path} {backend:?}");
                assert_eq!(body["code"], "invalid_id", "{method} {path}: {body}");
                assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
            }
            let (status, body) = app
                .call(Method::GET, &format!("/api/v1/cargos/{id}"), None)
                .await;
            assert_eq!((status, body["code"].as_str()), (400, Some("invalid_id")));
        }

        let db = app.database().await;
        let stored = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM hidden_cargos",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.try_get::<i64>("", "n").unwrap(), 0, "{backend:?}");
        let ids = |cards: &[Value]| -> Vec<Value> {
            cards.iter().map(|card| card["id"].clone()).collect()
        };
        assert_eq!(
            ids(&first_page(&app).await),
            ids(&before),
            "the list is unchanged"
        );
    }
}

async fn app_clone_as(app: &TestApp, user: Value) -> TestApp {
    let mut other = app.same_server();
    other.sign_in_as(user).await;
    other
}

#[tokio::test]
async fn telegram_trouble_delays_a_message_but_never_loses_or_repeats_it() {
    let (_exchange, mut app) =
        app_with_exchange("responses_telegram_trouble", backends()[0], &[]).await;
    app.sign_in_as(olga()).await;
    let (status, _) = app
        .call(
            Method::POST,
            "/sandbox/telegram/__sandbox/control",
            Some(json!({"throttle_next": 1, "retry_after": 1, "fail_next": 1})),
        )
        .await;
    assert_eq!(status, 204);
    let id = first_page(&app).await[0]["id"].as_u64().unwrap();
    let (status, _) = app
        .call(Method::POST, &format!("/api/v1/cargos/{id}/response"), None)
        .await;
    assert_eq!(status, 201);

    // A 429 (wait a second), then a 502 (back off two seconds), then it goes through.
    let mut delivered = Vec::new();
    for _ in 0..80 {
        delivered = chat(&app, OLGA).await;
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivered.len(), 1, "delivered once after the trouble");
    let db = app.database().await;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT status, attempts FROM outbox_messages",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "status").unwrap(), "sent");
    assert_eq!(row.try_get::<i32>("", "attempts").unwrap(), 3);
}

#[tokio::test]
async fn a_driver_who_blocked_the_bot_is_not_retried() {
    let (_exchange, mut app) = app_with_exchange("responses_blocked", backends()[0], &[]).await;
    app.sign_in_as(olga()).await;
    app.call(
        Method::POST,
        "/sandbox/telegram/__sandbox/control",
        Some(json!({"blocked_chats": [OLGA]})),
    )
    .await;
    let id = first_page(&app).await[0]["id"].as_u64().unwrap();
    app.call(Method::POST, &format!("/api/v1/cargos/{id}/response"), None)
        .await;
    let db = app.database().await;
    let mut status = String::new();
    for _ in 0..50 {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT status, attempts FROM outbox_messages",
            ))
            .await
            .unwrap()
            .unwrap();
        status = row.try_get::<String>("", "status").unwrap();
        if status != "pending" {
            assert_eq!(row.try_get::<i32>("", "attempts").unwrap(), 1);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "undeliverable");
    assert!(chat(&app, OLGA).await.is_empty());
}

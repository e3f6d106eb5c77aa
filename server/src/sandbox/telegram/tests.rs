//! The stand-in withholds the kinds of update the bot did not subscribe to, over HTTP as the bot
//! and a test reach it: by `getUpdates` and at the webhook.

use std::sync::{Arc, Mutex};

use axum::{Json, Router, extract::State, routing::post};
use serde_json::{Value, json};

use super::{SandboxTelegram, router};

const TOKEN: &str = "1:test";

/// The stand-in, served on its own port.
async fn serve_sandbox() -> String {
    // What the server's start does before any HTTP client is built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    serve(router(SandboxTelegram::new(TOKEN))).await
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

async fn call(base: &str, method: &str, params: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/bot{TOKEN}/{method}"))
        .json(&params)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn inject(base: &str, update: Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/__sandbox/updates"))
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

/// The kinds `getUpdates` hands over, in order.
async fn fetched_kinds(base: &str, params: Value) -> Vec<String> {
    let answer = call(base, "getUpdates", params).await;
    answer["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|update| {
            let fields = update.as_object().unwrap();
            fields
                .keys()
                .find(|key| *key != "update_id")
                .unwrap()
                .clone()
        })
        .collect()
}

fn pre_checkout() -> Value {
    json!({"pre_checkout_query": {
        "id": "q1", "from": {"id": 5, "is_bot": false, "first_name": "Driver"},
        "currency": "XTR", "total_amount": 50, "invoice_payload": "p",
    }})
}

#[tokio::test]
async fn get_updates_withholds_the_kinds_left_out_of_the_last_list_it_was_sent() {
    let base = serve_sandbox().await;
    // Telegram's default: every kind but reactions and chat members.
    inject(&base, json!({"message_reaction": {"chat": {"id": 5}}})).await;
    inject(&base, pre_checkout()).await;
    assert_eq!(
        fetched_kinds(&base, json!({})).await,
        ["pre_checkout_query"]
    );

    let subscribe = json!({"offset": 2, "allowed_updates": ["message", "callback_query"]});
    assert!(fetched_kinds(&base, subscribe).await.is_empty());
    inject(&base, pre_checkout()).await;
    inject(&base, json!({"chat_id": 5, "text": "/start"})).await;
    // A call without the list keeps the last one.
    assert_eq!(
        fetched_kinds(&base, json!({"offset": 2})).await,
        ["message"]
    );
}

#[tokio::test]
async fn the_webhook_gets_only_the_kinds_set_with_it() {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let receiver = Router::new()
        .route(
            "/hook",
            post(
                |State(received): State<Arc<Mutex<Vec<Value>>>>, Json(update): Json<Value>| async move {
                    received.lock().unwrap().push(update);
                },
            ),
        )
        .with_state(received.clone());
    let hook = format!("{}/hook", serve(receiver).await);
    let base = serve_sandbox().await;
    let set = call(
        &base,
        "setWebhook",
        json!({"url": hook, "allowed_updates": ["message", "callback_query"]}),
    )
    .await;
    assert_eq!(set["ok"], true, "{set}");
    let info = call(&base, "getWebhookInfo", json!({})).await;
    assert_eq!(info["result"]["url"], hook.as_str());
    assert_eq!(
        info["result"]["allowed_updates"],
        json!(["message", "callback_query"])
    );

    inject(&base, pre_checkout()).await;
    inject(&base, json!({"chat_id": 5, "data": "hide:1"})).await;
    let kinds: Vec<bool> = received
        .lock()
        .unwrap()
        .iter()
        .map(|update| update.get("callback_query").is_some())
        .collect();
    assert_eq!(kinds, [true], "the pre-checkout query was withheld");
}

#[tokio::test]
async fn the_separate_service_takes_only_an_https_webhook_as_telegram_does() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let base = serve(router(SandboxTelegram::new(TOKEN).https_webhooks_only())).await;
    let plain = call(
        &base,
        "setWebhook",
        json!({"url": "http://hauler.example/telegram/webhook"}),
    )
    .await;
    assert_eq!(plain["ok"], false, "{plain}");
    assert_eq!(plain["error_code"], 400);
    let info = call(&base, "getWebhookInfo", json!({})).await;
    assert_eq!(info["result"]["url"], "");

    let secure = call(
        &base,
        "setWebhook",
        json!({"url": "https://hauler.example/telegram/webhook"}),
    )
    .await;
    assert_eq!(secure["ok"], true, "{secure}");
}

//! A Telegram Bot API stand-in: the methods Hauler calls, answered the way Telegram answers them,
//! with every message kept so tests (and a person trying the sandbox) can read what the bot said.
//! Knobs under `/__sandbox/`: the messages sent, updates to deliver (a driver typing `/start`,
//! pressing a button) — by `getUpdates`, or to the webhook once one is set, with its secret
//! header, as Telegram does — chats that blocked the bot, failures to inject (`429` with
//! `retry_after`, `5xx`), and a slow answer to `sendMessage` (the message already delivered). Only the kinds of update the bot subscribed to reach it (see
//! [`subscription`]). Telegram Stars payments are simulated too (see [`stars`]).

use std::{
    collections::{HashSet, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod stars;
mod subscription;
#[cfg(test)]
mod tests;

/// The stand-in bot's own id and name, as `getMe` tells them.
pub const BOT_USERNAME: &str = "hauler_sandbox_bot";

#[derive(Debug, Clone, Serialize)]
pub struct SentMessage {
    pub message_id: u64,
    pub chat_id: i64,
    pub text: String,
    pub parse_mode: Option<String>,
    pub reply_markup: Option<Value>,
    /// Unix seconds.
    pub date: i64,
}

#[derive(Default)]
struct Chats {
    messages: Vec<SentMessage>,
    blocked: HashSet<i64>,
    /// The next messages sent answered `429` with this `retry_after` (flood control is about
    /// sending; the bot's own set-up calls at start are not what a test means to trouble).
    throttle_next: u32,
    retry_after: u64,
    /// The next messages sent answered `502` (what Telegram answers while it is down).
    fail_next: u32,
    /// How long `sendMessage` takes to answer once its message is delivered.
    answer_delay: Duration,
    menu_button: Option<Value>,
    /// Updates not yet fetched by `getUpdates`.
    updates: VecDeque<Value>,
    next_update_id: i64,
    /// `setWebhook`'s URL and secret: updates are then POSTed there instead.
    webhook: Option<(String, Option<String>)>,
    subscription: subscription::Subscription,
    stars: stars::Ledger,
}

/// The stand-in's state; cheap to clone.
#[derive(Clone)]
pub struct SandboxTelegram {
    token: String,
    /// Whether `setWebhook` takes only `https://` addresses, as Telegram does (the service run by
    /// `hauler sandbox`); in-process it also takes a test server's plain address.
    https_webhooks_only: bool,
    chats: Arc<Mutex<Chats>>,
    arrived: Arc<tokio::sync::Notify>,
    closing: Arc<std::sync::atomic::AtomicBool>,
    http: reqwest::Client,
}

impl SandboxTelegram {
    /// The chats, under the one lock every handler takes.
    fn chats(&self) -> MutexGuard<'_, Chats> {
        self.chats.lock().expect("sandbox state")
    }

    pub fn new(token: &str) -> Self {
        Self {
            token: token.to_owned(),
            https_webhooks_only: false,
            chats: Arc::default(),
            arrived: Arc::default(),
            closing: Arc::default(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("the HTTP client builds"),
        }
    }

    /// Refuses webhooks that are not `https://`, as Telegram does.
    pub fn https_webhooks_only(mut self) -> Self {
        self.https_webhooks_only = true;
        self
    }

    /// Answers long polls at once from now on (the server hosting it is shutting down).
    pub fn close(&self) {
        self.closing
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.arrived.notify_waiters();
    }

    /// Delivers an update as Telegram would: to the webhook if one is set, else to `getUpdates`;
    /// an update of a kind the bot did not subscribe to goes nowhere.
    pub async fn deliver(&self, mut update: Value) -> Result<(), String> {
        let webhook = {
            let mut chats = self.chats();
            if !chats.subscription.covers(&update) {
                return Ok(());
            }
            chats.next_update_id += 1;
            update["update_id"] = json!(chats.next_update_id);
            match chats.webhook.clone() {
                Some(webhook) => Some(webhook),
                None => {
                    chats.updates.push_back(update.clone());
                    None
                }
            }
        };
        match webhook {
            None => {
                self.arrived.notify_waiters();
                Ok(())
            }
            Some((url, secret)) => {
                let mut request = self.http.post(&url).json(&update);
                if let Some(secret) = secret {
                    request = request.header("x-telegram-bot-api-secret-token", secret);
                }
                let response = request.send().await.map_err(|e| e.to_string())?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("the webhook answered {}", response.status()))
                }
            }
        }
    }

    pub fn messages_to(&self, chat_id: i64) -> Vec<SentMessage> {
        self.chats()
            .messages
            .iter()
            .filter(|message| message.chat_id == chat_id)
            .cloned()
            .collect()
    }
}

pub fn router(telegram: SandboxTelegram) -> Router {
    Router::new()
        .route("/{bot}/{method}", post(method))
        .route("/__sandbox/messages", get(messages))
        .route("/__sandbox/updates", post(inject))
        .route("/__sandbox/control", post(control))
        .route("/__sandbox/invoices", get(stars::invoices))
        .route("/__sandbox/invoices/{slug}/pay", post(stars::pay))
        .with_state(telegram)
}

fn refusal(status: StatusCode, description: &str) -> Response {
    let mut body = json!({"ok": false, "error_code": status.as_u16(), "description": description});
    if status == StatusCode::TOO_MANY_REQUESTS {
        let retry_after: u64 = description
            .rsplit(' ')
            .next()
            .and_then(|seconds| seconds.parse().ok())
            .unwrap_or(1);
        body["parameters"] = json!({"retry_after": retry_after});
    }
    (status, Json(body)).into_response()
}

fn ok(result: Value) -> Response {
    Json(json!({"ok": true, "result": result})).into_response()
}

async fn method(
    State(telegram): State<SandboxTelegram>,
    Path((bot, method)): Path<(String, String)>,
    body: Option<Json<Value>>,
) -> Response {
    if bot.strip_prefix("bot") != Some(telegram.token.as_str()) {
        return refusal(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let params = body.map(|Json(body)| body).unwrap_or(Value::Null);
    if method == "getUpdates" {
        return get_updates(&telegram, &params).await;
    }
    let delay = (method == "sendMessage").then(|| telegram.chats().answer_delay);
    let response = answer(&telegram, &method, &params);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    response
}

/// Every method but `getUpdates`, answered at once.
fn answer(telegram: &SandboxTelegram, method: &str, params: &Value) -> Response {
    let mut chats = telegram.chats();
    let sending = method.starts_with("send");
    if sending && chats.throttle_next > 0 {
        chats.throttle_next -= 1;
        let description = format!("Too Many Requests: retry after {}", chats.retry_after);
        return refusal(StatusCode::TOO_MANY_REQUESTS, &description);
    }
    if sending && chats.fail_next > 0 {
        chats.fail_next -= 1;
        return refusal(StatusCode::BAD_GATEWAY, "Bad Gateway");
    }
    match method {
        "getMe" => ok(json!({
            "id": 7_000_000_001_u64, "is_bot": true, "first_name": "Hauler",
            "username": BOT_USERNAME,
        })),
        "sendMessage" => {
            let Some(chat_id) = params["chat_id"].as_i64() else {
                return refusal(StatusCode::BAD_REQUEST, "Bad Request: chat not found");
            };
            let text = params["text"].as_str().unwrap_or_default();
            if text.trim().is_empty() {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    "Bad Request: message text is empty",
                );
            }
            if chats.blocked.contains(&chat_id) {
                return refusal(
                    StatusCode::FORBIDDEN,
                    "Forbidden: bot was blocked by the user",
                );
            }
            let message = SentMessage {
                message_id: chats.messages.len() as u64 + 1,
                chat_id,
                text: text.to_owned(),
                parse_mode: params["parse_mode"].as_str().map(str::to_owned),
                reply_markup: params.get("reply_markup").cloned(),
                date: chrono::Utc::now().timestamp(),
            };
            let result = json!({
                "message_id": message.message_id,
                "date": message.date,
                "chat": {"id": chat_id, "type": "private"},
                "text": message.text,
            });
            chats.messages.push(message);
            ok(result)
        }
        "setChatMenuButton" => {
            chats.menu_button = params.get("menu_button").cloned();
            ok(json!(true))
        }
        "setWebhook" => {
            let Some(url) = params["url"].as_str() else {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    "Bad Request: bad webhook: URL is empty",
                );
            };
            if telegram.https_webhooks_only && !url.starts_with("https://") {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
                );
            }
            let secret = params["secret_token"].as_str().map(str::to_owned);
            chats.webhook = Some((url.to_owned(), secret));
            chats.subscription.follow(params);
            ok(json!(true))
        }
        "getWebhookInfo" => {
            let url = chats.webhook.as_ref().map_or("", |(url, _)| url.as_str());
            let mut info = json!({
                "url": url,
                "has_custom_certificate": false,
                "pending_update_count": chats.updates.len(),
            });
            if let Some(kinds) = chats.subscription.kinds() {
                info["allowed_updates"] = json!(kinds);
            }
            ok(info)
        }
        "deleteWebhook" => {
            chats.webhook = None;
            ok(json!(true))
        }
        "setMyCommands" | "answerCallbackQuery" => ok(json!(true)),
        "createInvoiceLink" => stars::create_invoice_link(&mut chats.stars, params),
        "answerPreCheckoutQuery" => stars::answer_pre_checkout(&mut chats.stars, params),
        "refundStarPayment" => stars::refund(&mut chats.stars, params),
        _ => refusal(StatusCode::NOT_FOUND, "Not Found: method not found"),
    }
}

/// Long polling: the updates after `offset`, waiting up to `timeout` seconds for one to arrive.
async fn get_updates(telegram: &SandboxTelegram, params: &Value) -> Response {
    {
        let mut chats = telegram.chats();
        if chats.webhook.is_some() {
            return refusal(
                StatusCode::CONFLICT,
                "Conflict: can't use getUpdates method while webhook is active",
            );
        }
        chats.subscription.follow(params);
    }
    let offset = params["offset"].as_i64().unwrap_or(0);
    let timeout = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0).min(50));
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let arrived = telegram.arrived.notified();
        let pending: Vec<Value> = {
            let mut chats = telegram.chats();
            // Fetching from `offset` confirms everything before it; updates queued before the bot
            // dropped their kind are dropped with it.
            let Chats {
                updates,
                subscription,
                ..
            } = &mut *chats;
            updates.retain(|update| {
                update["update_id"].as_i64().unwrap_or(0) >= offset && subscription.covers(update)
            });
            chats.updates.iter().cloned().collect()
        };
        let closing = telegram.closing.load(std::sync::atomic::Ordering::Relaxed);
        if !pending.is_empty() || closing || tokio::time::Instant::now() >= deadline {
            return ok(json!(pending));
        }
        let _ = tokio::time::timeout_at(deadline, arrived).await;
    }
}

/// `POST /__sandbox/updates`: a driver does something in the chat. Either a whole Bot API
/// update of any kind (its one field is an object), or the short form `{"chat_id", "text"}` (a
/// message) or `{"chat_id", "data"}` (a button press), with optional `first_name` and
/// `language_code`.
async fn inject(State(telegram): State<SandboxTelegram>, Json(body): Json<Value>) -> Response {
    let whole = body
        .as_object()
        .is_some_and(|fields| fields.values().any(Value::is_object));
    let update = if whole {
        body
    } else {
        let Some(chat_id) = body["chat_id"].as_i64() else {
            return refusal(StatusCode::BAD_REQUEST, "chat_id is required");
        };
        let from = json!({
            "id": chat_id,
            "is_bot": false,
            "first_name": body["first_name"].as_str().unwrap_or("Водитель"),
            "language_code": body["language_code"].as_str().unwrap_or("ru"),
        });
        let chat = json!({"id": chat_id, "type": "private"});
        let date = chrono::Utc::now().timestamp();
        match (body["text"].as_str(), body["data"].as_str()) {
            (Some(text), _) => json!({"message": {
                "message_id": date, "date": date, "chat": chat, "from": from, "text": text,
            }}),
            (None, Some(data)) => json!({"callback_query": {
                "id": format!("cb{date}"), "from": from, "data": data,
                "message": {"message_id": 1, "date": date, "chat": chat},
            }}),
            _ => return refusal(StatusCode::BAD_REQUEST, "text or data is required"),
        }
    };
    match telegram.deliver(update).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => refusal(StatusCode::BAD_GATEWAY, &error),
    }
}

#[derive(Deserialize)]
struct MessagesQuery {
    chat_id: Option<i64>,
}

async fn messages(
    State(telegram): State<SandboxTelegram>,
    Query(query): Query<MessagesQuery>,
) -> Json<Vec<SentMessage>> {
    let chats = telegram.chats();
    Json(
        chats
            .messages
            .iter()
            .filter(|message| query.chat_id.is_none_or(|chat| chat == message.chat_id))
            .cloned()
            .collect(),
    )
}

#[derive(Deserialize)]
struct Control {
    #[serde(default)]
    blocked_chats: Option<Vec<i64>>,
    #[serde(default)]
    throttle_next: Option<u32>,
    #[serde(default)]
    retry_after: Option<u64>,
    #[serde(default)]
    fail_next: Option<u32>,
    #[serde(default)]
    answer_delay_ms: Option<u64>,
}

async fn control(
    State(telegram): State<SandboxTelegram>,
    Json(control): Json<Control>,
) -> StatusCode {
    let mut chats = telegram.chats();
    if let Some(blocked) = control.blocked_chats {
        chats.blocked = blocked.into_iter().collect();
    }
    if let Some(count) = control.throttle_next {
        chats.throttle_next = count;
        chats.retry_after = control.retry_after.unwrap_or(1);
    }
    if let Some(count) = control.fail_next {
        chats.fail_next = count;
    }
    if let Some(ms) = control.answer_delay_ms {
        chats.answer_delay = Duration::from_millis(ms);
    }
    StatusCode::NO_CONTENT
}

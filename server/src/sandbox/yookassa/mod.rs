//! A YooKassa stand-in speaking the shape of API v3 (payments, refunds, notifications), so
//! that pointing Hauler at the real YooKassa is a configuration change. It serves the embedded
//! default (mounted under `/sandbox/yookassa`) and tests (on a listener of its own).
//!
//! A payment starts `pending`; its `confirmation_url` opens a checkout page with "Оплатить" and
//! "Отменить", which settle it, notify Hauler the way YooKassa does and send the driver back to
//! the shop's `return_url`. Knobs under `/__sandbox/`: the payments, every notification delivery
//! attempt, and failures to inject (`{"fail_next": n}`: the next n API calls answer 500).

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::payments::yookassa::{format_amount, parse_amount};

const NOTIFY_TIMEOUT: Duration = Duration::from_secs(5);
/// YooKassa keeps trying for a day; the stand-in tries a few times, quickly, so tests stay short.
const NOTIFY_ATTEMPTS: u32 = 5;
const NOTIFY_PAUSE: Duration = Duration::from_millis(200);
/// YooKassa's limits on what a shop sends.
const MAX_IDEMPOTENCE_KEY: usize = 64;
const MAX_DESCRIPTION: usize = 128;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Succeeded,
    Canceled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Canceled => "canceled",
        }
    }
}

struct StoredPayment {
    id: String,
    status: Status,
    amount_kopecks: u64,
    description: Option<String>,
    return_url: String,
    metadata: Map<String, Value>,
    has_receipt: bool,
    created_at: String,
    captured_at: Option<String>,
    refunded_kopecks: u64,
}

/// One attempt to deliver a notification, as `GET /__sandbox/notifications` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub event: String,
    pub object_id: String,
    /// 1 for the first try.
    pub attempt: u32,
    /// The receiver's HTTP status, when it answered at all.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub at: String,
}

#[derive(Default)]
struct Shop {
    payments: Vec<StoredPayment>,
    /// What a POST answered, by endpoint and `Idempotence-Key`: a repeat gets the same answer.
    answered: HashMap<(&'static str, String), Value>,
    deliveries: Vec<Delivery>,
    /// The next API calls answered `500`.
    fail_next: u32,
}

/// The stand-in's state; cheap to clone.
#[derive(Clone)]
pub struct SandboxYooKassa {
    shop_id: String,
    secret_key: String,
    public_base: String,
    notify_url: String,
    shop: Arc<Mutex<Shop>>,
    http: reqwest::Client,
}

impl SandboxYooKassa {
    /// `public_base`: the absolute URL this router is mounted at (e.g.
    /// `http://127.0.0.1:3000/sandbox/yookassa`), used to build `confirmation_url`.
    /// `notify_url`: where payment and refund notifications are POSTed (Hauler's
    /// `/api/v1/payments/yookassa/notifications`).
    pub fn new(shop_id: &str, secret_key: &str, public_base: &str, notify_url: &str) -> Self {
        // reqwest is built without a default TLS provider and panics without one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            shop_id: shop_id.to_owned(),
            secret_key: secret_key.to_owned(),
            public_base: public_base.trim_end_matches('/').to_owned(),
            notify_url: notify_url.to_owned(),
            shop: Arc::default(),
            http: reqwest::Client::builder()
                .timeout(NOTIFY_TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }

    /// Every payment, oldest first, as the API shows them.
    pub fn payments(&self) -> Vec<Value> {
        let shop = self.lock();
        shop.payments.iter().map(|p| self.payment_json(p)).collect()
    }

    /// Every notification delivery attempt so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.lock().deliveries.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Shop> {
        // Nothing that changes the shop can panic halfway: a poisoned lock still holds whole state.
        self.shop
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn payment_json(&self, payment: &StoredPayment) -> Value {
        let succeeded = payment.status == Status::Succeeded;
        let mut object = json!({
            "id": payment.id,
            "status": payment.status.as_str(),
            "paid": succeeded,
            "amount": money(payment.amount_kopecks),
            "recipient": {"account_id": self.shop_id, "gateway_id": "sandbox"},
            "created_at": payment.created_at,
            "test": true,
            "refundable": succeeded && payment.refunded_kopecks < payment.amount_kopecks,
            "metadata": payment.metadata,
        });
        if let Some(description) = &payment.description {
            object["description"] = json!(description);
        }
        match payment.status {
            Status::Pending => {
                object["confirmation"] = json!({
                    "type": "redirect",
                    "confirmation_url": format!("{}/checkout/{}", self.public_base, payment.id),
                    "return_url": payment.return_url,
                });
            }
            Status::Succeeded => {
                object["captured_at"] = json!(payment.captured_at);
            }
            Status::Canceled => {
                object["cancellation_details"] =
                    json!({"party": "yoo_money", "reason": "general_decline"});
            }
        }
        if payment.has_receipt {
            object["receipt_registration"] = json!(if succeeded { "succeeded" } else { "pending" });
        }
        if payment.refunded_kopecks > 0 {
            object["refunded_amount"] = money(payment.refunded_kopecks);
        }
        object
    }

    /// What every `/v3/*` call goes through: an injected failure, then the shop's credentials.
    fn admit(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        {
            let mut shop = self.lock();
            if shop.fail_next > 0 {
                shop.fail_next -= 1;
                return Err(Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_server_error",
                    "Internal server error (injected by the sandbox)",
                ));
            }
        }
        let credentials = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Basic "))
            .and_then(|encoded| {
                base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .ok()
            })
            .and_then(|decoded| String::from_utf8(decoded).ok());
        let expected = format!("{}:{}", self.shop_id, self.secret_key);
        if credentials.as_deref() != Some(expected.as_str()) {
            return Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Login and password are incorrect: check the shop id and the secret key",
            ));
        }
        Ok(())
    }

    /// POSTs the notification in the background, retrying until the receiver answers 200.
    fn notify(&self, event: &'static str, object: Value) {
        let sandbox = self.clone();
        tokio::spawn(async move {
            let object_id = object["id"].as_str().unwrap_or_default().to_owned();
            let body = json!({"type": "notification", "event": event, "object": object});
            for attempt in 1..=NOTIFY_ATTEMPTS {
                if attempt > 1 {
                    tokio::time::sleep(NOTIFY_PAUSE).await;
                }
                let outcome = sandbox
                    .http
                    .post(&sandbox.notify_url)
                    .json(&body)
                    .send()
                    .await;
                let (status, error) = match &outcome {
                    Ok(response) => (Some(response.status().as_u16()), None),
                    Err(error) => (None, Some(error.to_string())),
                };
                sandbox.lock().deliveries.push(Delivery {
                    event: event.to_owned(),
                    object_id: object_id.clone(),
                    attempt,
                    status,
                    error,
                    at: now(),
                });
                if status == Some(200) {
                    return;
                }
            }
            tracing::warn!(event, object_id, "the sandbox YooKassa gave up notifying");
        });
    }

    /// Pays or cancels a pending payment from the checkout page; settling twice changes nothing.
    fn settle(&self, id: &str, outcome: Status) -> Response {
        let (return_url, notification) = {
            let mut shop = self.lock();
            let Some(payment) = shop.payments.iter_mut().find(|p| p.id == id) else {
                return not_found_page();
            };
            let notification = (payment.status == Status::Pending).then(|| {
                payment.status = outcome;
                let event = if outcome == Status::Succeeded {
                    payment.captured_at = Some(now());
                    "payment.succeeded"
                } else {
                    "payment.canceled"
                };
                (event, self.payment_json(payment))
            });
            (payment.return_url.clone(), notification)
        };
        if let Some((event, object)) = notification {
            self.notify(event, object);
        }
        match HeaderValue::from_str(&return_url) {
            Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
            // Checked when the payment was made; the checkout page links back anyway.
            Err(_) => self.checkout_page(id),
        }
    }

    fn checkout_page(&self, id: &str) -> Response {
        let shop = self.lock();
        let Some(payment) = shop.payments.iter().find(|p| p.id == id) else {
            return not_found_page();
        };
        let description = escape(payment.description.as_deref().unwrap_or("Оплата заказа"));
        let amount = rubles(payment.amount_kopecks);
        let action = format!("{}/checkout/{}", self.public_base, escape(&payment.id));
        let back = escape(&payment.return_url);
        let body = match payment.status {
            Status::Pending => format!(
                r#"<form method="post" action="{action}/pay"><button type="submit" class="pay" data-testid="sandbox-pay">Оплатить</button></form>
<form method="post" action="{action}/cancel"><button type="submit" class="cancel" data-testid="sandbox-cancel">Отменить</button></form>"#
            ),
            Status::Succeeded => format!(
                r#"<p class="outcome" data-testid="sandbox-outcome">Оплата прошла</p><a href="{back}">Вернуться в магазин</a>"#
            ),
            Status::Canceled => format!(
                r#"<p class="outcome" data-testid="sandbox-outcome">Платёж отменён</p><a href="{back}">Вернуться в магазин</a>"#
            ),
        };
        Html(format!(
            r#"<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ЮKassa — тестовая оплата</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 26rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }}
.badge {{ display: inline-block; background: #fff3cd; border-radius: .3rem; padding: .1rem .5rem; font-size: .8rem; }}
.amount {{ font-size: 2rem; font-weight: 600; white-space: nowrap; margin: .5rem 0 1.5rem; }}
form {{ margin: .5rem 0; }}
button {{ width: 100%; padding: .8rem; font-size: 1rem; border: 0; border-radius: .5rem; cursor: pointer; }}
.pay {{ background: #0070f0; color: #fff; }}
.cancel {{ background: #eee; }}
.outcome {{ font-size: 1.2rem; }}
</style></head>
<body>
<h1>ЮKassa — тестовая оплата</h1>
<p class="badge">Тестовый режим: деньги не списываются</p>
<p data-testid="sandbox-description">{description}</p>
<p class="amount" data-testid="sandbox-amount">{amount}</p>
{body}
</body></html>
"#
        ))
        .into_response()
    }
}

pub fn router(sandbox: SandboxYooKassa) -> Router {
    Router::new()
        .route("/v3/payments", post(create_payment))
        .route("/v3/payments/{id}", get(payment))
        .route("/v3/refunds", post(create_refund))
        .route("/checkout/{id}", get(checkout))
        .route("/checkout/{id}/pay", post(pay))
        .route("/checkout/{id}/cancel", post(cancel))
        .route("/__sandbox/payments", get(payments))
        .route("/__sandbox/notifications", get(notifications))
        .route("/__sandbox/control", post(control))
        .with_state(sandbox)
}

/// Serves the stand-in on its own listener (port 0 picks a free one); its public base is then
/// `http://{address}`.
pub async fn serve(
    addr: SocketAddr,
    shop_id: &str,
    secret_key: &str,
    notify_url: &str,
) -> std::io::Result<(SocketAddr, SandboxYooKassa)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let sandbox = SandboxYooKassa::new(shop_id, secret_key, &format!("http://{bound}"), notify_url);
    let app = router(sandbox.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((bound, sandbox))
}

/// An error answered the way YooKassa answers one.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    description: &'static str,
    parameter: Option<String>,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, description: &'static str) -> Self {
        Self {
            status,
            code,
            description,
            parameter: None,
        }
    }

    /// A `400 invalid_request` naming the parameter at fault.
    fn invalid(parameter: impl Into<String>, description: &'static str) -> Self {
        Self {
            parameter: Some(parameter.into()),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": "error",
            "id": new_id(),
            "code": self.code,
            "description": self.description,
        });
        if let Some(parameter) = self.parameter {
            body["parameter"] = json!(parameter);
        }
        (self.status, Json(body)).into_response()
    }
}

fn idempotence_key(headers: &HeaderMap) -> Result<String, Refusal> {
    let key = headers
        .get("idempotence-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCE_KEY {
        return Err(Refusal::invalid(
            "Idempotence-Key",
            "Idempotence-Key header is required: up to 64 characters",
        ));
    }
    Ok(key.to_owned())
}

fn json_body(body: &Bytes) -> Result<Value, Refusal> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) if value.is_object() => Ok(value),
        _ => Err(Refusal::invalid(
            "body",
            "The request body must be a JSON object",
        )),
    }
}

/// `{"value": "1990.00", "currency": "RUB"}`: exactly two decimals, more than zero, roubles.
fn requested_amount(money: &Value, parameter: &str) -> Result<u64, Refusal> {
    let value = money
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let two_decimals = value
        .split_once('.')
        .is_some_and(|(_, fraction)| fraction.len() == 2);
    let kopecks = parse_amount(value).filter(|&kopecks| two_decimals && kopecks > 0);
    let Some(kopecks) = kopecks else {
        return Err(Refusal::invalid(
            format!("{parameter}.value"),
            "The amount must be more than zero, with two decimals, like \"1990.00\"",
        ));
    };
    if money.get("currency").and_then(Value::as_str) != Some("RUB") {
        return Err(Refusal::invalid(
            format!("{parameter}.currency"),
            "The shop accepts RUB only",
        ));
    }
    Ok(kopecks)
}

/// The parts of a `POST /v3/payments` the stand-in keeps.
struct PaymentRequest {
    amount_kopecks: u64,
    description: Option<String>,
    return_url: String,
    metadata: Map<String, Value>,
    has_receipt: bool,
}

fn payment_request(body: &Value) -> Result<PaymentRequest, Refusal> {
    let amount_kopecks = requested_amount(&body["amount"], "amount")?;
    let confirmation = &body["confirmation"];
    if confirmation["type"].as_str() != Some("redirect") {
        return Err(Refusal::invalid(
            "confirmation.type",
            "The sandbox supports the redirect confirmation only",
        ));
    }
    let return_url = confirmation["return_url"].as_str().unwrap_or_default();
    if return_url.is_empty() || HeaderValue::from_str(return_url).is_err() {
        return Err(Refusal::invalid(
            "confirmation.return_url",
            "return_url is required and must be a URL",
        ));
    }
    let description = match &body["description"] {
        Value::Null => None,
        Value::String(text) if text.chars().count() <= MAX_DESCRIPTION => Some(text.clone()),
        _ => {
            return Err(Refusal::invalid(
                "description",
                "The description is a string of up to 128 characters",
            ));
        }
    };
    let metadata = match &body["metadata"] {
        Value::Null => Map::new(),
        Value::Object(metadata) => metadata.clone(),
        _ => return Err(Refusal::invalid("metadata", "metadata must be an object")),
    };
    let has_receipt = match &body["receipt"] {
        Value::Null => false,
        receipt => {
            let customer = &receipt["customer"];
            let has_contact = customer["email"].is_string() || customer["phone"].is_string();
            let has_items = receipt["items"]
                .as_array()
                .is_some_and(|items| !items.is_empty());
            if !has_contact || !has_items {
                return Err(Refusal::invalid(
                    "receipt",
                    "A receipt needs the customer's email or phone and at least one item",
                ));
            }
            true
        }
    };
    Ok(PaymentRequest {
        amount_kopecks,
        description,
        return_url: return_url.to_owned(),
        metadata,
        has_receipt,
    })
}

async fn create_payment(
    State(sandbox): State<SandboxYooKassa>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, Refusal> {
    sandbox.admit(&headers)?;
    let key = idempotence_key(&headers)?;
    let mut shop = sandbox.lock();
    if let Some(answer) = shop.answered.get(&("payments", key.clone())) {
        return Ok(Json(answer.clone()));
    }
    let request = payment_request(&json_body(&body)?)?;
    let payment = StoredPayment {
        id: new_id(),
        status: Status::Pending,
        amount_kopecks: request.amount_kopecks,
        description: request.description,
        return_url: request.return_url,
        metadata: request.metadata,
        has_receipt: request.has_receipt,
        created_at: now(),
        captured_at: None,
        refunded_kopecks: 0,
    };
    let answer = sandbox.payment_json(&payment);
    shop.payments.push(payment);
    shop.answered.insert(("payments", key), answer.clone());
    Ok(Json(answer))
}

async fn payment(
    State(sandbox): State<SandboxYooKassa>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    sandbox.admit(&headers)?;
    let shop = sandbox.lock();
    match shop.payments.iter().find(|p| p.id == id) {
        Some(payment) => Ok(Json(sandbox.payment_json(payment))),
        None => Err(Refusal {
            parameter: Some("payment_id".into()),
            ..Refusal::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Payment doesn't exist or access denied",
            )
        }),
    }
}

async fn create_refund(
    State(sandbox): State<SandboxYooKassa>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, Refusal> {
    sandbox.admit(&headers)?;
    let key = idempotence_key(&headers)?;
    let refund = {
        let mut shop = sandbox.lock();
        if let Some(answer) = shop.answered.get(&("refunds", key.clone())) {
            return Ok(Json(answer.clone()));
        }
        let body = json_body(&body)?;
        let amount_kopecks = requested_amount(&body["amount"], "amount")?;
        let payment_id = body["payment_id"].as_str().unwrap_or_default();
        let Some(payment) = shop.payments.iter_mut().find(|p| p.id == payment_id) else {
            return Err(Refusal::invalid(
                "payment_id",
                "Payment doesn't exist or access denied",
            ));
        };
        if payment.status != Status::Succeeded {
            return Err(Refusal::invalid(
                "payment_id",
                "Only a succeeded payment can be refunded",
            ));
        }
        if amount_kopecks > payment.amount_kopecks - payment.refunded_kopecks {
            return Err(Refusal::invalid(
                "amount.value",
                "The refund is more than what is left of the payment",
            ));
        }
        payment.refunded_kopecks += amount_kopecks;
        let mut refund = json!({
            "id": new_id(),
            "payment_id": payment.id,
            "status": "succeeded",
            "created_at": now(),
            "amount": money(amount_kopecks),
        });
        if let Some(description) = body["description"].as_str() {
            refund["description"] = json!(description);
        }
        shop.answered.insert(("refunds", key), refund.clone());
        refund
    };
    sandbox.notify("refund.succeeded", refund.clone());
    Ok(Json(refund))
}

async fn checkout(State(sandbox): State<SandboxYooKassa>, Path(id): Path<String>) -> Response {
    sandbox.checkout_page(&id)
}

async fn pay(State(sandbox): State<SandboxYooKassa>, Path(id): Path<String>) -> Response {
    sandbox.settle(&id, Status::Succeeded)
}

async fn cancel(State(sandbox): State<SandboxYooKassa>, Path(id): Path<String>) -> Response {
    sandbox.settle(&id, Status::Canceled)
}

async fn payments(State(sandbox): State<SandboxYooKassa>) -> Json<Vec<Value>> {
    Json(sandbox.payments())
}

async fn notifications(State(sandbox): State<SandboxYooKassa>) -> Json<Vec<Delivery>> {
    Json(sandbox.deliveries())
}

#[derive(Deserialize)]
struct Control {
    #[serde(default)]
    fail_next: Option<u32>,
}

async fn control(
    State(sandbox): State<SandboxYooKassa>,
    Json(control): Json<Control>,
) -> StatusCode {
    if let Some(count) = control.fail_next {
        sandbox.lock().fail_next = count;
    }
    StatusCode::NO_CONTENT
}

fn not_found_page() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(
            "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
             <title>ЮKassa — тестовая оплата</title></head>\
             <body><h1>Платёж не найден</h1></body></html>",
        ),
    )
        .into_response()
}

fn money(kopecks: u64) -> Value {
    json!({"value": format_amount(kopecks), "currency": "RUB"})
}

/// `199000` kopecks as a Russian price tag: `1 990,00 ₽`.
fn rubles(kopecks: u64) -> String {
    let digits = (kopecks / 100).to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    format!("{grouped},{:02} ₽", kopecks % 100)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// An id shaped like YooKassa's (`2f0e3c4a-000f-5000-8000-18db351245c7`).
fn new_id() -> String {
    let bits = rand::random::<u128>();
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        bits >> 96,
        (bits >> 80) & 0xffff,
        (bits >> 64) & 0xffff,
        (bits >> 48) & 0xffff,
        bits & 0xffff_ffff_ffff,
    )
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

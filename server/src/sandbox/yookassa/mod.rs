//! A YooKassa stand-in speaking the shape of API v3 (payments, refunds, notifications), so
//! that pointing Hauler at the real YooKassa is a configuration change. It serves the embedded
//! default (mounted under `/sandbox/yookassa`) and tests (on a listener of its own).
//!
//! A payment starts `pending`; its `confirmation_url` opens a checkout page with "Оплатить" and
//! "Отменить", which settle it, notify Hauler the way YooKassa does and send the driver back to
//! the shop's `return_url`. A payment made with `save_payment_method: true` and paid there saves
//! its card; later payments may then name it by `payment_method_id` and are charged at once,
//! with no page (autopayments), as YooKassa charges them. Only a method saved that way is usable.
//! Knobs under `/__sandbox/`: the payments, every notification delivery attempt, and failures to
//! inject (`{"fail_next": n}`: the next n API calls answer 500; `{"decline_next": n}`: the bank
//! declines the next n charges of a saved method).
//!
//! The API's admission (injected failures, credentials, idempotence keys) is in `admission`,
//! the two API objects in `payments` and `refunds`, the page a driver pays on in `checkout`, and
//! the delivery of notifications in `notifications`.

mod admission;
mod checkout;
mod notifications;
mod payments;
mod refunds;
#[cfg(test)]
mod tests;

pub use notifications::Delivery;

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::payments::yookassa::format_amount;

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

/// The card a payment was paid with, as the payment shows it.
#[derive(Clone)]
struct PaymentMethod {
    id: String,
    /// Usable for later payments without the driver.
    saved: bool,
}

/// The sandbox's test card, as YooKassa's test shops take it.
const CARD_FIRST6: &str = "555555";
const CARD_LAST4: &str = "4477";

struct StoredPayment {
    id: String,
    status: Status,
    amount_kopecks: u64,
    description: Option<String>,
    /// Empty for a charge of a saved method: no page, nowhere to return.
    return_url: String,
    /// `save_payment_method: true` was asked for.
    save_method: bool,
    /// The card it was paid with, once paid (or the saved method it charged).
    method: Option<PaymentMethod>,
    /// Why it was canceled: YooKassa's party and reason.
    cancellation: Option<(&'static str, &'static str)>,
    metadata: Map<String, Value>,
    has_receipt: bool,
    created_at: String,
    captured_at: Option<String>,
    refunded_kopecks: u64,
}

#[derive(Default)]
struct Shop {
    payments: Vec<StoredPayment>,
    /// Every refund made, as the API answers it.
    refunds: Vec<Value>,
    /// What a POST answered, by endpoint and `Idempotence-Key`: a repeat gets the same answer.
    answered: HashMap<(&'static str, String), Value>,
    deliveries: Vec<Delivery>,
    /// The next API calls answered `500`.
    fail_next: u32,
    /// The next charges of a saved method the bank declines.
    decline_next: u32,
    /// Ids of the payment methods saved for later payments.
    saved_methods: Vec<String>,
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
                .timeout(notifications::TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }

    /// Notifications leave from `address`, a local one (YooKassa sends from its own published
    /// ranges, and Hauler accepts only the addresses `YOOKASSA_ALLOWED_IPS` lists).
    pub fn notifying_from(mut self, address: std::net::IpAddr) -> Self {
        self.http = reqwest::Client::builder()
            .timeout(notifications::TIMEOUT)
            .local_address(address)
            .build()
            .unwrap_or_default();
        self
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
}

pub fn router(sandbox: SandboxYooKassa) -> Router {
    Router::new()
        .route("/v3/payments", post(payments::create_payment))
        .route("/v3/payments/{id}", get(payments::payment))
        .route("/v3/refunds", post(refunds::create_refund))
        .route("/v3/refunds/{id}", get(refunds::refund_by_id))
        .route("/checkout/{id}", get(checkout::page))
        .route("/checkout/{id}/pay", post(checkout::pay))
        .route("/checkout/{id}/cancel", post(checkout::cancel))
        .route("/__sandbox/payments", get(sandbox_payments))
        .route("/__sandbox/notifications", get(sandbox_notifications))
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

async fn sandbox_payments(State(sandbox): State<SandboxYooKassa>) -> Json<Vec<Value>> {
    Json(sandbox.payments())
}

async fn sandbox_notifications(State(sandbox): State<SandboxYooKassa>) -> Json<Vec<Delivery>> {
    Json(sandbox.deliveries())
}

#[derive(Deserialize)]
struct Control {
    #[serde(default)]
    fail_next: Option<u32>,
    #[serde(default)]
    decline_next: Option<u32>,
}

async fn control(
    State(sandbox): State<SandboxYooKassa>,
    Json(control): Json<Control>,
) -> StatusCode {
    let mut shop = sandbox.lock();
    if let Some(count) = control.fail_next {
        shop.fail_next = count;
    }
    if let Some(count) = control.decline_next {
        shop.decline_next = count;
    }
    StatusCode::NO_CONTENT
}

fn money(kopecks: u64) -> Value {
    json!({"value": format_amount(kopecks), "currency": "RUB"})
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

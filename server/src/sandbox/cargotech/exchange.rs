//! The simulated exchange's state: its configuration, its accounts and the tokens it issued,
//! and the book of loads every handler reads under one lock. What a request passes before it is
//! answered is in `gate`, the HTTP surface in `routes`, the web cabinet in `cabinet`, the list's filters in `list_filter`, the
//! tests' levers in `knobs` and the request counters in `stats`.

mod cabinet;
mod gate;
mod knobs;
mod list_filter;
mod routes;
mod stats;

pub use knobs::Posting;
pub use routes::router;
pub use stats::Stats;

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, Mutex, atomic::AtomicU64},
    time::{Duration, Instant},
};

use axum::{
    Json,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::catalog::{self, Load, Seeded};
use crate::config::{Config, SANDBOX_CARGOTECH_PASSWORD, SANDBOX_CARGOTECH_PHONE, Secret};

#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    pub phone: String,
    pub password: String,
    pub sms_code: String,
    pub sms_ttl: Duration,
    pub seed: u64,
    pub loads: usize,
    /// Each answer takes this long, give or take `jitter` (the real exchange: about 700 ms).
    pub latency: Duration,
    pub jitter: Duration,
    /// Requests a minute each account may make before 429.
    pub per_minute: u32,
    /// More accounts (phone, password) beside the first; each has its own rate limit.
    pub extra_accounts: Vec<(String, String)>,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            phone: SANDBOX_CARGOTECH_PHONE.into(),
            password: SANDBOX_CARGOTECH_PASSWORD.into(),
            sms_code: "123456".into(),
            sms_ttl: Duration::from_secs(300),
            seed: 2026,
            loads: 3000,
            latency: Duration::from_millis(700),
            jitter: Duration::from_millis(150),
            per_minute: 600,
            extra_accounts: Vec::new(),
        }
    }
}

/// Trouble the exchange can be told to cause for the next requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    ServerError,
    /// Answers nothing for a minute.
    Timeout,
    MalformedJson,
    /// One item of the next list page is garbage; the rest are fine.
    MalformedItem,
}

#[derive(Clone)]
pub struct Exchange {
    inner: Arc<Inner>,
}

struct Inner {
    config: ExchangeConfig,
    epoch: DateTime<Utc>,
    state: Mutex<Book>,
    counters: [AtomicU64; 8],
}

struct Book {
    loads: Vec<Load>,
    /// The points dictionary (name, type); a point's id is its place here plus one, so the
    /// catalog's cities keep the ids their loads carry.
    points: Vec<(String, u8)>,
    taken: HashSet<u64>,
    /// Each valid token, and the account it was issued to.
    tokens: HashMap<String, usize>,
    issued: u64,
    latency: Duration,
    per_minute: u32,
    /// Each account's admitted requests of the last minute.
    windows: Vec<VecDeque<Instant>>,
    admitted: Vec<u64>,
    failures: VecDeque<Failure>,
    /// Until then every request is answered `429` (see `Exchange::throttle_for`).
    throttled_until: Option<Instant>,
    demand_sms: bool,
    /// Pending SMS logins: when asked, wrong attempts, the account.
    sms: HashMap<String, (Instant, u32, usize)>,
    random: Seeded,
    peak_per_minute: u64,
    /// Admitted detail requests by load id.
    details_by_load: HashMap<u64, u64>,
    /// What the web cabinet saw (see `cabinet`).
    cabinet: cabinet::CabinetBook,
}

/// A finished answer that ends a request early (boxed: a `Response` is large).
struct Refusal(Box<Response>);

impl Refusal {
    fn new(answer: impl IntoResponse) -> Self {
        Self(Box::new(answer.into_response()))
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl Exchange {
    /// The exchange as the configuration describes it: its answer time (`SANDBOX_LATENCY_MS`)
    /// and the accounts Hauler logs in with (`CARGOTECH_PHONE`, the extra accounts), else the
    /// sandbox's own account.
    pub fn configured(config: &Config) -> Self {
        let latency = config.sandbox.latency;
        let cargotech = &config.cargotech;
        let or_sandbox = |secret: &Option<Secret>, sandbox: &str| {
            secret
                .as_ref()
                .map_or(sandbox, |secret| secret.expose())
                .to_owned()
        };
        Self::new(ExchangeConfig {
            phone: or_sandbox(&cargotech.phone, SANDBOX_CARGOTECH_PHONE),
            password: or_sandbox(&cargotech.password, SANDBOX_CARGOTECH_PASSWORD),
            latency,
            jitter: latency / 5,
            extra_accounts: cargotech
                .extra_accounts
                .iter()
                .map(|account| {
                    (
                        account.phone.expose().to_owned(),
                        account.password.expose().to_owned(),
                    )
                })
                .collect(),
            ..ExchangeConfig::default()
        })
    }

    pub fn new(config: ExchangeConfig) -> Self {
        let mut random = Seeded::new(config.seed);
        let loads = catalog::with_reposts(
            (0..config.loads as u64)
                .map(|n| catalog::make_load(100_000 + n, &mut random))
                .collect(),
        );
        // Whole minutes, so the same seed gives the same dates within a minute.
        let epoch = DateTime::from_timestamp(Utc::now().timestamp() / 3600 * 3600, 0)
            .unwrap_or_else(Utc::now);
        let accounts = 1 + config.extra_accounts.len();
        let book = Book {
            loads,
            points: catalog::CITIES
                .iter()
                .map(|(name, _, _)| ((*name).to_owned(), catalog::CITY_POINT_TYPE))
                .collect(),
            taken: HashSet::new(),
            tokens: HashMap::new(),
            issued: 0,
            latency: config.latency,
            per_minute: config.per_minute,
            windows: vec![VecDeque::new(); accounts],
            admitted: vec![0; accounts],
            failures: VecDeque::new(),
            throttled_until: None,
            demand_sms: false,
            sms: HashMap::new(),
            random,
            peak_per_minute: 0,
            details_by_load: HashMap::new(),
            cabinet: cabinet::CabinetBook::default(),
        };
        Self {
            inner: Arc::new(Inner {
                config,
                epoch,
                state: Mutex::new(book),
                counters: Default::default(),
            }),
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every account's phone and password, the first account first.
    fn accounts(&self) -> impl Iterator<Item = (&str, &str)> {
        let config = &self.inner.config;
        std::iter::once((config.phone.as_str(), config.password.as_str())).chain(
            config
                .extra_accounts
                .iter()
                .map(|(phone, password)| (phone.as_str(), password.as_str())),
        )
    }

    fn phone_is_known(&self, phone: &str) -> bool {
        self.accounts()
            .any(|(known, _)| digits(known) == digits(phone))
    }

    /// The account with this phone and password.
    fn account_with(&self, phone: &str, password: &str) -> Option<usize> {
        self.accounts()
            .position(|(p, w)| digits(p) == digits(phone) && w == password)
    }

    /// The account a request's token belongs to; an unknown token counts against the first.
    fn account_of(&self, headers: &HeaderMap) -> usize {
        bearer(headers)
            .and_then(|token| self.book().tokens.get(token).copied())
            .unwrap_or(0)
    }

    fn issue_token(&self, account: usize) -> Value {
        let mut book = self.book();
        book.issued += 1;
        let opaque: String = (0..40)
            .map(|_| {
                let n = book.random.below(62) as u8;
                (match n {
                    0..=9 => b'0' + n,
                    10..=35 => b'a' + n - 10,
                    _ => b'A' + n - 36,
                }) as char
            })
            .collect();
        let token = format!("{}|{opaque}", book.issued + 9000);
        book.tokens.insert(token.clone(), account);
        json!({"data": {"token": token}})
    }
}

/// A phone's digits: `+7 911 111-11-11` and `79111111111` are the same account.
fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
}

/// A 422 naming the field at fault, shaped as Laravel (the exchange's framework) answers it.
fn laravel_error(field: &str, message: &str) -> Refusal {
    Refusal::new((
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"message": message, "errors": {field: [message]}})),
    ))
}

//! The simulated exchange: its state, its knobs and its HTTP handlers.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::catalog::{self, CITIES, CITY_POINT_TYPE, Load, Seeded};
use crate::config::{SANDBOX_CARGOTECH_PASSWORD, SANDBOX_CARGOTECH_PHONE};

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

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub requests: u64,
    pub logins: u64,
    pub lists: u64,
    pub details: u64,
    pub points: u64,
    pub me: u64,
    pub throttled: u64,
    pub unauthorized: u64,
    /// The most requests one account had admitted in any 60-second window.
    pub peak_per_minute: u64,
    /// Requests admitted per account, the first account first.
    pub requests_by_account: Vec<u64>,
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
    demand_sms: bool,
    /// Pending SMS logins: when asked, wrong attempts, the account.
    sms: HashMap<String, (Instant, u32, usize)>,
    random: Seeded,
    peak_per_minute: u64,
}

/// A finished answer that ends a request early (boxed: a `Response` is large).
type Refusal = Box<Response>;

const REQUESTS: usize = 0;
const LOGINS: usize = 1;
const LISTS: usize = 2;
const DETAILS: usize = 3;
const POINTS: usize = 4;
const ME: usize = 5;
const THROTTLED: usize = 6;
const UNAUTHORIZED: usize = 7;

impl Exchange {
    pub fn new(config: ExchangeConfig) -> Self {
        let mut random = Seeded::new(config.seed);
        let loads = (0..config.loads as u64)
            .map(|n| catalog::make_load(100_000 + n, &mut random))
            .collect();
        // Whole minutes, so the same seed gives the same dates within a minute.
        let epoch = DateTime::from_timestamp(Utc::now().timestamp() / 3600 * 3600, 0)
            .unwrap_or_else(Utc::now);
        let accounts = 1 + config.extra_accounts.len();
        let book = Book {
            loads,
            taken: HashSet::new(),
            tokens: HashMap::new(),
            issued: 0,
            latency: config.latency,
            per_minute: config.per_minute,
            windows: vec![VecDeque::new(); accounts],
            admitted: vec![0; accounts],
            failures: VecDeque::new(),
            demand_sms: false,
            sms: HashMap::new(),
            random,
            peak_per_minute: 0,
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

    pub fn stats(&self) -> Stats {
        let count = |index: usize| self.inner.counters[index].load(Ordering::Relaxed);
        let book = self.book();
        Stats {
            requests: count(REQUESTS),
            logins: count(LOGINS),
            lists: count(LISTS),
            details: count(DETAILS),
            points: count(POINTS),
            me: count(ME),
            throttled: count(THROTTLED),
            unauthorized: count(UNAUTHORIZED),
            peak_per_minute: book.peak_per_minute,
            requests_by_account: book.admitted.clone(),
        }
    }

    pub fn reset_stats(&self) {
        self.inner
            .counters
            .iter()
            .for_each(|counter| counter.store(0, Ordering::Relaxed));
        self.book().admitted.iter_mut().for_each(|n| *n = 0);
    }

    pub fn revoke_tokens(&self) {
        self.book().tokens.clear();
    }

    pub fn fail_next(&self, failure: Failure, count: usize) {
        self.book()
            .failures
            .extend(std::iter::repeat_n(failure, count));
    }

    pub fn set_latency(&self, latency: Duration) {
        self.book().latency = latency;
    }

    pub fn set_rate_limit(&self, per_minute: u32) {
        self.book().per_minute = per_minute;
    }

    pub fn demand_sms(&self, demand: bool) {
        self.book().demand_sms = demand;
    }

    /// A carrier took the load: it answers 404 from now on and leaves the lists.
    pub fn take(&self, id: u64) {
        self.book().taken.insert(id);
    }

    /// Time passes: `new` loads appear and `taken` of the oldest open ones are taken.
    pub fn tick(&self, new: usize, taken: usize) {
        let mut book = self.book();
        let next_id = book.loads.last().map_or(100_000, |load| load.id + 1);
        for n in 0..new as u64 {
            let mut load = catalog::make_load(next_id + n, &mut book.random);
            load.posted_minutes_ago = 0;
            book.loads.push(load);
        }
        let oldest: Vec<u64> = book
            .loads
            .iter()
            .filter(|load| !book.taken.contains(&load.id))
            .take(taken)
            .map(|load| load.id)
            .collect();
        book.taken.extend(oldest);
    }

    /// The open loads' ids, newest first (for tests and benchmarks).
    pub fn open_load_ids(&self) -> Vec<u64> {
        let book = self.book();
        let mut loads: Vec<&Load> = book
            .loads
            .iter()
            .filter(|load| !book.taken.contains(&load.id))
            .collect();
        loads.sort_by_key(|load| (load.posted_minutes_ago, std::cmp::Reverse(load.id)));
        loads.into_iter().map(|load| load.id).collect()
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn count(&self, index: usize) {
        self.inner.counters[index].fetch_add(1, Ordering::Relaxed);
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

    /// What every request goes through: the clock, the account's rate limit and any injected
    /// failure.
    async fn gate(&self, counter: usize, account: usize) -> Result<Option<Failure>, Refusal> {
        self.count(REQUESTS);
        self.count(counter);
        let (latency, limited, failure) = {
            let mut book = self.book();
            let jitter = self.inner.config.jitter.as_millis() as u64;
            let latency = book.latency
                + Duration::from_millis(if jitter == 0 {
                    0
                } else {
                    book.random.below(jitter)
                });
            let now = Instant::now();
            let per_minute = book.per_minute;
            let window = &mut book.windows[account];
            while window
                .front()
                .is_some_and(|at| now.duration_since(*at) >= Duration::from_secs(60))
            {
                window.pop_front();
            }
            let limited = if window.len() as u32 >= per_minute {
                let oldest = window.front().copied().unwrap_or(now);
                Some(
                    (Duration::from_secs(60) - now.duration_since(oldest))
                        .as_secs()
                        .max(1),
                )
            } else {
                window.push_back(now);
                None
            };
            let used = window.len();
            if limited.is_none() {
                book.admitted[account] += 1;
                book.peak_per_minute = book.peak_per_minute.max(used as u64);
            }
            let remaining = per_minute.saturating_sub(used as u32);
            // A malformed item can only be put in a list page: other calls leave it waiting.
            let failure = match book.failures.front() {
                Some(Failure::MalformedItem) if counter != LISTS => None,
                _ => book.failures.pop_front(),
            };
            (
                latency,
                limited.map(|retry| (retry, book.per_minute, remaining)),
                failure,
            )
        };
        if let Some((retry_after, limit, remaining)) = limited {
            self.count(THROTTLED);
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"message": "Too Many Attempts."})),
            )
                .into_response();
            let headers = response.headers_mut();
            headers.insert("retry-after", HeaderValue::from(retry_after));
            headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
            headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
            return Err(Box::new(response));
        }
        tokio::time::sleep(latency).await;
        match failure {
            Some(Failure::ServerError) => Err(Box::new(
                (StatusCode::BAD_GATEWAY, "Bad Gateway").into_response(),
            )),
            Some(Failure::Timeout) => {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Err(Box::new(StatusCode::GATEWAY_TIMEOUT.into_response()))
            }
            Some(Failure::MalformedJson) => Err(Box::new(
                (StatusCode::OK, "{\"data\": [ {\"id\": 1,").into_response(),
            )),
            other => Ok(other),
        }
    }

    fn authorized(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        match bearer(headers) {
            Some(token) if self.book().tokens.contains_key(token) => Ok(()),
            _ => {
                self.count(UNAUTHORIZED);
                Err(Box::new(
                    (
                        StatusCode::UNAUTHORIZED,
                        Json(json!({"message": "Unauthenticated."})),
                    )
                        .into_response(),
                ))
            }
        }
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

pub fn router(exchange: Exchange) -> Router {
    Router::new()
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/login/confirm", post(confirm))
        .route("/v1/me", get(me))
        .route("/v2/cargos/views", get(list))
        .route("/v1/carrier/cargos/{id}", get(detail))
        .route("/v1/dictionaries/points", get(points))
        .route("/__sandbox/stats", get(stats))
        .route("/__sandbox/control", post(control))
        .with_state(exchange)
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

fn laravel_error(field: &str, message: &str) -> Refusal {
    Box::new(
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": message, "errors": {field: [message]}})),
        )
            .into_response(),
    )
}

#[derive(Deserialize)]
struct LoginBody {
    phone: Option<String>,
    password: Option<String>,
}

async fn login(State(exchange): State<Exchange>, body: Option<Json<LoginBody>>) -> Response {
    let phone = body.as_ref().and_then(|Json(body)| body.phone.clone());
    let password = body.as_ref().and_then(|Json(body)| body.password.clone());
    let known_phone = phone
        .as_deref()
        .is_some_and(|phone| exchange.phone_is_known(phone));
    let account = exchange.account_with(
        phone.as_deref().unwrap_or_default(),
        password.as_deref().unwrap_or_default(),
    );
    if let Err(response) = exchange.gate(LOGINS, account.unwrap_or(0)).await {
        return *response;
    }
    if phone.is_none() {
        return *laravel_error("phone", "The phone field is required.");
    }
    if !known_phone {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Неверный логин или пароль"})),
        )
            .into_response();
    }
    let Some(account) = account else {
        return *laravel_error("phone", "Неверный логин или пароль");
    };
    let mut book = exchange.book();
    if book.demand_sms {
        let request_id = format!("sms-{}", book.random.next());
        book.sms
            .insert(request_id.clone(), (Instant::now(), 0, account));
        return Json(json!({"data": {"sms_required": true, "request_id": request_id}}))
            .into_response();
    }
    drop(book);
    Json(exchange.issue_token(account)).into_response()
}

#[derive(Deserialize)]
struct ConfirmBody {
    request_id: String,
    code: String,
}

async fn confirm(State(exchange): State<Exchange>, Json(body): Json<ConfirmBody>) -> Response {
    let pending = exchange.book().sms.get(&body.request_id).copied();
    let account = pending.map_or(0, |(_, _, account)| account);
    if let Err(response) = exchange.gate(LOGINS, account).await {
        return *response;
    }
    let mut book = exchange.book();
    let Some((asked_at, attempts, _)) = book.sms.get(&body.request_id).copied() else {
        return *laravel_error("request_id", "Код устарел, запросите новый");
    };
    if asked_at.elapsed() > exchange.inner.config.sms_ttl {
        book.sms.remove(&body.request_id);
        return *laravel_error("request_id", "Код устарел, запросите новый");
    }
    if attempts >= 5 {
        book.sms.remove(&body.request_id);
        return *laravel_error("attempts", "Слишком много попыток");
    }
    if body.code != exchange.inner.config.sms_code {
        book.sms
            .insert(body.request_id, (asked_at, attempts + 1, account));
        return *laravel_error("code", "Неверный код");
    }
    book.sms.remove(&body.request_id);
    book.demand_sms = false;
    drop(book);
    Json(exchange.issue_token(account)).into_response()
}

async fn me(State(exchange): State<Exchange>, headers: HeaderMap) -> Response {
    let account = exchange.account_of(&headers);
    if let Err(response) = exchange.gate(ME, account).await {
        return *response;
    }
    if let Err(response) = exchange.authorized(&headers) {
        return *response;
    }
    let config = &exchange.inner.config;
    let phone = match account {
        0 => &config.phone,
        n => &config.extra_accounts[n - 1].0,
    };
    Json(json!({"data": {"id": 77 + account, "name": "ООО «Хаулер» (песочница)", "phone": phone}}))
        .into_response()
}

async fn list(
    State(exchange): State<Exchange>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let failure = match exchange.gate(LISTS, exchange.account_of(&headers)).await {
        Ok(failure) => failure,
        Err(response) => return *response,
    };
    if let Err(response) = exchange.authorized(&headers) {
        return *response;
    }
    let filter = match ListFilter::parse(&query) {
        Ok(filter) => filter,
        Err(response) => return *response,
    };
    let book = exchange.book();
    let mut matching: Vec<&Load> = book
        .loads
        .iter()
        .filter(|l| !book.taken.contains(&l.id) && filter.matches(l, exchange.inner.epoch))
        .collect();
    matching.sort_by_key(|load| (load.posted_minutes_ago, std::cmp::Reverse(load.id)));
    let mut data: Vec<Value> = matching
        .iter()
        .skip(filter.offset)
        .take(filter.limit)
        .map(|load| catalog::list_item(load, exchange.inner.epoch))
        .collect();
    if failure == Some(Failure::MalformedItem)
        && let Some(first) = data.first_mut()
    {
        *first = json!({"id": first["id"], "points": "garbage", "weight": {"tonnes": "?"}, "price": [1, 2]});
    }
    Json(json!({"data": data, "meta": {"limit": filter.limit, "offset": filter.offset, "size": matching.len()}})).into_response()
}

async fn detail(
    State(exchange): State<Exchange>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = exchange.gate(DETAILS, exchange.account_of(&headers)).await {
        return *response;
    }
    if let Err(response) = exchange.authorized(&headers) {
        return *response;
    }
    let book = exchange.book();
    let load = id.parse::<u64>().ok().and_then(|id| {
        book.loads
            .iter()
            .find(|l| l.id == id && !book.taken.contains(&id))
    });
    match load {
        Some(load) => {
            Json(json!({"data": catalog::detail(load, exchange.inner.epoch)})).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Груз не найден"})),
        )
            .into_response(),
    }
}

async fn points(
    State(exchange): State<Exchange>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = exchange.gate(POINTS, exchange.account_of(&headers)).await {
        return *response;
    }
    if let Err(response) = exchange.authorized(&headers) {
        return *response;
    }
    let prefix = query
        .get("filter[name]")
        .map(|name| name.trim().to_lowercase())
        .unwrap_or_default();
    let data: Vec<Value> = CITIES
        .iter()
        .enumerate()
        .filter(|(_, (name, _, _))| name.to_lowercase().starts_with(&prefix))
        .map(
            |(index, (name, _, _))| json!({"id": index + 1, "name": name, "type": CITY_POINT_TYPE}),
        )
        .collect();
    let size = data.len();
    Json(json!({"data": data, "meta": {"limit": 100, "offset": 0, "size": size}})).into_response()
}

async fn stats(State(exchange): State<Exchange>) -> Json<Stats> {
    Json(exchange.stats())
}

/// `POST /__sandbox/control` with any of: `revoke_tokens`, `latency_ms`, `rate_limit_per_minute`,
/// `demand_sms`, `fail: {kind, count}`, `take: id`, `reset_stats`, `tick: {new, taken}`.
#[derive(Deserialize)]
struct Control {
    #[serde(default)]
    revoke_tokens: bool,
    latency_ms: Option<u64>,
    rate_limit_per_minute: Option<u32>,
    demand_sms: Option<bool>,
    fail: Option<FailControl>,
    take: Option<u64>,
    #[serde(default)]
    reset_stats: bool,
    tick: Option<TickControl>,
}

#[derive(Deserialize)]
struct FailControl {
    kind: Failure,
    count: usize,
}

#[derive(Deserialize)]
struct TickControl {
    new: usize,
    taken: usize,
}

async fn control(State(exchange): State<Exchange>, Json(control): Json<Control>) -> Json<Stats> {
    if control.revoke_tokens {
        exchange.revoke_tokens();
    }
    if let Some(ms) = control.latency_ms {
        exchange.set_latency(Duration::from_millis(ms));
    }
    if let Some(limit) = control.rate_limit_per_minute {
        exchange.set_rate_limit(limit);
    }
    if let Some(demand) = control.demand_sms {
        exchange.demand_sms(demand);
    }
    if let Some(fail) = control.fail {
        exchange.fail_next(fail.kind, fail.count);
    }
    if let Some(id) = control.take {
        exchange.take(id);
    }
    if control.reset_stats {
        exchange.reset_stats();
    }
    if let Some(tick) = control.tick {
        exchange.tick(tick.new, tick.taken);
    }
    Json(exchange.stats())
}

/// The list's filters, parsed from `filter[…]` parameters; bad values answer 422 as Laravel does.
struct ListFilter {
    limit: usize,
    offset: usize,
    mode_my: bool,
    start: Option<(usize, f64)>,
    finish: Option<(usize, f64)>,
    start_date: Option<String>,
    wv: Option<(f64, f64)>,
    load_types: Vec<u32>,
    truck_types: Vec<u32>,
    distance: Option<(f64, f64)>,
    price: Option<(f64, f64)>,
    price_per_km: Option<(f64, f64)>,
    owner_company: Option<String>,
}

impl ListFilter {
    fn parse(query: &HashMap<String, String>) -> Result<Self, Refusal> {
        let get = |name: &str| {
            query
                .get(name)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        let number = |name: &str| -> Result<Option<f64>, Refusal> {
            get(name)
                .map(|v| {
                    v.parse::<f64>()
                        .map_err(|_| laravel_error(name, "The value must be a number."))
                })
                .transpose()
        };
        let pair = |name: &str, separator: char| -> Result<Option<(f64, f64)>, Refusal> {
            let Some(value) = get(name) else {
                return Ok(None);
            };
            let (a, b) = value
                .split_once(separator)
                .ok_or_else(|| laravel_error(name, "The format is invalid."))?;
            match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(a), Ok(b)) => Ok(Some((a, b))),
                _ => Err(laravel_error(name, "The format is invalid.")),
            }
        };
        let ids = |name: &str| -> Result<Vec<u32>, Refusal> {
            get(name)
                .map(|v| {
                    v.split(',')
                        .map(|id| {
                            id.trim()
                                .parse()
                                .map_err(|_| laravel_error(name, "The ids are invalid."))
                        })
                        .collect()
                })
                .unwrap_or(Ok(Vec::new()))
        };
        let point = |side: &str| -> Result<Option<(usize, f64)>, Refusal> {
            let Some(id) = number(&format!("filter[{side}_point_id]"))? else {
                return Ok(None);
            };
            if number(&format!("filter[{side}_point_type]"))?.is_none() {
                return Err(laravel_error(
                    &format!("filter[{side}_point_type]"),
                    "The point type is required.",
                ));
            }
            let index = id as usize;
            if index == 0 || index > CITIES.len() {
                return Ok(Some((usize::MAX, 0.0)));
            }
            Ok(Some((
                index - 1,
                number(&format!("filter[{side}_point_radius]"))?.unwrap_or(0.0),
            )))
        };
        let limit = number("limit")?.unwrap_or(20.0);
        if !(1.0..=100.0).contains(&limit) {
            return Err(laravel_error(
                "limit",
                "The limit may not be greater than 100.",
            ));
        }
        Ok(Self {
            limit: limit as usize,
            offset: number("offset")?.unwrap_or(0.0).max(0.0) as usize,
            mode_my: get("filter[mode]") == Some("my"),
            start: point("start")?,
            finish: point("finish")?,
            start_date: get("filter[start_date]").map(str::to_owned),
            wv: pair("filter[wv]", '-')?,
            load_types: ids("filter[load_types]")?,
            truck_types: ids("filter[truck_types]")?,
            distance: pair("filter[distance]", ',')?,
            price: pair("filter[price]", ',')?,
            price_per_km: pair("filter[price_per_km]", ',')?,
            owner_company: get("filter[owner_company]").map(str::to_owned),
        })
    }

    fn matches(&self, load: &Load, epoch: DateTime<Utc>) -> bool {
        let near = |place: Option<(usize, f64)>, city: usize| match place {
            None => true,
            Some((usize::MAX, _)) => false,
            Some((wanted, radius)) => {
                wanted == city || catalog::distance_km(wanted, city) <= radius
            }
        };
        let within = |range: Option<(f64, f64)>, value: f64| {
            range.is_none_or(|(min, max)| value >= min && value <= max)
        };
        let overlaps = |wanted: &[u32], has: &[u32]| {
            wanted.is_empty() || wanted.iter().any(|id| has.contains(id))
        };
        let price = load.shown_price_kopecks() as f64;
        let loading_day = || {
            catalog::loading_at(load, epoch)
                .format("%Y-%m-%d")
                .to_string()
        };
        (!self.mode_my || load.id.is_multiple_of(10))
            && near(self.start, load.from)
            && near(self.finish, load.to)
            && self
                .start_date
                .as_ref()
                .is_none_or(|day| *day == loading_day())
            && self.wv.is_none_or(|(tonnes, m3)| {
                f64::from(load.weight_kg) <= tonnes * 1000.0
                    && load.volume_m3.is_none_or(|v| v <= m3)
            })
            && overlaps(&self.load_types, &load.load_types)
            && overlaps(&self.truck_types, &load.truck_types)
            && within(self.distance, f64::from(load.distance_km))
            && within(self.price, price)
            && within(
                self.price_per_km,
                price / f64::from(load.distance_km.max(1)),
            )
            && self
                .owner_company
                .as_ref()
                .is_none_or(|inn| catalog::shipper_inn(load) == inn)
    }
}

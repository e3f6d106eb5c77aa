//! The typed HTTP client for CargoTech's documented calls. It knows URLs, headers and status
//! codes; what the JSON means is read by [`super::wire`]. Strict timeouts: nothing waits forever.

use std::time::Duration;

use app::cargo::{
    card::{CargoCard, CargoDetail},
    dictionary::City,
};
use reqwest::{Response, StatusCode, header};
use serde_json::{Value, json};

use super::wire;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The token is dead (revoked or expired): log in again.
    #[error("the exchange refused the token")]
    Unauthorized,
    #[error("the exchange refused the credentials: {0}")]
    WrongCredentials(String),
    #[error("the SMS code was refused: {0:?}")]
    Sms(SmsProblem),
    #[error("the exchange asks to slow down for {retry_after:?}")]
    Throttled {
        retry_after: Duration,
        remaining: Option<u32>,
    },
    #[error("not found on the exchange")]
    NotFound,
    #[error("the exchange is unavailable: {0}")]
    Unavailable(String),
    #[error("the exchange's answer cannot be read: {0}")]
    Malformed(String),
    /// The exchange wants a one-time SMS code; an admin must enter it.
    #[error("the exchange is waiting for a one-time SMS code")]
    SmsCodeRequired,
    /// Logging in failed recently; the next attempt waits until the back-off ends.
    #[error("logging in is paused after failures: {0}")]
    LoginPaused(String),
    /// No CargoTech account is configured.
    #[error("no CargoTech account is configured")]
    NotConfigured,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsProblem {
    WrongCode,
    Expired,
    TooManyAttempts,
}

impl UpstreamError {
    /// The account cannot call now (its login is refused, paused or waits for an operator):
    /// another account may.
    pub fn is_account_problem(&self) -> bool {
        matches!(
            self,
            Self::WrongCredentials(_)
                | Self::Sms(_)
                | Self::SmsCodeRequired
                | Self::LoginPaused(_)
                | Self::NotConfigured
        )
    }

    /// Worth another try of the same idempotent call after a pause.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unavailable(_) | Self::Malformed(_) | Self::Throttled { .. }
        )
    }
}

/// The login's outcome: a token, or a one-time SMS code is needed first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAnswer {
    Token(IssuedToken),
    SmsRequired { request_id: String },
}

#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    /// Only if the exchange ever moves to expiring tokens (older design notes).
    pub refresh_token: Option<String>,
    pub expires_in: Option<Duration>,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IssuedToken(<redacted>)")
    }
}

/// One page of the points dictionary.
pub struct PointsPage {
    pub points: Vec<City>,
    /// Items on the page, read or not (an unreadable one still moves the offset on).
    pub read: usize,
    /// How many points the dictionary holds in all.
    pub size: u64,
}

pub struct ListAnswer {
    pub cards: Vec<CargoCard>,
    pub total: u64,
    /// Items that could not be read at all (no id) and were left out.
    pub dropped: usize,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
}

impl Client {
    pub fn new(base_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .default_headers(header::HeaderMap::from_iter([(
                header::ACCEPT,
                header::HeaderValue::from_static("application/json"),
            )]))
            .build()
            .unwrap_or_default();
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub async fn login(&self, phone: &str, password: &str) -> Result<LoginAnswer, UpstreamError> {
        let body = json!({ "phone": phone, "password": password, "remember": true });
        let response = self
            .send(self.http.post(self.url("/v1/auth/login")).json(&body))
            .await?;
        login_answer(response).await
    }

    pub async fn confirm_sms(
        &self,
        request_id: &str,
        code: &str,
    ) -> Result<LoginAnswer, UpstreamError> {
        let body = json!({ "request_id": request_id, "code": code });
        let response = self
            .send(
                self.http
                    .post(self.url("/v1/auth/login/confirm"))
                    .json(&body),
            )
            .await?;
        login_answer(response).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Result<LoginAnswer, UpstreamError> {
        let body = json!({ "refresh_token": refresh_token });
        let response = self
            .send(self.http.post(self.url("/v1/auth/refresh")).json(&body))
            .await?;
        login_answer(response).await
    }

    /// The token health check.
    pub async fn me(&self, token: &str) -> Result<(), UpstreamError> {
        self.authorized(token, "/v1/me", &[]).await.map(drop)
    }

    pub async fn list(
        &self,
        token: &str,
        query: &[(String, String)],
    ) -> Result<ListAnswer, UpstreamError> {
        let body = self.authorized(token, "/v2/cargos/views", query).await?;
        list_answer(&body)
    }

    /// `Ok(None)` when the load was taken or removed (the exchange answers 404).
    pub async fn detail(&self, token: &str, id: u64) -> Result<Option<CargoDetail>, UpstreamError> {
        let query = [
            ("source".to_owned(), "1".to_owned()),
            ("include".to_owned(), "contacts".to_owned()),
        ];
        match self
            .authorized(token, &format!("/v1/carrier/cargos/{id}"), &query)
            .await
        {
            Ok(body) => detail_answer(&body).map(Some),
            Err(UpstreamError::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// One page of the whole points dictionary (no name filter), from `offset`.
    pub async fn points_page(
        &self,
        token: &str,
        offset: u64,
        limit: u32,
    ) -> Result<PointsPage, UpstreamError> {
        let query = [
            ("limit".to_owned(), limit.to_string()),
            ("offset".to_owned(), offset.to_string()),
        ];
        let body = self
            .authorized(token, "/v1/dictionaries/points", &query)
            .await?;
        points_answer(&body)
    }

    async fn authorized(
        &self,
        token: &str,
        path: &str,
        query: &[(String, String)],
    ) -> Result<Value, UpstreamError> {
        let request = self
            .http
            .get(self.url(path))
            .query(query)
            .bearer_auth(token);
        let response = self.send(request).await?;
        match response.status() {
            status if status.is_success() => json_body(response).await,
            StatusCode::UNAUTHORIZED => Err(UpstreamError::Unauthorized),
            StatusCode::NOT_FOUND => Err(UpstreamError::NotFound),
            status => Err(UpstreamError::Unavailable(format!("HTTP {status}"))),
        }
    }

    /// Sends a request; network failures, 5xx and 429 become errors here, once for every call.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Response, UpstreamError> {
        let response = request.send().await.map_err(|error| {
            UpstreamError::Unavailable(if error.is_timeout() {
                "no answer in time".into()
            } else {
                "cannot be reached".into()
            })
        })?;
        match response.status() {
            StatusCode::TOO_MANY_REQUESTS => Err(throttled(&response)),
            status if status.is_server_error() => {
                Err(UpstreamError::Unavailable(format!("HTTP {status}")))
            }
            _ => Ok(response),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// A list's answer: the cards that can be read (the others are counted as dropped) and the
/// exchange's total; without a `data` list it is unreadable.
fn list_answer(body: &Value) -> Result<ListAnswer, UpstreamError> {
    let items = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no data list"))?;
    let cards: Vec<CargoCard> = items.iter().filter_map(wire::card).collect();
    let total = body
        .pointer("/meta/size")
        .and_then(Value::as_u64)
        .unwrap_or(cards.len() as u64);
    Ok(ListAnswer {
        dropped: items.len() - cards.len(),
        cards,
        total,
    })
}

fn detail_answer(body: &Value) -> Result<CargoDetail, UpstreamError> {
    body.get("data")
        .and_then(wire::detail)
        .ok_or_else(|| malformed("no detail data"))
}

/// A page of the points dictionary: its readable points, how many items it held, and the
/// dictionary's size (needed to page on, so its absence makes the page unreadable).
fn points_answer(body: &Value) -> Result<PointsPage, UpstreamError> {
    let items = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no data list"))?;
    let points: Vec<City> = items.iter().filter_map(wire::point).collect();
    let size = body
        .pointer("/meta/size")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed("no meta.size"))?;
    Ok(PointsPage {
        read: items.len(),
        points,
        size,
    })
}

async fn login_answer(response: Response) -> Result<LoginAnswer, UpstreamError> {
    let status = response.status();
    let body = json_body(response).await.unwrap_or(Value::Null);
    read_login(status, &body)
}

/// The login's answer by its status and body: a token, a demand for an SMS code, or why not.
fn read_login(status: StatusCode, body: &Value) -> Result<LoginAnswer, UpstreamError> {
    if status.is_success() {
        let data = body
            .get("data")
            .ok_or_else(|| malformed("no data in the login answer"))?;
        if data
            .get("sms_required")
            .is_some_and(|v| v.as_bool() == Some(true))
        {
            let request_id = data
                .get("request_id")
                .and_then(Value::as_str)
                .ok_or_else(|| malformed("no request_id"))?;
            return Ok(LoginAnswer::SmsRequired {
                request_id: request_id.to_owned(),
            });
        }
        let token = data
            .get("token")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("no token"))?;
        return Ok(LoginAnswer::Token(IssuedToken {
            token: token.to_owned(),
            refresh_token: data
                .get("refresh_token")
                .and_then(Value::as_str)
                .map(str::to_owned),
            expires_in: data
                .get("expires_in")
                .and_then(Value::as_u64)
                .map(Duration::from_secs),
        }));
    }
    if let Some(problem) = sms_problem(body) {
        return Err(UpstreamError::Sms(problem));
    }
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_owned();
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::FORBIDDEN => {
            Err(UpstreamError::WrongCredentials(message))
        }
        status => Err(UpstreamError::Unavailable(format!(
            "login answered HTTP {status}"
        ))),
    }
}

/// Laravel-style `errors` naming the SMS code field, told apart by their key.
fn sms_problem(body: &Value) -> Option<SmsProblem> {
    let errors = body.get("errors")?.as_object()?;
    let key = errors
        .keys()
        .find(|key| key.contains("code") || key.contains("request"))?;
    let text = errors[key].to_string().to_lowercase();
    Some(
        if key.contains("attempt") || text.contains("attempt") || text.contains("попыт") {
            SmsProblem::TooManyAttempts
        } else if key.contains("expired")
            || key.contains("request")
            || text.contains("expired")
            || text.contains("истек")
        {
            SmsProblem::Expired
        } else {
            SmsProblem::WrongCode
        },
    )
}

fn throttled(response: &Response) -> UpstreamError {
    let header_number = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    UpstreamError::Throttled {
        retry_after: Duration::from_secs(header_number("retry-after").unwrap_or(1).clamp(1, 120)),
        remaining: header_number("x-ratelimit-remaining").and_then(|n| u32::try_from(n).ok()),
    }
}

async fn json_body(response: Response) -> Result<Value, UpstreamError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|_| UpstreamError::Unavailable("the answer broke off".into()))?;
    read_json(&bytes)
}

fn read_json(bytes: &[u8]) -> Result<Value, UpstreamError> {
    serde_json::from_slice(bytes).map_err(|error| malformed(&error.to_string()))
}

fn malformed(what: &str) -> UpstreamError {
    UpstreamError::Malformed(what.to_owned())
}

#[cfg(test)]
mod generated {
    //! The exchange's answers, generated: whatever it sends, reading it never panics, and each
    //! answer that cannot be read is `UpstreamError::Malformed`, never a guess.

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::outside_input::{any_json, object_with};

    const CARD_FIELDS: &[&str] = &[
        "id",
        "distance",
        "weight",
        "volume",
        "price",
        "price_carrier",
        "created_at",
        "points",
        "truck_types",
        "load_types",
        "payment",
        "extra",
        "contacts",
        "shipper",
        "company",
        "cargo_type",
    ];

    fn any_answer() -> impl Strategy<Value = Value> {
        prop_oneof![
            any_json(),
            (
                proptest::collection::vec(prop_oneof![object_with(CARD_FIELDS), any_json()], 0..3),
                proptest::option::of(any_json()),
            )
                .prop_map(|(data, size)| json!({"data": data, "meta": {"size": size}})),
            object_with(CARD_FIELDS).prop_map(|data| json!({"data": data})),
        ]
    }

    proptest! {
        #[test]
        fn any_bytes_are_json_or_malformed(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Err(error) = read_json(&bytes) {
                prop_assert!(matches!(error, UpstreamError::Malformed(_)));
            }
        }

        #[test]
        fn any_list_answer_is_read_or_malformed(body in any_answer()) {
            match list_answer(&body) {
                Ok(answer) => {
                    let items = body["data"].as_array().map_or(0, Vec::len);
                    prop_assert_eq!(answer.cards.len() + answer.dropped, items);
                    for card in &answer.cards {
                        prop_assert!(card.weight_t.is_none_or(|t| t.is_finite() && t >= 0.0));
                        prop_assert!(card.volume_m3.is_none_or(|v| v.is_finite() && v >= 0.0));
                    }
                }
                Err(error) => prop_assert!(matches!(error, UpstreamError::Malformed(_))),
            }
        }

        #[test]
        fn any_detail_or_points_answer_is_read_or_malformed(body in any_answer()) {
            if let Err(error) = detail_answer(&body) {
                prop_assert!(matches!(error, UpstreamError::Malformed(_)));
            }
            match points_answer(&body) {
                Ok(page) => prop_assert!(page.points.iter().all(|point| !point.name.is_empty())),
                Err(error) => prop_assert!(matches!(error, UpstreamError::Malformed(_))),
            }
        }

        #[test]
        fn any_login_answer_is_a_token_a_demand_or_a_typed_refusal(
            status in prop_oneof![Just(200u16), Just(401), Just(422), Just(403), Just(400), Just(404)],
            body in prop_oneof![
                any_json(),
                object_with(&["data", "errors", "message"]),
                object_with(&["token", "sms_required", "request_id", "refresh_token", "expires_in"])
                    .prop_map(|data| json!({"data": data})),
            ],
        ) {
            let status = StatusCode::from_u16(status).expect("a status");
            match read_login(status, &body) {
                Ok(LoginAnswer::Token(_)) => prop_assert!(status.is_success()),
                Ok(LoginAnswer::SmsRequired { .. }) => prop_assert!(status.is_success()),
                Err(error) => prop_assert!(matches!(
                    error,
                    UpstreamError::Malformed(_)
                        | UpstreamError::Sms(_)
                        | UpstreamError::WrongCredentials(_)
                        | UpstreamError::Unavailable(_)
                )),
            }
        }
    }
}

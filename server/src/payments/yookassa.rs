//! The typed client for YooKassa's API v3: creating a payment, reading it back, refunding.
//! It knows URLs, headers and the retry rule; what the JSON means is read by [`wire`].
//! Every POST carries the caller's `Idempotence-Key`, and a retry sends the same key, so a call
//! repeated after a timeout never charges or refunds a driver twice.

mod wire;

#[cfg(test)]
mod tests;

use std::{collections::BTreeMap, time::Duration};

use reqwest::{Method, StatusCode};
use serde_json::Value;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The pauses before the second and the third attempt; YooKassa asks clients to back off.
const RETRY_PAUSES: [Duration; 2] = [Duration::from_millis(300), Duration::from_millis(900)];

#[derive(Clone)]
pub struct YooKassa {
    http: reqwest::Client,
    base_url: String,
    shop_id: String,
    secret_key: String,
}

/// The secret key never reaches a log line.
impl std::fmt::Debug for YooKassa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YooKassa")
            .field("base_url", &self.base_url)
            .field("shop_id", &self.shop_id)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// What Hauler asks a driver to pay for. Always captured at once (`capture: true`): a
/// subscription has nothing to ship, so there is no reason to hold the money first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub amount_kopecks: u64,
    pub description: String,
    pub pay_by: PayBy,
    pub metadata: BTreeMap<String, String>,
    /// The fiscal receipt (54-FZ), when the shop sends receipts through YooKassa.
    pub receipt: Option<Receipt>,
}

/// How the driver pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayBy {
    /// On YooKassa's page, which sends the driver back to `return_url`; `save_method` keeps the
    /// card for autopayments once paid.
    Page {
        return_url: String,
        save_method: bool,
    },
    /// With a method YooKassa saved before, charged at once without the driver (autopay).
    SavedMethod(String),
}

/// A one-item receipt: Hauler sells one thing per payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub customer_email: String,
    pub item_description: String,
    /// YooKassa's VAT code (1 = without VAT, …).
    pub vat_code: u8,
    /// E.g. `full_payment`.
    pub payment_mode: String,
    /// E.g. `service`.
    pub payment_subject: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Payment {
    pub id: String,
    /// `pending`, `waiting_for_capture`, `succeeded` or `canceled`.
    pub status: String,
    pub paid: bool,
    pub amount_kopecks: u64,
    pub currency: String,
    /// Where to send the driver to pay; only while the payment is pending.
    pub confirmation_url: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub refunded_kopecks: u64,
    pub cancellation_reason: Option<String>,
    /// The card paid with, once known.
    pub payment_method: Option<PaymentMethod>,
}

/// A payment's method as YooKassa shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentMethod {
    pub id: String,
    /// Saved for autopayments: later payments may name it.
    pub saved: bool,
    /// `Bank card *4444`.
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub payment_id: String,
    pub status: String,
    pub amount_kopecks: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YooKassaError {
    /// YooKassa refused (4xx): its own `code` and `description`.
    #[error("YooKassa refused ({status}): {code}: {description}")]
    Refused {
        status: u16,
        code: String,
        description: String,
    },
    /// Down, timing out or answering 5xx after the retries.
    #[error("YooKassa is unavailable: {0}")]
    Unavailable(String),
    /// An answer that does not parse.
    #[error("YooKassa answered something unreadable: {0}")]
    Malformed(String),
}

/// One attempt's outcome: done (either way), or worth the same request again.
enum Attempt {
    Done(Result<Value, YooKassaError>),
    Retry(String),
}

impl YooKassa {
    /// `base_url` like `https://api.yookassa.ru` or `http://127.0.0.1:3000/sandbox/yookassa`;
    /// calls go to `{base_url}/v3/...`.
    pub fn new(base_url: &str, shop_id: &str, secret_key: &str) -> Self {
        // reqwest is built without a default TLS provider and panics without one; ring is the
        // one this binary ships (a second install is refused, harmlessly).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            shop_id: shop_id.to_owned(),
            secret_key: secret_key.to_owned(),
        }
    }

    pub async fn create_payment(
        &self,
        idempotence_key: &str,
        payment: &NewPayment,
    ) -> Result<Payment, YooKassaError> {
        let body = wire::new_payment(payment);
        let answer = self
            .call(
                Method::POST,
                &["payments"],
                Some(idempotence_key),
                Some(&body),
            )
            .await?;
        wire::payment(&answer).map_err(YooKassaError::Malformed)
    }

    pub async fn payment(&self, id: &str) -> Result<Payment, YooKassaError> {
        let answer = self
            .call(Method::GET, &["payments", id], None, None)
            .await?;
        wire::payment(&answer).map_err(YooKassaError::Malformed)
    }

    pub async fn create_refund(
        &self,
        idempotence_key: &str,
        payment_id: &str,
        amount_kopecks: u64,
    ) -> Result<Refund, YooKassaError> {
        let body = wire::new_refund(payment_id, amount_kopecks);
        let answer = self
            .call(
                Method::POST,
                &["refunds"],
                Some(idempotence_key),
                Some(&body),
            )
            .await?;
        wire::refund(&answer).map_err(YooKassaError::Malformed)
    }

    pub async fn refund(&self, id: &str) -> Result<Refund, YooKassaError> {
        let answer = self.call(Method::GET, &["refunds", id], None, None).await?;
        wire::refund(&answer).map_err(YooKassaError::Malformed)
    }

    /// Sends one call, retrying a 5xx or a network failure with the same `Idempotence-Key`.
    async fn call(
        &self,
        method: Method,
        path: &[&str],
        idempotence_key: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, YooKassaError> {
        let url = self.url(path)?;
        let pauses = std::iter::once(Duration::ZERO).chain(RETRY_PAUSES);
        let mut last_problem = String::new();
        for (attempt, pause) in pauses.enumerate() {
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .basic_auth(&self.shop_id, Some(&self.secret_key));
            if let Some(key) = idempotence_key {
                request = request.header("Idempotence-Key", key);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            match attempt_once(request).await {
                Attempt::Done(outcome) => return outcome,
                Attempt::Retry(problem) => {
                    tracing::warn!(%method, path = url.path(), attempt = attempt + 1, %problem, "YooKassa call failed");
                    last_problem = problem;
                }
            }
        }
        Err(YooKassaError::Unavailable(last_problem))
    }

    /// `{base_url}/v3/{path…}`, each segment escaped: a payment id goes into the path.
    fn url(&self, path: &[&str]) -> Result<reqwest::Url, YooKassaError> {
        let not_a_base =
            || YooKassaError::Unavailable(format!("{:?} is not a base URL", self.base_url));
        let mut url = reqwest::Url::parse(&self.base_url).map_err(|_| not_a_base())?;
        url.path_segments_mut()
            .map_err(|()| not_a_base())?
            .pop_if_empty()
            .push("v3")
            .extend(path);
        Ok(url)
    }
}

async fn attempt_once(request: reqwest::RequestBuilder) -> Attempt {
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) if error.is_timeout() => return Attempt::Retry("no answer in time".into()),
        Err(error) => return Attempt::Retry(format!("cannot be reached: {error}")),
    };
    let status = response.status();
    if status.is_server_error() {
        return Attempt::Retry(format!("HTTP {status}"));
    }
    let bytes = match response.bytes().await {
        Ok(bytes) => bytes,
        Err(error) => return Attempt::Retry(format!("the answer broke off: {error}")),
    };
    Attempt::Done(read_answer(status, &bytes))
}

fn read_answer(status: StatusCode, bytes: &[u8]) -> Result<Value, YooKassaError> {
    if status.is_client_error() {
        let (code, description) = wire::refusal(bytes).unwrap_or_else(|| {
            (
                "unknown".into(),
                format!("HTTP {status} without an error body"),
            )
        });
        return Err(YooKassaError::Refused {
            status: status.as_u16(),
            code,
            description,
        });
    }
    if !status.is_success() {
        return Err(YooKassaError::Malformed(format!(
            "unexpected HTTP {status}"
        )));
    }
    serde_json::from_slice(bytes)
        .map_err(|error| YooKassaError::Malformed(format!("not JSON: {error}")))
}

/// Kopecks as YooKassa writes money: `199000` is `"1990.00"`.
pub fn format_amount(kopecks: u64) -> String {
    format!("{}.{:02}", kopecks / 100, kopecks % 100)
}

/// YooKassa's money string in kopecks: `"1990.00"`, `"1990.5"` and `"1990"` are all read;
/// anything else (a sign, a comma, a third decimal, an overflow) is `None`.
pub fn parse_amount(value: &str) -> Option<u64> {
    let (rubles, fraction) = value.split_once('.').unwrap_or((value, "00"));
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(rubles) || !all_digits(fraction) || fraction.len() > 2 {
        return None;
    }
    let kopecks: u64 = format!("{fraction:0<2}").parse().ok()?;
    rubles
        .parse::<u64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(kopecks)
}

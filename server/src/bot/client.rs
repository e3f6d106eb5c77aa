//! A typed Bot API client: the few methods Hauler calls, a configurable base URL (so tests and the
//! sandbox use a local stand-in), strict timeouts, and Telegram's refusals sorted by what to do.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::BotToken;

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// `429`: wait this long, then try again.
    #[error("Telegram asks to wait {0:?}")]
    RetryAfter(Duration),
    /// `403`: the driver blocked the bot or the chat is gone; retrying will not help.
    #[error("Telegram will not deliver to this chat: {0}")]
    Unreachable(String),
    /// `400`: the message itself is wrong; retrying will not help.
    #[error("Telegram refused the message: {0}")]
    Refused(String),
    /// Telegram is slow, down or answered something unreadable: try again later.
    #[error("Telegram is unavailable: {0}")]
    Unavailable(String),
}

impl BotError {
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::Refused(_))
    }
}

/// How long an ordinary call may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct BotApi {
    http: reqwest::Client,
    /// `https://api.telegram.org`, or the stand-in's.
    base_url: String,
    token: BotToken,
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    result: Value,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

impl BotApi {
    pub fn new(base_url: &str, token: BotToken) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .build()
            .expect("the HTTP client builds");
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token,
        }
    }

    pub fn token(&self) -> &BotToken {
        &self.token
    }

    /// Calls a Bot API method with JSON parameters and returns its `result`.
    pub async fn call(&self, method: &str, params: &Value) -> Result<Value, BotError> {
        self.call_within(method, params, REQUEST_TIMEOUT).await
    }

    /// A call Telegram may hold open (long polling): allowed `wait` plus the usual time.
    pub async fn call_waiting(
        &self,
        method: &str,
        params: &Value,
        wait: Duration,
    ) -> Result<Value, BotError> {
        self.call_within(method, params, wait + REQUEST_TIMEOUT)
            .await
    }

    async fn call_within(
        &self,
        method: &str,
        params: &Value,
        timeout: Duration,
    ) -> Result<Value, BotError> {
        let token = self.token.current().await;
        let response = self
            .http
            .post(format!("{}/bot{token}/{method}", self.base_url))
            .timeout(timeout)
            .json(params)
            .send()
            .await
            // The error's URL would carry the token: keep only its kind.
            .map_err(|error| BotError::Unavailable(kind(&error)))?;
        let status = response.status().as_u16();
        let answer: Answer = response
            .json()
            .await
            .map_err(|_| BotError::Unavailable(format!("an unreadable answer ({status})")))?;
        if answer.ok {
            return Ok(answer.result);
        }
        let description = answer.description;
        Err(match status {
            429 => BotError::RetryAfter(Duration::from_secs(
                answer
                    .parameters
                    .and_then(|parameters| parameters.retry_after)
                    .unwrap_or(5),
            )),
            403 => BotError::Unreachable(description),
            // The bot's token is wrong (mistyped on the dashboard, or revoked): the message is
            // fine and waits until the token is put right.
            401 | 404 => BotError::Unavailable(format!("the bot token is refused ({status})")),
            400..=499 => BotError::Refused(description),
            _ => BotError::Unavailable(format!("{status}: {description}")),
        })
    }
}

fn kind(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "cannot connect".into()
    } else {
        "transport error".into()
    }
}

//! Where the outbox worker gets messages and reports back: the database itself (the bot inside
//! the server), or the server's internal API (the bot as its own process, with a service token).

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::{drivers, outbox, store::SharedStore};
use sea_orm::{DatabaseConnection, DbErr};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Another sender may take a claimed message after this (its sender died mid-send). Senders
/// claim one message at a time, and sending one takes at most the Bot API's request timeout plus
/// a second's wait for the rate limits, so a live sender's claim never lapses.
const CLAIM_HOLD: chrono::Duration = chrono::Duration::seconds(60);

/// A message claimed for sending.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pending {
    pub id: i64,
    pub chat_id: i64,
    /// The Bot API `sendMessage` parameters.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub attempts: i32,
}

/// How a send went.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Sent,
    /// Try again at `at` (Telegram slow, down, or asking to wait).
    Retry {
        #[schema(value_type = String, format = DateTime)]
        at: DateTime<Utc>,
        error: String,
    },
    /// Never retried; `blocked` when the driver blocked the bot.
    Undeliverable {
        error: String,
        blocked: bool,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("the server's outbox could not be reached: {0}")]
    Remote(String),
}

pub trait Queue: Send + Sync + 'static {
    fn claim(&self, limit: u64) -> impl Future<Output = Result<Vec<Pending>, QueueError>> + Send;
    fn settle(
        &self,
        id: i64,
        chat_id: i64,
        outcome: Outcome,
    ) -> impl Future<Output = Result<(), QueueError>> + Send;
    /// Gives claimed messages back unsent, for any sender to take at once.
    fn release(&self, ids: &[i64]) -> impl Future<Output = Result<(), QueueError>> + Send;
}

/// The outbox in the database, with the store's marks of messages Telegram took.
#[derive(Clone)]
pub struct DatabaseQueue {
    pub db: DatabaseConnection,
    pub store: SharedStore,
}

impl Queue for DatabaseQueue {
    /// Due messages, claimed; those for drivers who blocked the bot are settled, never sent, and
    /// those Telegram took already (their sender could not record it) are recorded, not resent.
    async fn claim(&self, limit: u64) -> Result<Vec<Pending>, QueueError> {
        let mut pending = Vec::new();
        for row in outbox::claim_due(&self.db, limit, CLAIM_HOLD).await? {
            if outbox::was_delivered(&self.store, row.id).await {
                tracing::info!(
                    outbox_id = row.id,
                    "a message sent before is recorded, not sent again"
                );
                outbox::mark_sent(&self.db, row.id).await?;
                continue;
            }
            if !drivers::reachable(&self.db, row.chat_id).await? {
                outbox::mark_undeliverable(&self.db, row.id, "the driver blocked the bot").await?;
                continue;
            }
            match serde_json::from_str(&row.payload) {
                Ok(payload) => pending.push(Pending {
                    id: row.id,
                    chat_id: row.chat_id,
                    payload,
                    attempts: row.attempts,
                }),
                Err(error) => {
                    outbox::mark_undeliverable(&self.db, row.id, &error.to_string()).await?
                }
            }
        }
        Ok(pending)
    }

    async fn settle(&self, id: i64, chat_id: i64, outcome: Outcome) -> Result<(), QueueError> {
        match outcome {
            Outcome::Sent => {
                outbox::mark_delivered(&self.store, id).await;
                outbox::mark_sent(&self.db, id).await?
            }
            Outcome::Retry { at, error } => outbox::retry_later(&self.db, id, at, &error).await?,
            Outcome::Undeliverable { error, blocked } => {
                outbox::mark_undeliverable(&self.db, id, &error).await?;
                if blocked {
                    drivers::set_bot_blocked(&self.db, chat_id, true).await?;
                }
            }
        }
        Ok(())
    }

    async fn release(&self, ids: &[i64]) -> Result<(), QueueError> {
        Ok(outbox::release(&self.db, ids).await?)
    }
}

/// The outbox behind the server's internal API.
#[derive(Clone)]
pub struct RemoteQueue {
    pub http: reqwest::Client,
    pub server_url: String,
    pub service_token: String,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Settlement {
    pub chat_id: i64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl RemoteQueue {
    pub fn new(server_url: &str, service_token: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("the HTTP client builds"),
            server_url: server_url.trim_end_matches('/').to_owned(),
            service_token: service_token.to_owned(),
        }
    }

    async fn post(&self, path: &str, body: &Value) -> Result<reqwest::Response, QueueError> {
        let response = self
            .http
            .post(format!("{}{path}", self.server_url))
            .header("x-service-token", &self.service_token)
            .json(body)
            .send()
            .await
            .map_err(|error| QueueError::Remote(error.to_string()))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            Err(QueueError::Remote(format!("{status}: {body}")))
        }
    }
}

impl RemoteQueue {
    /// Hands a Telegram update to the server, which answers it.
    pub async fn hand_over(&self, update: &Value) -> Result<(), QueueError> {
        self.post("/internal/v1/bot/updates", update)
            .await
            .map(drop)
    }
}

impl Queue for RemoteQueue {
    async fn claim(&self, limit: u64) -> Result<Vec<Pending>, QueueError> {
        self.post(
            "/internal/v1/outbox/claim",
            &serde_json::json!({"limit": limit}),
        )
        .await?
        .json()
        .await
        .map_err(|error| QueueError::Remote(error.to_string()))
    }

    async fn settle(&self, id: i64, chat_id: i64, outcome: Outcome) -> Result<(), QueueError> {
        let body = serde_json::to_value(Settlement { chat_id, outcome })
            .map_err(|error| QueueError::Remote(error.to_string()))?;
        self.post(&format!("/internal/v1/outbox/{id}/settle"), &body)
            .await
            .map(drop)
    }

    async fn release(&self, ids: &[i64]) -> Result<(), QueueError> {
        self.post(
            "/internal/v1/outbox/release",
            &serde_json::json!({"ids": ids}),
        )
        .await
        .map(drop)
    }
}

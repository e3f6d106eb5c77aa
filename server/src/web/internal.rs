//! The server's internal API (`/internal/v1/…`), for service clients only: the bot running as
//! its own process (`hauler bot`) hands over the updates it receives from Telegram, takes
//! messages from the outbox to send and reports how each went; operators' tools refund payments,
//! with the service recorded in the audit log.

use axum::{
    Json, Router,
    extract::{FromRef, State},
    http::StatusCode,
    routing::post,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    bot::{
        Chatter, Handling, Update,
        queue::{DatabaseQueue, Pending, Queue, Settlement},
    },
    machines::ServiceTokens,
    payments::{Billing, RefundOutcome},
    web::{
        ApiError, ErrorCode,
        extract::{JsonBody, PathId, ServiceClient},
    },
};

/// What the bot's half of the internal API reaches.
#[derive(Clone, FromRef)]
pub struct Internal {
    pub chatter: Chatter,
    pub queue: DatabaseQueue,
    pub tokens: ServiceTokens,
}

pub fn routes(internal: Internal, billing: Billing) -> Router {
    let refunds = Router::new()
        .route("/internal/v1/payments/{id}/refunds", post(refund))
        .with_state(RefundDesk {
            billing,
            tokens: internal.tokens.clone(),
        });
    Router::new()
        .route("/internal/v1/bot/updates", post(update))
        .route("/internal/v1/outbox/claim", post(claim))
        .route("/internal/v1/outbox/{id}/settle", post(settle))
        .route("/internal/v1/outbox/release", post(release))
        .with_state(internal)
        .merge(refunds)
}

#[derive(Clone, FromRef)]
struct RefundDesk {
    billing: Billing,
    tokens: ServiceTokens,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RefundRequest {
    /// Everything not yet refunded when absent.
    amount_kopecks: Option<u64>,
}

async fn refund(
    State(billing): State<Billing>,
    client: ServiceClient,
    PathId(id): PathId<i64>,
    JsonBody(request): JsonBody<RefundRequest>,
) -> Result<(StatusCode, Json<RefundOutcome>), ApiError> {
    let outcome = billing
        .refund(id.into(), request.amount_kopecks, &client.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(outcome)))
}

fn failed(error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, "the internal API failed");
    ApiError::internal()
}

async fn update(
    State(chatter): State<Chatter>,
    client: ServiceClient,
    JsonBody(body): JsonBody<Value>,
) -> Result<StatusCode, ApiError> {
    let update: Update = serde_json::from_value(body).map_err(ApiError::bad_body)?;
    match chatter.handle(update, &client.actor()).await {
        Handling::Done => Ok(StatusCode::NO_CONTENT),
        // The bot process keeps the update unconfirmed and hands it over again.
        Handling::Later => Err(ErrorCode::DatabaseUnavailable.into()),
    }
}

#[derive(Deserialize, Serialize)]
struct Claim {
    limit: u64,
}

async fn claim(
    State(queue): State<DatabaseQueue>,
    _client: ServiceClient,
    JsonBody(Claim { limit }): JsonBody<Claim>,
) -> Result<Json<Vec<Pending>>, ApiError> {
    queue
        .claim(limit.clamp(1, 100))
        .await
        .map(Json)
        .map_err(failed)
}

async fn settle(
    State(queue): State<DatabaseQueue>,
    _client: ServiceClient,
    PathId(id): PathId<i64>,
    JsonBody(settlement): JsonBody<Settlement>,
) -> Result<StatusCode, ApiError> {
    queue
        .settle(id, settlement.chat_id, settlement.outcome)
        .await
        .map_err(failed)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Serialize)]
struct Release {
    ids: Vec<i64>,
}

/// Claimed messages given back unsent (the bot process is stopping).
async fn release(
    State(queue): State<DatabaseQueue>,
    _client: ServiceClient,
    JsonBody(Release { ids }): JsonBody<Release>,
) -> Result<StatusCode, ApiError> {
    queue.release(&ids).await.map_err(failed)?;
    Ok(StatusCode::NO_CONTENT)
}

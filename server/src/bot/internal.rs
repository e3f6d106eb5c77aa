//! The server's internal API for the bot running as its own process (`hauler bot`), for service
//! clients only: it hands over the updates it receives from Telegram, and takes messages from the
//! outbox to send and reports how each went.

use axum::{
    Json, Router,
    extract::{FromRef, Path, State, rejection::JsonRejection},
    http::StatusCode,
    routing::post,
};
use serde::Deserialize;
use serde_json::Value;

use super::{
    chat::{Chatter, Update},
    queue::{DatabaseQueue, Pending, Queue, Settlement},
};
use crate::{
    http::ApiError,
    machines::{ServiceClient, ServiceTokens},
};

#[derive(Clone, FromRef)]
pub struct Internal {
    pub chatter: Chatter,
    pub queue: DatabaseQueue,
    pub tokens: ServiceTokens,
}

pub fn routes(internal: Internal) -> Router {
    Router::new()
        .route("/internal/v1/bot/updates", post(update))
        .route("/internal/v1/outbox/claim", post(claim))
        .route("/internal/v1/outbox/{id}/settle", post(settle))
        .with_state(internal)
}

fn failed(error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, "the internal API failed");
    ApiError::internal()
}

async fn update(
    State(chatter): State<Chatter>,
    client: ServiceClient,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(body) = body.map_err(ApiError::bad_body)?;
    let update: Update = serde_json::from_value(body).map_err(ApiError::bad_body)?;
    chatter.handle(update, &client.actor()).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Claim {
    limit: u64,
}

async fn claim(
    State(queue): State<DatabaseQueue>,
    _client: ServiceClient,
    body: Result<Json<Claim>, JsonRejection>,
) -> Result<Json<Vec<Pending>>, ApiError> {
    let Json(Claim { limit }) = body.map_err(ApiError::bad_body)?;
    queue
        .claim(limit.clamp(1, 100))
        .await
        .map(Json)
        .map_err(failed)
}

async fn settle(
    State(queue): State<DatabaseQueue>,
    _client: ServiceClient,
    Path(id): Path<i64>,
    body: Result<Json<Settlement>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(settlement) = body.map_err(ApiError::bad_body)?;
    queue
        .settle(id, settlement.chat_id, settlement.outcome)
        .await
        .map_err(failed)?;
    Ok(StatusCode::NO_CONTENT)
}

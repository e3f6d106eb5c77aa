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

mod openapi;

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
        .merge(openapi::routes())
}

#[derive(Clone, FromRef)]
struct RefundDesk {
    billing: Billing,
    tokens: ServiceTokens,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RefundRequest {
    /// Everything not yet refunded when absent.
    amount_kopecks: Option<u64>,
}

#[utoipa::path(post, path = "/internal/v1/payments/{id}/refunds", tag = "payments", request_body = RefundRequest,
    params(("id" = i64, Path, minimum = 1, description = "Hauler's payment id")),
    responses(
        (status = 201, description = "Refunded: the refund, what is refunded in all, and when the driver's access ends now", body = RefundOutcome),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody),
        (status = 404, description = "`payment_not_found`", body = app::session::ApiErrorBody),
        (status = 409, description = "`refund_not_possible`: only a succeeded payment can be refunded", body = app::session::ApiErrorBody),
        (status = 422, description = "`refund_amount_invalid`: above zero and at most what is left", body = app::session::ApiErrorBody),
        (status = 502, description = "`payment_refused`: the provider refused the refund", body = app::session::ApiErrorBody),
        (status = 503, description = "`payments_unavailable`: the provider cannot be reached", body = app::session::ApiErrorBody),
        (status = 403, description = "`service_token_required` (no `X-Service-Token`) or `service_token_invalid` (wrong, expired or revoked)", body = app::session::ApiErrorBody),
    ),
    security(("service_token" = [])))]
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

/// A Telegram update the bot process received, handled as the webhook would.
#[utoipa::path(post, path = "/internal/v1/bot/updates", tag = "bot", request_body = Update,
    responses(
        (status = 204, description = "Handled"),
        (status = 503, description = "`database_unavailable`: not handled; hand it over again", body = app::session::ApiErrorBody),
        (status = 403, description = "`service_token_required` (no `X-Service-Token`) or `service_token_invalid` (wrong, expired or revoked)", body = app::session::ApiErrorBody),
    ),
    security(("service_token" = [])))]
async fn update(
    State(chatter): State<Chatter>,
    client: ServiceClient,
    JsonBody(body): JsonBody<Value>,
) -> Result<StatusCode, ApiError> {
    let update = Update::read(&body).map_err(ApiError::bad_body)?;
    match chatter.handle(update, &client.actor()).await {
        Handling::Done => Ok(StatusCode::NO_CONTENT),
        // The bot process keeps the update unconfirmed and hands it over again.
        Handling::Later => Err(ErrorCode::DatabaseUnavailable.into()),
    }
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
struct Claim {
    /// How many messages at most: fewer than 1 is 1, more than 100 is 100.
    limit: u32,
}

/// Due messages, each held for its sender for a minute.
#[utoipa::path(post, path = "/internal/v1/outbox/claim", tag = "outbox", request_body = Claim,
    responses(
        (status = 200, description = "The messages claimed (none when nothing is due)", body = Vec<Pending>),
        (status = 500, description = "`internal`: the outbox could not be read", body = app::session::ApiErrorBody),
        (status = 403, description = "`service_token_required` (no `X-Service-Token`) or `service_token_invalid` (wrong, expired or revoked)", body = app::session::ApiErrorBody),
    ),
    security(("service_token" = [])))]
async fn claim(
    State(queue): State<DatabaseQueue>,
    _client: ServiceClient,
    JsonBody(Claim { limit }): JsonBody<Claim>,
) -> Result<Json<Vec<Pending>>, ApiError> {
    queue
        .claim(u64::from(limit.clamp(1, 100)))
        .await
        .map(Json)
        .map_err(failed)
}

/// How sending a claimed message went.
#[utoipa::path(post, path = "/internal/v1/outbox/{id}/settle", tag = "outbox", request_body = Settlement,
    params(("id" = i64, Path, minimum = 1, description = "The outbox message's id")),
    responses(
        (status = 204, description = "Recorded"),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody),
        (status = 500, description = "`internal`: the outbox could not be written", body = app::session::ApiErrorBody),
        (status = 403, description = "`service_token_required` (no `X-Service-Token`) or `service_token_invalid` (wrong, expired or revoked)", body = app::session::ApiErrorBody),
    ),
    security(("service_token" = [])))]
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

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
struct Release {
    ids: Vec<i64>,
}

/// Claimed messages given back unsent (the bot process is stopping).
#[utoipa::path(post, path = "/internal/v1/outbox/release", tag = "outbox", request_body = Release,
    responses(
        (status = 204, description = "Given back: any sender may take them at once"),
        (status = 500, description = "`internal`: the outbox could not be written", body = app::session::ApiErrorBody),
        (status = 403, description = "`service_token_required` (no `X-Service-Token`) or `service_token_invalid` (wrong, expired or revoked)", body = app::session::ApiErrorBody),
    ),
    security(("service_token" = [])))]
async fn release(
    State(queue): State<DatabaseQueue>,
    _client: ServiceClient,
    JsonBody(Release { ids }): JsonBody<Release>,
) -> Result<StatusCode, ApiError> {
    queue.release(&ids).await.map_err(failed)?;
    Ok(StatusCode::NO_CONTENT)
}

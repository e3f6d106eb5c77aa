//! `POST /telegram/webhook`, where Telegram delivers the bot's updates in webhook mode: only with
//! Telegram's secret header, compared in constant time; a wrong or missing one gets `401` and
//! changes nothing. An update that meets a database outage is answered `503`, which Telegram
//! takes as "not delivered" and delivers again later.

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use subtle::ConstantTimeEq;

use crate::bot::{Chatter, Handling, IN_SERVER, Update};

#[derive(Clone)]
struct Webhook {
    chatter: Chatter,
    secret: String,
}

pub fn routes(chatter: Chatter, secret: String) -> Router {
    Router::new()
        .route("/telegram/webhook", post(receive))
        .with_state(Webhook { chatter, secret })
}

async fn receive(State(webhook): State<Webhook>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let presented = headers
        .get("x-telegram-bot-api-secret-token")
        .map(|value| value.as_bytes())
        .unwrap_or_default();
    if !bool::from(presented.ct_eq(webhook.secret.as_bytes())) {
        metrics::counter!("bot_webhook_refused_total").increment(1);
        tracing::warn!("a webhook call without the right secret was refused");
        return StatusCode::UNAUTHORIZED;
    }
    match serde_json::from_slice::<Update>(&body) {
        Ok(update) => match webhook.chatter.handle(update, IN_SERVER).await {
            Handling::Done => StatusCode::OK,
            Handling::Later => StatusCode::SERVICE_UNAVAILABLE,
        },
        // Telegram would retry a refusal forever: take it, say so in the log.
        Err(error) => {
            tracing::warn!(%error, "an unreadable update was dropped");
            StatusCode::OK
        }
    }
}

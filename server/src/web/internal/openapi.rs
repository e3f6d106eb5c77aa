//! `GET /internal/v1/openapi.json`: the OpenAPI 3.1 document of the internal API, generated from
//! its handlers and wire types as the drivers' is. Reading it needs no token: it says what the
//! routes take, never anything they hold.

use axum::{Json, Router, routing::get};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hauler internal API",
        description = "For machine clients only: the bot running as its own process (`hauler \
            bot`) and operators' tools. Every call carries a service token in `X-Service-Token` \
            (made with `hauler service-token create <client>` or configured as \
            `SERVICE_TOKEN_<CLIENT>_HASH`). Every refusal is `{\"code\", \"message\"}` with a \
            stable code. A body over 2 MB is refused on every route with `413` and \
            `body_too_large`."
    ),
    paths(
        super::update,
        super::claim,
        super::settle,
        super::release,
        super::refund,
    ),
    modifiers(&ServiceToken),
    tags(
        (name = "bot", description = "Telegram updates the bot process receives"),
        (name = "outbox", description = "The bot's messages to send: claimed, settled, given back"),
        (name = "payments", description = "Refunds, recorded in the audit log under the client's name"),
    )
)]
struct InternalDoc;

struct ServiceToken;

impl Modify for ServiceToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_default()
            .add_security_scheme(
                "service_token",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    "X-Service-Token",
                    "A machine client's service token",
                ))),
            );
    }
}

pub fn routes() -> Router {
    let document = crate::web::openapi::published(InternalDoc::openapi(), "ApiErrorBody");
    Router::new().route(
        "/internal/v1/openapi.json",
        get(move || std::future::ready(Json(document.clone()))),
    )
}

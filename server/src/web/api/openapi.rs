//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the drivers' JSON API, generated from
//! the handlers and the wire types themselves, so it cannot drift from what the server answers.

use axum::{Json, Router, routing::get};
use serde_json::Value;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use super::{auth, cargo, live, me, payments, place, profile, shippers};
use crate::{
    cabinet::COOKIE as CABINET_COOKIE,
    web::{
        cabinet,
        openapi::{operations_mut, refusal_content, refuses},
    },
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hauler",
        description = "Freight from the CargoTech exchange for truck drivers: one server-held \
            account answers every driver from a shared cache. Sign in with the Mini App's launch \
            data, then send the session as `Authorization: Bearer <token>`. Every refusal is \
            `{\"code\", \"message\"}` with a stable code. A body over 2 MB is refused on \
            every route with `413` and `body_too_large`."
    ),
    paths(
        auth::sign_in,
        auth::log_out,
        auth::renew,
        cargo::list,
        cargo::detail,
        cargo::respond,
        cargo::advance_response,
        cargo::hide,
        cargo::unhide,
        shippers::shipper,
        place::near,
        place::back_home,
        place::along,
        live::live,
        cargo::cities,
        cargo::dictionaries,
        me::profile,
        me::last_filter,
        me::remember_filter,
        me::saved_filters,
        me::save_filter,
        me::change_filter,
        me::forget_filter,
        me::response_history,
        profile::read_profile,
        profile::keep_profile,
        profile::hidden_loads,
        payments::view,
        payments::start_trial,
        payments::check_promo,
        payments::redeem_promo,
        payments::buy,
        payments::payment,
        payments::autopay,
        payments::switch_autopay,
        cabinet::my_passes,
        cabinet::buy,
        cabinet::login_link,
        cabinet::authenticate,
        cabinet::status,
        cabinet::logout,
    ),
    modifiers(&Session),
    tags(
        (name = "session", description = "Signing in with Telegram"),
        (name = "loads", description = "Finding freight: lists, cards, responses, live new loads"),
        (name = "dictionaries", description = "Cities, body and loading types"),
        (name = "driver", description = "The driver's profile, filters and responses"),
        (name = "subscription", description = "Access to loads: trial, plans, promo codes, payments"),
        (name = "cabinet", description = "The exchange's web cabinet: passes, and a browser signing in with one"),
    )
)]
struct ApiDoc;

/// The session every call but signing in carries (in the query for the live feed), and the
/// cabinet's cookie a browser signed in with a pass carries.
struct Session;

impl Modify for Session {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_default()
            .add_security_scheme(
                "session",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some("The `token` from `POST /api/v1/auth/telegram`"))
                        .build(),
                ),
            );
        openapi
            .components
            .get_or_insert_default()
            .add_security_scheme(
                "live_token",
                SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                    "access_token",
                    "The session's `token` in the query: a browser's `EventSource` cannot send headers",
                ))),
            );
        openapi
            .components
            .get_or_insert_default()
            .add_security_scheme(
                "cabinet_session",
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                    CABINET_COOKIE,
                    "The cabinet's session cookie `POST /api/v1/cabinet/authenticate` sets",
                ))),
            );
    }
}

pub fn routes() -> Router {
    let mut document = crate::web::openapi::published(ApiDoc::openapi(), "ApiErrorBody");
    paced(&mut document);
    Router::new().route(
        "/api/v1/openapi.json",
        get(move || std::future::ready(Json(document.clone()))),
    )
}

/// Every call a signed-in driver makes keeps their pace on the instance (`doors::Pace`), so any
/// of them may be answered `429`. Signing in, renewing and signing out have limits of their own.
fn paced(document: &mut Value) {
    let error = refusal_content("ApiErrorBody");
    for (_, operation) in
        operations_mut(document).filter(|(path, _)| !path.starts_with("/api/v1/auth/"))
    {
        let carries_session = operation
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|schemes| schemes.iter().any(|scheme| scheme.get("session").is_some()));
        if let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .filter(|_| carries_session)
        {
            refuses(responses, "429", PACE_REFUSAL, &error);
        }
    }
}

const PACE_REFUSAL: &str = "`too_many_requests`: the driver asks faster than their pace allows (`LIMIT_PACE`); `Retry-After` says when to go on";

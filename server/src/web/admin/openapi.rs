//! `GET /admin/api/openapi.json`: the OpenAPI 3.1 document of the dashboard's JSON API, generated
//! from its handlers and the `admin::wire` types as the drivers' is. Reading it needs no session:
//! it says what the routes take, never anything they hold.
//!
//! What every route answers alike is added here once rather than on each handler: `401
//! admin_session_missing` without a session, `403` for a driver's session, a role below the
//! route's or a change without the session's CSRF token, and `503 database_unavailable`.

use axum::{Json, Router, routing::get};
use serde_json::{Value, json};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};

use super::{
    admins, audit, auth, cabinet, cities, connection, drivers, flags, overview, payments, promo,
    second_factor, service_tokens, settings, shipper_reports, upstream_shares,
};
use crate::{admin::sessions, web::openapi::refuses};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hauler admin API",
        description = "The dashboard's JSON API. Log in with `POST /admin/api/login`: the answer \
            sets the session cookie `hauler_admin` and carries the session's `csrf` token, which \
            every call that changes something sends back as `X-CSRF-Token`. Each route names the \
            least role it needs (support < admin < owner). Every refusal is `{\"code\", \
            \"message\"}` with a stable code. A body over 2 MB is refused on every route with \
            `413` and `body_too_large`."
    ),
    paths(
        auth::log_in,
        auth::session,
        auth::log_out,
        auth::log_out_everywhere,
        overview::overview,
        drivers::list,
        drivers::detail,
        drivers::ban,
        drivers::unban,
        drivers::gift,
        drivers::message,
        upstream_shares::show,
        upstream_shares::cut,
        payments::list,
        payments::export,
        payments::detail,
        payments::refund,
        promo::list_plans,
        promo::create_plan,
        promo::edit_plan,
        promo::list_promo,
        promo::create_promo,
        promo::create_batch,
        promo::guesses,
        promo::switch_promo,
        flags::list,
        flags::switch,
        settings::list,
        settings::change,
        settings::clear,
        connection::show,
        connection::log_in_now,
        connection::enter_sms_code,
        connection::drop_token,
        connection::sandbox_stats,
        connection::turn_sandbox_knobs,
        cities::show,
        cities::refresh,
        service_tokens::list,
        service_tokens::create,
        service_tokens::revoke,
        audit::list,
        audit::export,
        admins::list,
        admins::invite,
        admins::change,
        second_factor::state,
        second_factor::set_up,
        second_factor::confirm,
        second_factor::disable,
        second_factor::reset,
        shipper_reports::list,
        shipper_reports::approve,
        shipper_reports::reject,
        cabinet::list_passes,
        cabinet::grant,
        cabinet::revoke,
        cabinet::list_plans,
        cabinet::create_plan,
        cabinet::edit_plan,
        cabinet::list_sessions,
        cabinet::list_rules,
        cabinet::add_rule,
        cabinet::remove_rule,
    ),
    components(schemas(admin::wire::ErrorBody)),
    modifiers(&AdminSession),
    tags(
        (name = "session", description = "Logging in and out"),
        (name = "overview", description = "The service at a glance"),
        (name = "drivers", description = "Drivers: their access, bans, gifts, messages and share of the exchange"),
        (name = "money", description = "Payments, refunds, plans and promo codes"),
        (name = "operations", description = "Feature flags, settings and secrets, the CargoTech connection, the points dictionary"),
        (name = "people", description = "Admins, their second factor, service tokens, the audit log"),
        (name = "shippers", description = "Drivers' reports about shippers, and their moderation"),
        (name = "cabinet", description = "The CargoTech cabinet: passes, their plans, its sessions and its closed paths"),
    )
)]
struct AdminDoc;

/// The session cookie, and the CSRF token a change sends with it.
struct AdminSession;

impl Modify for AdminSession {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_default();
        components.add_security_scheme(
            "admin_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                sessions::COOKIE,
                "The session cookie `POST /admin/api/login` sets",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's `csrf` (from logging in or `GET /admin/api/session`): every call \
                 but a `GET` sends it",
            ))),
        );
    }
}

/// The document as it is served: the shared refusals of every API, then the dashboard's own.
fn document() -> Value {
    let mut document = crate::web::openapi::published(AdminDoc::openapi(), "ErrorBody");
    let error = json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}});
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return document;
    };
    for (method, operation) in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.iter_mut())
    {
        let Some(operation) = operation.as_object_mut() else {
            continue;
        };
        let signed_in = operation
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|requirements| !requirements.is_empty());
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if signed_in {
            refuses(
                responses,
                "401",
                "`admin_session_missing`: no session, or it ended",
                &error,
            );
            let csrf = if method == "get" {
                ""
            } else {
                ", `csrf_invalid` (no `X-CSRF-Token`, or not this session's)"
            };
            refuses(
                responses,
                "403",
                &format!(
                    "`admin_only` (a driver's session){csrf}, or `role_insufficient` (a role below the route's)"
                ),
                &error,
            );
        }
        refuses(
            responses,
            "503",
            "`database_unavailable`: the database cannot be reached; try again",
            &error,
        );
    }
    document
}

pub fn routes() -> Router {
    let document = document();
    Router::new().route(
        "/admin/api/openapi.json",
        get(move || std::future::ready(Json(document.clone()))),
    )
}

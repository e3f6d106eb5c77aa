//! Logging in and out: `POST /admin/api/login`, `GET /admin/api/session`,
//! `POST /admin/api/logout` and `POST /admin/api/logout-everywhere`.

use admin::wire::ErrorBody;
use admin::wire::{AdminProfile, AdminSessionView, LoginRequest};
use axum::{
    Json, Router,
    extract::State,
    http::{
        HeaderValue, StatusCode,
        header::{RETRY_AFTER, SET_COOKIE},
    },
    response::{IntoResponse, Response},
    routing::{get, post},
};
use domain::audit::{self, AuditEntry};

use super::{AdminDesk, AnyStaff, Staff};
use crate::{
    admin::{
        accounts,
        second_factor::{self, LoginCode},
        sessions::{self, AdminSession},
        throttle::LoginThrottle,
    },
    web::{
        ApiError, ErrorCode,
        extract::{ClientAddress, JsonBody},
    },
};

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/login", post(log_in))
        .route("/admin/api/session", get(session))
        .route("/admin/api/logout", post(log_out))
        .route("/admin/api/logout-everywhere", post(log_out_everywhere))
}

fn view(session: &AdminSession) -> AdminSessionView {
    AdminSessionView {
        admin: AdminProfile {
            email: session.email.clone(),
            role: session.role,
        },
        csrf: session.csrf.clone(),
    }
}

/// Too many failed logins: the wait in words, and in `Retry-After` for the dashboard to put
/// into its reader's language.
fn throttled(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let mut response = ErrorCode::LoginThrottled
        .with_message(format!(
            "Too many failed attempts: try again in {seconds} s"
        ))
        .into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(seconds));
    response
}

fn with_cookie(mut response: Response, value: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// Checks the password (and code) of a login. Refused before any hashing: an address that
/// must wait (`login_throttled`, see [`crate::admin::throttle`]) and a login beyond what this
/// instance checks at once (`login_busy`, see [`crate::admin::login_gate`]). Every refused
/// attempt is in the audit log.
#[utoipa::path(post, path = "/admin/api/login", tag = "session", operation_id = "log_in", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in: the session cookie `hauler_admin` is set (`Set-Cookie`); `csrf` goes with every change", body = AdminSessionView),
        (status = 401, description = "`login_failed` (wrong email or password), `second_factor_required` (the password was right: send it again with the authenticator app's `code`) or `second_factor_code_wrong`", body = ErrorBody),
        (status = 429, description = "`login_throttled`: too many failed attempts from this address or on this account; `Retry-After` says when to try again", body = ErrorBody),
        (status = 503, description = "`login_busy`: this instance checks as many logins as it can at once; try again in a few seconds", body = ErrorBody),
    ))]
async fn log_in(
    State(desk): State<AdminDesk>,
    ClientAddress(peer): ClientAddress,
    body: Result<JsonBody<LoginRequest>, ApiError>,
) -> Result<Response, Response> {
    let JsonBody(request) = body.map_err(IntoResponse::into_response)?;
    let email = accounts::normalize_email(&request.email);
    let address = peer.to_string();
    let throttle = LoginThrottle {
        store: desk.store.clone(),
    };
    if let Err(wait) = throttle.check(&email, &address).await {
        audit_refusal(&desk, "admin.login_throttled", &email, &address).await;
        return Err(throttled(wait));
    }
    let Some(_place) = desk.login_gate.admit(&address) else {
        audit_refusal(&desk, "admin.login_busy", &email, &address).await;
        return Err(ApiError::from(ErrorCode::LoginBusy).into_response());
    };
    let account = accounts::verify(&desk.db, &email, &request.password)
        .await
        .map_err(|error| ApiError::from(error).into_response())?;
    let second = match &account {
        Some(account) => second_factor::check_at_login(
            &desk.db,
            &desk.sealer,
            account.id,
            &account.email,
            request.code.as_deref(),
        )
        .await
        .map_err(|error| ApiError::from(error).into_response())?,
        None => LoginCode::Wrong,
    };
    let account = match (account, second) {
        (Some(account), LoginCode::NotNeeded | LoginCode::Accepted) => account,
        // The password was right: the page asks for the app's code and sends both again.
        (Some(_), LoginCode::Missing) => {
            return Err(ApiError::from(ErrorCode::SecondFactorRequired).into_response());
        }
        (account, _) => {
            let wait = throttle.failed(&email, &address).await;
            tracing::warn!(%address, "a failed admin login");
            audit_refusal(&desk, "admin.login_failed", &email, &address).await;
            return Err(if !wait.is_zero() {
                throttled(wait)
            } else if account.is_some() {
                ApiError::from(ErrorCode::SecondFactorCodeWrong { at_login: true }).into_response()
            } else {
                ApiError::from(ErrorCode::LoginFailed).into_response()
            });
        }
    };
    throttle.succeeded(&email, &address).await;
    let (token, session) =
        sessions::begin(&desk.store, account.id, &account.email, account.role).await;
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &session.actor(),
            action: "admin.login",
            object: None,
            details: None,
            client_addr: Some(&address),
        },
    )
    .await;
    Ok(with_cookie(
        Json(view(&session)).into_response(),
        &sessions::cookie(&token, desk.secure_cookies),
    ))
}

/// A login that did not get in, in the audit log under the email it tried.
async fn audit_refusal(desk: &AdminDesk, action: &str, email: &str, address: &str) {
    audit::record(
        &desk.db,
        AuditEntry {
            actor: "anonymous",
            action,
            object: Some(&format!("admin:{email}")),
            details: None,
            client_addr: Some(address),
        },
    )
    .await;
}

#[utoipa::path(get, path = "/admin/api/session", tag = "session", operation_id = "session",
    responses((status = 200, description = "The signed-in admin and the session's CSRF token (any staff)", body = AdminSessionView)),
    security(("admin_session" = [])))]
async fn session(staff: Staff<AnyStaff>) -> Json<AdminSessionView> {
    Json(view(&staff.session))
}

#[utoipa::path(post, path = "/admin/api/logout", tag = "session", operation_id = "log_out",
    responses((status = 204, description = "This session ended; the cookie is cleared (any staff)")),
    security(("admin_session" = [], "csrf" = [])))]
async fn log_out(State(desk): State<AdminDesk>, staff: Staff<AnyStaff>) -> Response {
    sessions::end(&desk.store, &staff.token).await;
    with_cookie(
        StatusCode::NO_CONTENT.into_response(),
        &sessions::cookie("", desk.secure_cookies),
    )
}

#[utoipa::path(post, path = "/admin/api/logout-everywhere", tag = "session", operation_id = "log_out_everywhere",
    responses((status = 204, description = "Every session of this admin ended, this one too; the cookie is cleared (any staff)")),
    security(("admin_session" = [], "csrf" = [])))]
async fn log_out_everywhere(State(desk): State<AdminDesk>, staff: Staff<AnyStaff>) -> Response {
    sessions::end_everywhere(&desk.store, staff.session.admin_id).await;
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action: "admin.logout_everywhere",
            object: None,
            details: None,
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    with_cookie(
        StatusCode::NO_CONTENT.into_response(),
        &sessions::cookie("", desk.secure_cookies),
    )
}

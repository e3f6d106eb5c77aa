//! The exchange's web cabinet over HTTP: a driver's passes (`/api/v1/passes`: list, buy, a
//! one-time link for another browser), a browser signing in and out with a pass
//! (`/api/v1/cabinet/…`, `/cabinet-login/{code}`), and the proxy itself at `/cabinet/{path}`,
//! every method and WebSocket upgrades.
//!
//! The proxy admits a request by the session cookie or `X-Access-Token` (a WebSocket: the
//! cookie or `?token=`) before anything else, and a WebSocket before its upgrade is accepted.
//! Refusals a person sees in a browser are pages; the API's are `{code, message}`.

use std::net::IpAddr;

use app::cabinet::{Authenticate, BoughtPass, BuyPass, CabinetStatus, LoginLink, PassesView};
use axum::{
    Json, Router,
    body::Body,
    extract::{FromRef, FromRequestParts, Path, Query, Request, State, ws::WebSocketUpgrade},
    http::{
        HeaderMap, HeaderValue, StatusCode,
        header::{self, ACCEPT, COOKIE, SET_COOKIE},
    },
    response::{IntoResponse, Redirect, Response},
    routing::{any, get, post},
};
use chrono::Utc;
use domain::{
    DriverId,
    cabinet::{passes, plans::Passes},
    plans,
    store::SharedStore,
};
use serde::Deserialize;

use crate::{
    cabinet::{self, Cabinet, CabinetError, Credential, Forwarded, refusal_page},
    doors::Door,
    payments::Billing,
    web::{
        ApiError, DoorKeeper, ErrorCode,
        extract::{ClientAddress, JsonBody, PathId, SignedInDriver},
    },
};

#[derive(Clone)]
pub struct CabinetDesk {
    pub cabinet: Cabinet,
    pub billing: Billing,
}

impl FromRef<CabinetDesk> for SharedStore {
    fn from_ref(desk: &CabinetDesk) -> Self {
        desk.cabinet.store().clone()
    }
}

impl From<CabinetError> for ApiError {
    fn from(error: CabinetError) -> Self {
        match error {
            CabinetError::NoPass => ErrorCode::PassMissing.into(),
            CabinetError::PassInvalid => ErrorCode::PassInvalid.into(),
            CabinetError::PassNotFound => ErrorCode::PassNotFound.into(),
            CabinetError::PassNotActive => ErrorCode::PassNotActive.into(),
            CabinetError::LinkInvalid => ErrorCode::LinkInvalid.into(),
            CabinetError::NotConfigured => ErrorCode::CabinetUnavailable.into(),
            CabinetError::Refused { .. } => ErrorCode::CabinetPathDenied.into(),
            CabinetError::TooManyRequests { retry_after } => {
                ApiError::too_many_requests(retry_after, super::asks_for_english())
            }
            CabinetError::UpstreamBusy => ErrorCode::UpstreamBusy.into(),
            CabinetError::Unreachable(detail) => {
                tracing::warn!(%detail, "the exchange's cabinet did not answer");
                ErrorCode::ExchangeUnavailable.into()
            }
            CabinetError::Database(error) => error.into(),
        }
    }
}

pub fn routes(desk: CabinetDesk, keeper: &DoorKeeper) -> Router {
    Router::new()
        .route(
            "/api/v1/passes",
            keeper.guard(Door::Payment, post(buy)).get(my_passes),
        )
        .route(
            "/api/v1/passes/{id}/link",
            keeper.guard(Door::CabinetLink, post(login_link)),
        )
        .route(
            "/api/v1/cabinet/authenticate",
            keeper.guard(Door::SignIn, post(authenticate)),
        )
        .route("/api/v1/cabinet/status", get(status))
        .route("/api/v1/cabinet/logout", axum::routing::delete(logout))
        .route(
            "/cabinet-login/{code}",
            keeper.guard(Door::SignIn, get(redeem_link)),
        )
        .route(
            "/cabinet",
            any(|| async { Redirect::permanent("/cabinet/") }),
        )
        .route("/cabinet/", any(proxy_root))
        .route("/cabinet/{*path}", any(proxy))
        .with_state(desk)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PassesQuery {
    /// Only the passes that open the cabinet now (`false` by default).
    #[serde(default)]
    active_only: bool,
}

#[utoipa::path(get, path = "/api/v1/passes", tag = "cabinet", params(PassesQuery),
    responses(
        (status = 200, description = "The driver's passes, newest first, never their tokens, and the pass plans on sale", body = PassesView),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn my_passes(
    State(desk): State<CabinetDesk>,
    driver: SignedInDriver,
    query: Result<Query<PassesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PassesView>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let db = &desk.billing.db;
    let now = Utc::now();
    Ok(Json(PassesView {
        passes: passes::of_driver(db, driver.id, query.active_only)
            .await?
            .iter()
            .map(|pass| passes::view(pass, now))
            .collect(),
        plans: plans::on_sale::<Passes>(db).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/passes", tag = "cabinet", request_body = BuyPass,
    responses(
        (status = 201, description = "The pass, its token (shown in this answer only), and the payment to complete: the pass starts when the payment comes through", body = BoughtPass),
        (status = 403, description = "`payments_disabled`", body = app::session::ApiErrorBody),
        (status = 404, description = "`plan_not_found`: no pass plan of this id is on sale", body = app::session::ApiErrorBody),
        (status = 409, description = "`plan_not_for_stars`: the platform pays in Telegram Stars and this plan has no price in Stars", body = app::session::ApiErrorBody),
        (status = 502, description = "`payment_refused`: the provider refused the payment", body = app::session::ApiErrorBody),
        (status = 503, description = "`payments_unavailable`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many payments opened; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn buy(
    State(desk): State<CabinetDesk>,
    driver: SignedInDriver,
    JsonBody(request): JsonBody<BuyPass>,
) -> Result<(StatusCode, Json<BoughtPass>), ApiError> {
    let plan = plans::on_sale_by_id::<Passes>(&desk.billing.db, request.plan_id)
        .await?
        .ok_or_else(|| ErrorCode::PlanNotFound.with_message("Такого пропуска нет в продаже"))?;
    let (pass, token, payment) = desk
        .billing
        .buy_pass(driver.id, &plan, request.platform.as_deref())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(BoughtPass {
            pass: passes::view(&pass, Utc::now()),
            token: token.expose().to_owned(),
            payment,
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/passes/{id}/link", tag = "cabinet",
    params(("id" = i64, Path, minimum = 1, description = "The pass's id")),
    responses(
        (status = 201, description = "A one-time link that opens the cabinet with this pass in another browser", body = LoginLink),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody),
        (status = 404, description = "`pass_not_found`: the driver has no pass of this id", body = app::session::ApiErrorBody),
        (status = 409, description = "`pass_not_active`: the pass is not paid yet, has expired or was revoked", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many links made; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn login_link(
    State(desk): State<CabinetDesk>,
    driver: SignedInDriver,
    PathId(id): PathId<i64>,
) -> Result<(StatusCode, Json<LoginLink>), ApiError> {
    let link = desk.cabinet.login_link(driver.id, id).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

#[utoipa::path(post, path = "/api/v1/cabinet/authenticate", tag = "cabinet", request_body = Authenticate,
    responses(
        (status = 200, description = "This browser is signed in to the cabinet for as long as the pass lasts", body = CabinetStatus,
            headers(("Set-Cookie" = String, description = "The cabinet's session cookie `hauler_cabinet` (HttpOnly, for the pass's time)"))),
        (status = 401, description = "`pass_invalid`: the token is not a pass's, or its pass is not paid, has expired or was revoked", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many sign-ins from this address; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ))]
async fn authenticate(
    State(desk): State<CabinetDesk>,
    ClientAddress(client): ClientAddress,
    JsonBody(request): JsonBody<Authenticate>,
) -> Result<Response, ApiError> {
    let signed_in = desk
        .cabinet
        .authenticate(&request.token, Some(&client.to_string()))
        .await?;
    let cookie = session_cookie(
        &desk.cabinet,
        &signed_in.cookie,
        signed_in.session.expires_at,
    );
    let status = status_of(
        signed_in.session.driver_id,
        signed_in.session.pass_id,
        signed_in.session.expires_at,
    );
    Ok(([(SET_COOKIE, cookie)], Json(status)).into_response())
}

#[utoipa::path(get, path = "/api/v1/cabinet/status", tag = "cabinet",
    responses(
        (status = 200, description = "Whose pass opened the cabinet in this browser, and until when", body = CabinetStatus),
        (status = 401, description = "`pass_missing` (no cabinet session cookie) or `pass_invalid` (the session ended, or its pass expired or was revoked)", body = app::session::ApiErrorBody),
    ),
    security(("cabinet_session" = [])))]
async fn status(
    State(desk): State<CabinetDesk>,
    headers: HeaderMap,
) -> Result<Json<CabinetStatus>, ApiError> {
    let session = desk.cabinet.status(session_of(&headers)).await?;
    Ok(Json(status_of(
        session.driver_id,
        session.pass_id,
        session.expires_at,
    )))
}

#[utoipa::path(delete, path = "/api/v1/cabinet/logout", tag = "cabinet",
    responses(
        (status = 204, description = "Signed out of the cabinet in this browser (or was not signed in)",
            headers(("Set-Cookie" = String, description = "Clears the cabinet's session cookie"))),
    ),
    security((), ("cabinet_session" = [])))]
async fn logout(State(desk): State<CabinetDesk>, headers: HeaderMap) -> Response {
    if let Some(cookie) = session_of(&headers) {
        desk.cabinet.sign_out(cookie).await;
    }
    let cleared = format!(
        "{}=; Path=/; HttpOnly; Max-Age=0; SameSite={}{}",
        cabinet::COOKIE,
        desk.cabinet.cookie_terms().same_site.as_str(),
        if desk.cabinet.cookie_terms().secure {
            "; Secure"
        } else {
            ""
        }
    );
    (StatusCode::NO_CONTENT, [(SET_COOKIE, cleared)]).into_response()
}

async fn redeem_link(
    State(desk): State<CabinetDesk>,
    ClientAddress(client): ClientAddress,
    Path(code): Path<String>,
) -> Response {
    match desk
        .cabinet
        .redeem_link(&code, Some(&client.to_string()))
        .await
    {
        Ok(signed_in) => {
            let cookie = session_cookie(
                &desk.cabinet,
                &signed_in.cookie,
                signed_in.session.expires_at,
            );
            (
                StatusCode::SEE_OTHER,
                [
                    (header::LOCATION, "/cabinet/".to_owned()),
                    (SET_COOKIE, cookie),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
            )
                .into_response()
        }
        Err(error) => page_refusal(error),
    }
}

fn status_of(
    driver_id: DriverId,
    pass_id: i64,
    expires_at: chrono::DateTime<Utc>,
) -> CabinetStatus {
    CabinetStatus {
        driver_id: driver_id.into(),
        pass_id,
        expires_at: expires_at.to_rfc3339(),
    }
}

/// The session cookie: HttpOnly, for the whole site (the proxy and the status calls), as long
/// as the pass lasts; `Secure` and `SameSite` as configured.
fn session_cookie(cabinet: &Cabinet, value: &str, expires_at: chrono::DateTime<Utc>) -> String {
    let terms = cabinet.cookie_terms();
    let max_age = (expires_at - Utc::now()).num_seconds().max(1);
    format!(
        "{}={value}; Path=/; HttpOnly; Max-Age={max_age}; SameSite={}{}",
        cabinet::COOKIE,
        terms.same_site.as_str(),
        if terms.secure { "; Secure" } else { "" }
    )
}

/// The session cookie the browser sent, if any.
fn session_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cabinet::COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// The `?token=` of a WebSocket's address.
fn token_in_query(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "token")
        .map(|(_, value)| value)
}

/// Hauler's host as this browser reached it, for the WebSocket addresses pages are given.
fn public_host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost")
        .to_owned()
}

async fn proxy_root(
    State(desk): State<CabinetDesk>,
    ClientAddress(client): ClientAddress,
    request: Request,
) -> Response {
    forward(desk, client, String::new(), request).await
}

async fn proxy(
    State(desk): State<CabinetDesk>,
    ClientAddress(client): ClientAddress,
    Path(path): Path<String>,
    request: Request,
) -> Response {
    forward(desk, client, path, request).await
}

async fn forward(desk: CabinetDesk, client: IpAddr, path: String, request: Request) -> Response {
    let wants_page = wants_page(request.headers());
    let upgrade = request
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"websocket"));
    let client = client.to_string();
    let headers = request.headers();
    let credential = match session_of(headers) {
        Some(cookie) => Some(Credential::Cookie(cookie)),
        None if upgrade => token_in_query(request.uri().query()).map(Credential::Token),
        None => headers
            .get("x-access-token")
            .and_then(|value| value.to_str().ok())
            .map(Credential::Token),
    };
    let visitor = match desk.cabinet.admit(credential, Some(&client)).await {
        Ok(visitor) => visitor,
        Err(error) => return refusal(error, wants_page),
    };
    let host = public_host(request.headers());
    if upgrade {
        let (mut parts, _) = request.into_parts();
        let socket = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(socket) => socket,
            Err(rejection) => return rejection.into_response(),
        };
        if let Err(error) = desk.cabinet.clear(&visitor, &path).await {
            return refusal(error, wants_page);
        }
        let protocols = parts
            .headers
            .get("sec-websocket-protocol")
            .and_then(|value| value.to_str().ok());
        let opened = match desk
            .cabinet
            .open_socket(&path, parts.uri.query(), protocols)
            .await
        {
            Ok(opened) => opened,
            Err(error) => return refusal(error, false),
        };
        let literals = match desk.cabinet.addresses(&host) {
            Ok(addresses) => addresses.literals(),
            Err(error) => return refusal(error, false),
        };
        let socket = match opened.protocol.clone() {
            Some(protocol) => socket.protocols([protocol]),
            None => socket,
        };
        let cabinet = desk.cabinet.clone();
        return socket.on_upgrade(move |socket| async move {
            cabinet.relay(visitor, socket, opened, literals).await;
        });
    }
    let forwarded = Forwarded {
        visitor: &visitor,
        path: &path,
        public_host: &host,
    };
    match desk.cabinet.forward(request, forwarded).await {
        Ok(response) => response,
        Err(error) => refusal(error, wants_page),
    }
}

/// Whether a person's browser asks for a page (a refusal is then a page too).
fn wants_page(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// A refusal of the proxy: the path policy's always as a page (the browser shows it where the
/// page would have been), others as a page for a browser and as `{code, message}` otherwise.
fn refusal(error: CabinetError, wants_page: bool) -> Response {
    if wants_page || matches!(error, CabinetError::Refused { .. }) {
        page_refusal(error)
    } else {
        ApiError::from(error).into_response()
    }
}

fn page_refusal(error: CabinetError) -> Response {
    let (title, explanation) = match &error {
        CabinetError::Refused { reason } => (
            "Эта страница закрыта".to_owned(),
            format!(
                "Через Hauler нельзя открыть эту страницу кабинета ({reason}): аккаунт биржи общий, \
                 и его настройки, пароль, телефон и реквизиты меняет только администратор Hauler."
            ),
        ),
        CabinetError::NoPass | CabinetError::PassInvalid | CabinetError::LinkInvalid => (
            "Нужен действующий пропуск".to_owned(),
            "Пропуск истёк, отозван или ссылка уже использована. Откройте кабинет заново из \
             приложения Hauler в Telegram: раздел «Кабинет»."
                .to_owned(),
        ),
        _ => (
            "Кабинет биржи сейчас недоступен".to_owned(),
            "Попробуйте открыть страницу ещё раз через минуту.".to_owned(),
        ),
    };
    let api = ApiError::from(error);
    let status = api.code().status();
    let code = api.code().as_str();
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        Body::from(refusal_page(&title, &explanation)),
    )
        .into_response();
    response
        .headers_mut()
        .insert("x-hauler-refusal", HeaderValue::from_static(code));
    response
}

//! `POST /api/v1/auth/telegram`: the Mini App's launch data, exchanged once for a Hauler session.
//! The contract other clients rely on:
//! `{"init_data": "<raw initData>"}` → `200 {"token", "expires_at", "driver"}`, or
//! `401 {"code", "message"}` with `code` one of `init_data_missing`, `init_data_malformed`,
//! `init_data_bad_signature`, `init_data_expired`, `invalid_launch_data` (a user beyond
//! Telegram's own limits; the message says what) or `launch_data_reused`; a banned driver gets
//! `403 driver_banned`. The same launch data again gets the same session while it lives (a
//! reload of the app signs in again), and `launch_data_reused` once that session has ended.
//! With `"first_page": true` beside the launch data, a driver with access also gets `first_page`:
//! the first page of their last filter, as `GET /api/v1/cargos` answers it (a phone's first
//! opening then takes one round trip less); absent where that would answer `202` or refuse.
//! `POST /api/v1/auth/logout` ends the session its `Authorization: Bearer` header carries.
//! `POST /api/v1/auth/renew` trades a live session for a new one (the old token ends): the Mini App
//! keeps its session on the device and renews it when it is reloaded or reopened, since Telegram
//! hands a reloaded app the launch data it was opened with, which is refused once it is older
//! than `INIT_DATA_MAX_AGE_SECONDS`. Launch data itself is checked exactly as before.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use app::{
    cargo::card::CargoPage,
    session::{Driver, SignedIn},
};
use axum::{
    Json, Router,
    extract::{State, rejection::JsonRejection},
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    routing::post,
};
use chrono::Utc;
use domain::{
    access,
    drivers::{self, TelegramProfile},
    filters,
    flags::{self, Flag},
    marks, profiles,
    sessions::{self, IssuedSession},
    store::SharedStore,
};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use super::{cargo, state::ApiState};
use crate::web::{ApiError, DoorKeeper, ErrorCode};
use crate::{
    bot::BotToken,
    doors::Door,
    telegram::{
        init_data::{self, InitDataError, UserFault, Validation},
        launch_sessions::LaunchSessions,
    },
};

/// More refused sign-ins than this in one minute raises an alert in the logs and metrics.
const ALERT_FAILURES_PER_MINUTE: u64 = 10;

#[derive(Clone)]
pub struct AuthState {
    pub db: DatabaseConnection,
    pub store: SharedStore,
    pub check: LaunchCheck,
    pub max_age_seconds: i64,
    pub launches: LaunchSessions,
    pub failures: Arc<FailureRate>,
    /// The drivers' API, for the first page a sign-in brings along.
    pub loads: ApiState,
}

/// How launch data is checked: with the bot's token as it is now (it may change on the
/// dashboard), or with Telegram's public key.
#[derive(Clone)]
pub enum LaunchCheck {
    BotToken(BotToken),
    ThirdParty(Validation),
}

impl LaunchCheck {
    async fn validation(&self) -> Validation {
        match self {
            Self::BotToken(token) => Validation::BotToken(token.current().await.to_string()),
            Self::ThirdParty(validation) => validation.clone(),
        }
    }
}

/// The sandbox's demo driver: a Telegram id no real account has.
pub const DEMO_TELEGRAM_ID: i64 = 1_000_000_001;

/// `demo_login` (sandbox mode only) adds `POST /api/v1/auth/demo`; in production it does not exist.
/// Signing in is a door: so many per client address.
pub fn routes(state: AuthState, demo_login: bool, keeper: &DoorKeeper) -> Router {
    let router = Router::new()
        .route(
            "/api/v1/auth/telegram",
            keeper.guard(Door::SignIn, post(sign_in)),
        )
        .route("/api/v1/auth/logout", post(log_out))
        .route(
            "/api/v1/auth/renew",
            keeper.guard(Door::SignIn, post(renew)),
        );
    let router = if demo_login {
        router.route("/api/v1/auth/demo", post(demo_sign_in))
    } else {
        router
    };
    router.with_state(state)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SignIn {
    /// The Mini App's `Telegram.WebApp.initData`, exactly as it is.
    #[serde(default)]
    init_data: String,
    /// Bring the first page of the driver's list along (when the driver has access and the page
    /// is not on its way from a busy exchange).
    #[serde(default)]
    first_page: bool,
}

/// A session, and the first page of the driver's list when it was asked for and came.
#[derive(Serialize, utoipa::ToSchema)]
struct Opening {
    #[serde(flatten)]
    signed_in: SignedIn,
    /// The first page of `last_filter` (or of all loads), as `GET /api/v1/cargos` answers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    first_page: Option<CargoPage>,
}

#[utoipa::path(post, path = "/api/v1/auth/telegram", tag = "session",
    request_body(content = SignIn, description = "The Mini App's raw `initData`"),
    responses(
        (status = 200, description = "A session for the driver (with `first_page` when asked for, the driver has access and the list would answer `200`)", body = Opening),
        (status = 401, description = "`init_data_missing`, `init_data_malformed`, `init_data_bad_signature`, `init_data_expired`, `invalid_launch_data` or `launch_data_reused`", body = app::session::ApiErrorBody),
        (status = 403, description = "`driver_banned`", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many sign-ins from this address; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ))]
async fn sign_in(
    State(state): State<AuthState>,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Result<Json<Opening>, ApiError> {
    let (raw, with_page) = match body {
        Ok(Json(body)) => (body.init_data, body.first_page),
        // No JSON at all is a missing value, as far as signing in goes.
        Err(JsonRejection::MissingJsonContentType(_)) => (String::new(), false),
        Err(rejection) => return Err(ApiError::bad_body(rejection)),
    };
    let now = Utc::now().timestamp();
    let launch = init_data::validate(
        &raw,
        &state.check.validation().await,
        now,
        state.max_age_seconds,
    )
    .map_err(|error| state.failures.refused(error))?;

    let user = &launch.user;
    let profile = TelegramProfile {
        telegram_id: user.id,
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        username: user.username.clone(),
        language_code: user.language_code.clone(),
        photo_url: user.photo_url.clone(),
    };
    let driver = admitted(&state, &profile).await?;
    let session = state
        .launches
        .session(
            &launch,
            launch.fresh_for(now, state.max_age_seconds),
            driver.id.into(),
        )
        .await
        .map_err(|_| state.failures.spent())?;
    let Json(signed_in) = signed_in(&state, driver, session).await?;
    let first_page = if with_page && signed_in.access.active {
        let filter = signed_in.last_filter.clone().unwrap_or_default();
        cargo::first_page(&state.loads, signed_in.driver.id.into(), &filter).await
    } else {
        None
    };
    Ok(Json(Opening {
        signed_in,
        first_page,
    }))
}

/// Signs in the sandbox's demo driver, for trying the app in an ordinary browser.
async fn demo_sign_in(State(state): State<AuthState>) -> Result<Json<SignedIn>, ApiError> {
    if !flags::is_on(&state.db, Flag::DemoLogin).await? {
        return Err(ApiError::from(ErrorCode::DemoLoginDisabled));
    }
    let profile = TelegramProfile {
        telegram_id: DEMO_TELEGRAM_ID,
        first_name: "Демо-водитель".into(),
        last_name: None,
        username: None,
        language_code: Some("ru".into()),
        photo_url: None,
    };
    let driver = admitted(&state, &profile).await?;
    let session = sessions::issue(&state.store, driver.id.into(), driver.telegram_id).await;
    signed_in(&state, driver, session).await
}

/// The driver with this profile, unless banned.
async fn admitted(state: &AuthState, profile: &TelegramProfile) -> Result<Driver, ApiError> {
    let driver = drivers::upsert(&state.db, profile).await?;
    if driver.banned {
        return Err(ApiError::from(ErrorCode::DriverBanned));
    }
    Ok(driver)
}

async fn signed_in(
    state: &AuthState,
    driver: Driver,
    issued: IssuedSession,
) -> Result<Json<SignedIn>, ApiError> {
    tracing::info!(driver_id = driver.id, "a driver signed in");
    let last_filter = filters::last(&state.db, driver.id.into()).await?;
    let access = access::access(&state.db, &state.store, driver.id.into()).await?;
    // The copy the store keeps for a database outage, fresh at each opening of the Mini App.
    if let Err(error) = marks::remember(&state.db, &state.store, driver.id.into()).await {
        tracing::warn!(%error, "a driver's marks could not be copied to the store");
    }
    let profile = profiles::get(&state.db, driver.id.into())
        .await?
        .unwrap_or_default();
    Ok(Json(SignedIn {
        token: issued.token,
        expires_at: issued.session.expires_at.to_rfc3339(),
        driver,
        last_filter,
        access,
        profile,
    }))
}

#[utoipa::path(post, path = "/api/v1/auth/renew", tag = "session",
    responses(
        (status = 200, description = "A new session in place of the one sent, which ends (a reloaded or reopened Mini App stays signed in)", body = SignedIn),
        (status = 401, description = "`session_missing` or `session_expired`: sign in again with fresh launch data", body = app::session::ApiErrorBody),
        (status = 403, description = "`driver_banned`", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many sign-ins from this address; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn renew(
    State(state): State<AuthState>,
    headers: HeaderMap,
) -> Result<Json<SignedIn>, ApiError> {
    let token = bearer(&headers).ok_or_else(|| ApiError::from(ErrorCode::SessionMissing))?;
    let renewed = sessions::renew(&state.store, token)
        .await
        .ok_or_else(|| ApiError::from(ErrorCode::SessionExpired))?;
    let driver = drivers::by_id(&state.db, renewed.session.driver_id)
        .await?
        .ok_or_else(|| ApiError::from(ErrorCode::SessionExpired))?;
    if driver.banned {
        sessions::end(&state.store, &renewed.token).await;
        return Err(ApiError::from(ErrorCode::DriverBanned));
    }
    signed_in(&state, driver, renewed).await
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "session",
    responses((status = 204, description = "The session, if any, is over")),
    security(("session" = [])))]
/// Ends the session the request carries (the Mini App's "log out"); ending none is fine too.
async fn log_out(State(state): State<AuthState>, headers: HeaderMap) -> StatusCode {
    if let Some(token) = bearer(&headers) {
        sessions::end(&state.store, token).await;
    }
    StatusCode::NO_CONTENT
}

/// Counts refused sign-ins per minute; never logs the launch data itself.
#[derive(Default)]
pub struct FailureRate {
    minute: AtomicU64,
    count: AtomicU64,
}

impl FailureRate {
    fn refused(&self, error: InitDataError) -> ApiError {
        let code = match error {
            InitDataError::Missing => ErrorCode::InitDataMissing,
            InitDataError::Malformed => ErrorCode::InitDataMalformed,
            InitDataError::BadSignature => ErrorCode::InitDataBadSignature,
            InitDataError::Expired => ErrorCode::InitDataExpired,
            InitDataError::Unacceptable(fault) => {
                self.count(ErrorCode::InvalidLaunchData);
                return ErrorCode::InvalidLaunchData.with_message(format!(
                    "Telegram передал данные входа, которые Hauler не принимает: {}",
                    what_is_wrong(fault)
                ));
            }
        };
        self.count(code);
        ApiError::from(code)
    }

    /// Launch data whose session has ended, brought again.
    fn spent(&self) -> ApiError {
        self.count(ErrorCode::LaunchDataReused);
        ApiError::from(ErrorCode::LaunchDataReused)
    }

    fn count(&self, code: ErrorCode) {
        metrics::counter!("auth_init_data_refused_total", "code" => code.as_str()).increment(1);
        let minute = (Utc::now().timestamp() / 60) as u64;
        if self.minute.swap(minute, Ordering::Relaxed) != minute {
            self.count.store(0, Ordering::Relaxed);
        }
        let count = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        if count == ALERT_FAILURES_PER_MINUTE + 1 {
            metrics::counter!("auth_init_data_alerts_total").increment(1);
            tracing::error!(
                alert = true,
                failures = count,
                "many refused Telegram sign-ins this minute"
            );
        } else {
            tracing::warn!(code = code.as_str(), "a Telegram sign-in was refused");
        }
    }
}

/// The driver's words for what in their Telegram profile is out of bounds.
fn what_is_wrong(fault: UserFault) -> String {
    use init_data::{MAX_LANGUAGE_CODE, MAX_NAME, MAX_PHOTO_URL, MAX_USERNAME, MIN_USERNAME};
    match fault {
        UserFault::Id => "номер пользователя должен быть больше нуля".into(),
        UserFault::FirstName => format!("имя — от 1 до {MAX_NAME} символов"),
        UserFault::LastName => format!("фамилия — не длиннее {MAX_NAME} символов"),
        UserFault::Username => format!(
            "имя пользователя — от {MIN_USERNAME} до {MAX_USERNAME} латинских букв, цифр или _"
        ),
        UserFault::LanguageCode => {
            format!("код языка — до {MAX_LANGUAGE_CODE} латинских букв, цифр или -")
        }
        UserFault::PhotoUrl => format!("адрес фото — https, не длиннее {MAX_PHOTO_URL} символов"),
    }
}

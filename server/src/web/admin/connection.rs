//! The CargoTech connection: `GET /admin/api/connection` (any staff) shows an account's login
//! state (`?account=<name>`, the primary one by default), every account at a glance, and the
//! history from the audit log; admins may log in now, enter the SMS code the exchange asked for,
//! or drop the token, for the account the query names. Against a sandbox exchange, its knobs too
//! (`/admin/api/connection/sandbox`), passed on to the exchange's own control endpoint.

use admin::wire::ErrorBody;
use std::time::Duration;

use admin::wire::connection::{
    AccountLine, ConnectionEvent, ConnectionView, SandboxKnobs, SandboxStats, SmsCodeEntry,
};
use axum::{
    Json, Router,
    extract::{Query, State, rejection::QueryRejection},
    routing::{get, post},
};
use chrono::Utc;
use domain::audit::{self, AuditEntry};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{AdminDesk, Admins, AnyStaff, Staff};
use crate::{
    cargotech::{
        Account, Gateway, LinkState, SmsCodeError, SmsProblem, UpstreamError, audit_object,
    },
    web::{ApiError, ErrorCode, extract::JsonBody},
};

const HISTORY: u64 = 20;
/// The sandbox's knobs are a local call; a real exchange never gets them.
const SANDBOX_TIMEOUT: Duration = Duration::from_secs(3);
const FAILURES: [&str; 4] = [
    "server_error",
    "timeout",
    "malformed_json",
    "malformed_item",
];

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/connection", get(show))
        .route("/admin/api/connection/login", post(log_in_now))
        .route("/admin/api/connection/sms-code", post(enter_sms_code))
        .route("/admin/api/connection/drop-token", post(drop_token))
        .route(
            "/admin/api/connection/sandbox",
            get(sandbox_stats).post(turn_sandbox_knobs),
        )
}

/// `?account=<name>`; none is the primary account.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AccountQuery {
    /// The account's name (`CARGOTECH_ACCOUNTS`); the primary account when absent.
    account: Option<String>,
}

type Which = Result<Query<AccountQuery>, QueryRejection>;

/// The account the query names: `400 invalid_query` when it cannot be read (a repeated
/// `account`), `404 cargotech_account_unknown` when no account has that name.
fn account_in(which: Which, gateway: &Gateway) -> Result<&Account, ApiError> {
    let Query(query) = which.map_err(ApiError::bad_query)?;
    let accounts = gateway.accounts();
    match query.account {
        None => Ok(accounts.primary()),
        Some(name) => accounts
            .named(&name)
            .ok_or_else(|| ApiError::from(ErrorCode::CargotechAccountUnknown)),
    }
}

async fn view(
    db: &DatabaseConnection,
    gateway: &Gateway,
    account: &Account,
) -> Result<ConnectionView, DbErr> {
    let report = account.connection.report();
    let mut accounts = Vec::new();
    for one in gateway.accounts().all() {
        let budget = one.budget.snapshot().await;
        accounts.push(AccountLine {
            account: one.connection.account().to_owned(),
            state: one.connection.report().state,
            used_last_minute: budget.used_in_window,
            budget_per_minute: budget.limit,
        });
    }
    let history = audit::entity::Entity::find()
        .filter(audit::entity::Column::Object.eq(audit_object(&report.account)))
        .order_by_desc(audit::entity::Column::Id)
        .limit(HISTORY)
        .all(db)
        .await?
        .into_iter()
        .map(|row| ConnectionEvent {
            at: row.occurred_at.to_rfc3339(),
            actor: row.actor,
            action: row.action,
        })
        .collect();
    let connected = report.state == LinkState::Connected;
    Ok(ConnectionView {
        account: report.account,
        state: report.state,
        token_since: report
            .valid_since
            .filter(|_| connected)
            .map(|at| at.to_rfc3339()),
        token_age_seconds: report
            .valid_since
            .filter(|_| connected)
            .map(|at| (Utc::now() - at).num_seconds().max(0) as u64),
        last_check: report.last_check.map(|at| at.to_rfc3339()),
        last_error: report.last_error,
        consecutive_failures: report.consecutive_failures,
        logins: report.logins,
        relogins: report.relogins,
        key_mismatch: report.key_mismatch,
        history,
        accounts,
    })
}

#[utoipa::path(get, path = "/admin/api/connection", tag = "operations", operation_id = "connection", params(AccountQuery),
    responses(
        (status = 200, description = "The account's login state and history, and every account at a glance (any staff)", body = ConnectionView),
        (status = 404, description = "`cargotech_account_unknown`: no account has the name `account` gives", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn show(
    State(desk): State<AdminDesk>,
    _staff: Staff<AnyStaff>,
    which: Which,
) -> Result<Json<ConnectionView>, ApiError> {
    let account = account_in(which, &desk.gateway)?;
    Ok(Json(view(&desk.db, &desk.gateway, account).await?))
}

/// Logs in now. An SMS demand, wrong credentials or a down exchange are states the page shows,
/// not failures of this call; only a missing account is.
#[utoipa::path(post, path = "/admin/api/connection/login", tag = "operations", operation_id = "connection_log_in", params(AccountQuery),
    responses(
        (status = 200, description = "Logged in, or the state that says why not (an SMS code asked for, wrong credentials, the exchange down) (admins)", body = ConnectionView),
        (status = 404, description = "`cargotech_account_unknown`: no account has the name `account` gives", body = ErrorBody),
        (status = 409, description = "`cargotech_not_configured`: the account has no phone and password", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn log_in_now(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    which: Which,
) -> Result<Json<ConnectionView>, ApiError> {
    let account = account_in(which, &desk.gateway)?;
    match account.connection.log_in_now(&staff.actor()).await {
        Err(UpstreamError::NotConfigured) => {
            return Err(ApiError::from(ErrorCode::CargotechNotConfigured));
        }
        Err(error) => tracing::info!(%error, "an admin's CargoTech login did not connect"),
        Ok(()) => {}
    }
    Ok(Json(view(&desk.db, &desk.gateway, account).await?))
}

fn sms_refusal(error: SmsCodeError) -> ApiError {
    match error {
        SmsCodeError::NothingPending => ApiError::from(ErrorCode::SmsCodeNotPending),
        SmsCodeError::Problem(SmsProblem::WrongCode) => ApiError::from(ErrorCode::SmsCodeWrong),
        SmsCodeError::Problem(SmsProblem::Expired) => ApiError::from(ErrorCode::SmsCodeExpired),
        SmsCodeError::Problem(SmsProblem::TooManyAttempts) => {
            ApiError::from(ErrorCode::SmsCodeTooManyAttempts)
        }
        SmsCodeError::Upstream(error) => {
            tracing::warn!(%error, "the SMS code could not reach the exchange");
            ApiError::from(ErrorCode::ExchangeUnavailable)
        }
    }
}

#[utoipa::path(post, path = "/admin/api/connection/sms-code", tag = "operations", operation_id = "connection_sms_code", params(AccountQuery), request_body = SmsCodeEntry,
    responses(
        (status = 200, description = "The code was taken: the account is connected (admins)", body = ConnectionView),
        (status = 404, description = "`cargotech_account_unknown`: no account has the name `account` gives", body = ErrorBody),
        (status = 409, description = "`sms_code_not_pending`: no login waits for a code", body = ErrorBody),
        (status = 422, description = "`sms_code_wrong`, `sms_code_expired` or `sms_code_too_many_attempts`", body = ErrorBody),
        (status = 502, description = "`exchange_unavailable`: the exchange did not answer", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn enter_sms_code(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    which: Which,
    JsonBody(entry): JsonBody<SmsCodeEntry>,
) -> Result<Json<ConnectionView>, ApiError> {
    let account = account_in(which, &desk.gateway)?;
    account
        .connection
        .submit_sms_code(&entry.code, &staff.actor())
        .await
        .map_err(sms_refusal)?;
    Ok(Json(view(&desk.db, &desk.gateway, account).await?))
}

#[utoipa::path(post, path = "/admin/api/connection/drop-token", tag = "operations", operation_id = "connection_drop_token", params(AccountQuery),
    responses(
        (status = 200, description = "The account's token is forgotten; the next call logs in again (admins)", body = ConnectionView),
        (status = 404, description = "`cargotech_account_unknown`: no account has the name `account` gives", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn drop_token(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    which: Which,
) -> Result<Json<ConnectionView>, ApiError> {
    let account = account_in(which, &desk.gateway)?;
    account.connection.drop_token(&staff.actor()).await;
    Ok(Json(view(&desk.db, &desk.gateway, account).await?))
}

fn not_a_sandbox() -> ApiError {
    ApiError::from(ErrorCode::NotASandbox)
}

fn sandbox_url(gateway: &Gateway, path: &str) -> String {
    format!(
        "{}/__sandbox/{path}",
        gateway.accounts().primary().connection.client().base_url()
    )
}

fn sandbox_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(SANDBOX_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// The sandbox's counters; `404 not_a_sandbox` when the exchange has no `/__sandbox/` (the real
/// one).
async fn stats_of(gateway: &Gateway) -> Result<SandboxStats, ApiError> {
    let response = sandbox_client()
        .get(sandbox_url(gateway, "stats"))
        .send()
        .await
        .map_err(|_| not_a_sandbox())?;
    if !response.status().is_success() {
        return Err(not_a_sandbox());
    }
    response.json().await.map_err(|_| not_a_sandbox())
}

#[utoipa::path(get, path = "/admin/api/connection/sandbox", tag = "operations", operation_id = "sandbox_stats",
    responses(
        (status = 200, description = "The sandbox exchange's own counters (any staff)", body = SandboxStats),
        (status = 404, description = "`not_a_sandbox`: the exchange is the real one", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn sandbox_stats(
    State(desk): State<AdminDesk>,
    _staff: Staff<AnyStaff>,
) -> Result<Json<SandboxStats>, ApiError> {
    stats_of(&desk.gateway).await.map(Json)
}

fn invalid_knob(message: &str) -> ApiError {
    ErrorCode::SandboxKnobInvalid.with_message(message)
}

#[utoipa::path(post, path = "/admin/api/connection/sandbox", tag = "operations", operation_id = "sandbox_knobs", request_body = SandboxKnobs,
    responses(
        (status = 200, description = "The sandbox exchange's knobs are turned; its counters (admins; audited)", body = SandboxStats),
        (status = 404, description = "`not_a_sandbox`: the exchange is the real one", body = ErrorBody),
        (status = 422, description = "`sandbox_knob_invalid`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn turn_sandbox_knobs(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    JsonBody(knobs): JsonBody<SandboxKnobs>,
) -> Result<Json<SandboxStats>, ApiError> {
    if knobs.latency_ms.is_some_and(|ms| ms > 60_000) {
        return Err(invalid_knob("Latency is at most 60000 ms"));
    }
    if knobs
        .rate_limit_per_minute
        .is_some_and(|limit| !(1..=100_000).contains(&limit))
    {
        return Err(invalid_knob("The rate limit is 1 to 100000 a minute"));
    }
    if let Some(fail) = &knobs.fail
        && (!FAILURES.contains(&fail.kind.as_str()) || fail.count > 1000)
    {
        return Err(invalid_knob(
            "A failure is server_error, timeout, malformed_json or malformed_item, at most 1000 times",
        ));
    }
    // Only an exchange that answers as the sandbox is ever sent knobs.
    stats_of(&desk.gateway).await?;
    let response = sandbox_client()
        .post(sandbox_url(&desk.gateway, "control"))
        .json(&knobs)
        .send()
        .await
        .map_err(|_| not_a_sandbox())?;
    if !response.status().is_success() {
        return Err(not_a_sandbox());
    }
    let stats = response.json().await.map_err(|_| not_a_sandbox())?;
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action: "sandbox.exchange_changed",
            object: Some("sandbox:cargotech"),
            details: serde_json::to_value(&knobs).ok(),
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    Ok(Json(stats))
}

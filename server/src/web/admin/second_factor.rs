//! The dashboard's routes for the optional second factor: `GET /admin/api/second-factor` tells
//! whether it is on; `POST …/setup` makes a new secret, pending until `POST …/confirm {code}`
//! proves the app holds it; `POST …/disable {code}` turns it off. An owner resets another
//! admin's (a lost phone) with `DELETE /admin/api/admins/{id}/second-factor`.

use admin::wire::ErrorBody;
use admin::wire::second_factor::{SecondFactorCode, SecondFactorSetup, SecondFactorState};
use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{delete, get, post},
};
use domain::{
    AdminId,
    audit::{self, AuditEntry},
};

use super::AdminDesk;
use crate::{
    admin::second_factor::{self, Holder, SecondFactorError},
    web::{
        ApiError, ErrorCode,
        extract::{AnyStaff, JsonBody, Owners, PathId, Staff},
    },
};

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/second-factor", get(state))
        .route("/admin/api/second-factor/setup", post(set_up))
        .route("/admin/api/second-factor/confirm", post(confirm))
        .route("/admin/api/second-factor/disable", post(disable))
        .route("/admin/api/admins/{id}/second-factor", delete(reset))
}

fn holder<R>(staff: &Staff<R>) -> Holder<'_> {
    Holder {
        admin_id: staff.session.admin_id,
        email: &staff.session.email,
    }
}

async fn audit_change(desk: &AdminDesk, staff: &Staff<impl Send>, action: &str, object: AdminId) {
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action,
            object: Some(&format!("admin:{object}")),
            details: None,
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
}

#[utoipa::path(get, path = "/admin/api/second-factor", tag = "people", operation_id = "second_factor",
    responses((status = 200, description = "Whether logging in asks this admin for a code (any staff)", body = SecondFactorState)),
    security(("admin_session" = [])))]
async fn state(
    State(desk): State<AdminDesk>,
    staff: Staff<AnyStaff>,
) -> Result<Json<SecondFactorState>, ApiError> {
    let enabled = second_factor::is_on(&desk.db, staff.session.admin_id).await?;
    Ok(Json(SecondFactorState { enabled }))
}

#[utoipa::path(post, path = "/admin/api/second-factor/setup", tag = "people", operation_id = "set_up_second_factor",
    responses(
        (status = 200, description = "A new secret for the authenticator app, shown once; logging in asks for codes only once a code confirms it (any staff)", body = SecondFactorSetup),
        (status = 409, description = "`second_factor_enabled`: turn it off first", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn set_up(
    State(desk): State<AdminDesk>,
    staff: Staff<AnyStaff>,
) -> Result<Json<SecondFactorSetup>, ApiError> {
    Ok(Json(
        second_factor::set_up(&desk.db, &desk.sealer, holder(&staff)).await?,
    ))
}

#[utoipa::path(post, path = "/admin/api/second-factor/confirm", tag = "people", operation_id = "confirm_second_factor", request_body = SecondFactorCode,
    responses(
        (status = 200, description = "On: logging in asks for the app's code from now (any staff; audited)", body = SecondFactorState),
        (status = 409, description = "`second_factor_not_pending`: set it up first", body = ErrorBody),
        (status = 422, description = "`second_factor_code_wrong`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn confirm(
    State(desk): State<AdminDesk>,
    staff: Staff<AnyStaff>,
    JsonBody(SecondFactorCode { code }): JsonBody<SecondFactorCode>,
) -> Result<Json<SecondFactorState>, ApiError> {
    second_factor::confirm(&desk.db, &desk.sealer, holder(&staff), &code).await?;
    let admin_id = staff.session.admin_id;
    audit_change(&desk, &staff, "admin.second_factor_enabled", admin_id).await;
    Ok(Json(SecondFactorState { enabled: true }))
}

#[utoipa::path(post, path = "/admin/api/second-factor/disable", tag = "people", operation_id = "disable_second_factor", request_body = SecondFactorCode,
    responses(
        (status = 200, description = "Off (or off already) (any staff; audited)", body = SecondFactorState),
        (status = 422, description = "`second_factor_code_wrong`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn disable(
    State(desk): State<AdminDesk>,
    staff: Staff<AnyStaff>,
    JsonBody(SecondFactorCode { code }): JsonBody<SecondFactorCode>,
) -> Result<Json<SecondFactorState>, ApiError> {
    if second_factor::disable(&desk.db, &desk.sealer, holder(&staff), &code).await? {
        let admin_id = staff.session.admin_id;
        audit_change(&desk, &staff, "admin.second_factor_disabled", admin_id).await;
    }
    Ok(Json(SecondFactorState { enabled: false }))
}

#[utoipa::path(delete, path = "/admin/api/admins/{id}/second-factor", tag = "people", operation_id = "reset_second_factor",
    params(("id" = i64, Path, minimum = 1, description = "The admin's id")),
    responses(
        (status = 204, description = "Reset: the admin logs in with the password alone, and may set it up again (owners; audited)"),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`second_factor_not_found`: this admin has no second factor", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn reset(
    State(desk): State<AdminDesk>,
    staff: Staff<Owners>,
    PathId(admin_id): PathId<AdminId>,
) -> Result<StatusCode, ApiError> {
    second_factor::reset(&desk.db, admin_id).await?;
    audit_change(&desk, &staff, "admin.second_factor_reset", admin_id).await;
    Ok(StatusCode::NO_CONTENT)
}

impl From<SecondFactorError> for ApiError {
    fn from(error: SecondFactorError) -> Self {
        match error {
            SecondFactorError::AlreadyOn => ApiError::from(ErrorCode::SecondFactorEnabled),
            SecondFactorError::NotPending => ApiError::from(ErrorCode::SecondFactorNotPending),
            SecondFactorError::CodeWrong => {
                ErrorCode::SecondFactorCodeWrong { at_login: false }.into()
            }
            SecondFactorError::NotFound => ApiError::from(ErrorCode::SecondFactorNotFound),
            SecondFactorError::Broken(detail) => {
                tracing::error!(%detail, "a second factor cannot be used");
                ApiError::internal()
            }
            SecondFactorError::Database(error) => error.into(),
        }
    }
}

//! The people who run Hauler (owners only): `GET`/`POST /admin/api/admins` and
//! `PUT /admin/api/admins/{id}`. An owner invites an admin with a first password to hand over,
//! changes roles, and switches accounts off — which ends their sessions at once. Nobody changes
//! their own account here, so an owner cannot lock the last owner out by mistake.

use admin::wire::ErrorBody;
use admin::wire::{
    Role,
    admins::{AdminChange, AdminView, NewAdmin},
};
use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, put},
};
use domain::{
    AdminId,
    audit::{self, AuditEntry},
};

use super::{AdminDesk, Owners, Staff};
use crate::admin::{
    accounts::{self, AccountError},
    second_factor, sessions,
};
use crate::web::{
    ApiError, ErrorCode,
    extract::{JsonBody, PathId},
};

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/admins", get(list).post(invite))
        .route("/admin/api/admins/{id}", put(change))
}

fn view(row: accounts::entity::Model, second_factor: bool) -> AdminView {
    AdminView {
        id: row.id.into(),
        role: Role::parse(&row.role).unwrap_or(Role::Support),
        email: row.email,
        created_at: row.created_at.to_rfc3339(),
        created_by: row.created_by,
        last_login_at: row.last_login_at.map(|at| at.to_rfc3339()),
        disabled: row.disabled_at.is_some(),
        second_factor,
    }
}

#[utoipa::path(get, path = "/admin/api/admins", tag = "people", operation_id = "admins",
    responses((status = 200, description = "Every admin, with their role and whether they use a second factor (owners)", body = Vec<AdminView>)),
    security(("admin_session" = [])))]
async fn list(
    State(desk): State<AdminDesk>,
    _staff: Staff<Owners>,
) -> Result<Json<Vec<AdminView>>, ApiError> {
    let with_codes = second_factor::enabled_for(&desk.db).await?;
    Ok(Json(
        accounts::all(&desk.db)
            .await?
            .into_iter()
            .map(|row| {
                let on = with_codes.contains(&row.id);
                view(row, on)
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/admin/api/admins", tag = "people", operation_id = "invite_admin", request_body = NewAdmin,
    responses(
        (status = 201, description = "The new admin; hand them the first password (owners; audited)", body = AdminView),
        (status = 409, description = "`admin_exists`", body = ErrorBody),
        (status = 422, description = "`invalid_email` or `weak_password` (at least 12 characters)", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn invite(
    State(desk): State<AdminDesk>,
    staff: Staff<Owners>,
    JsonBody(new): JsonBody<NewAdmin>,
) -> Result<(StatusCode, Json<AdminView>), ApiError> {
    let account = accounts::create(
        &desk.db,
        &new.email,
        &new.password,
        new.role,
        &staff.actor(),
    )
    .await
    .map_err(|error| match error {
        AccountError::InvalidEmail => ErrorCode::InvalidEmail.with_message(error.to_string()),
        AccountError::WeakPassword => ErrorCode::WeakPassword.with_message(error.to_string()),
        AccountError::Exists => ErrorCode::AdminExists.with_message(error.to_string()),
        AccountError::Hashing => ApiError::internal(),
        AccountError::Database(error) => error.into(),
    })?;
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action: "admin.invited",
            object: Some(&format!("admin:{}", account.email)),
            details: Some(serde_json::json!({"role": account.role.as_str()})),
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    let row = accounts::row(&desk.db, account.id)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(view(row, false))))
}

#[utoipa::path(put, path = "/admin/api/admins/{id}", tag = "people", operation_id = "change_admin", request_body = AdminChange,
    params(("id" = i64, Path, minimum = 1, description = "The admin's id")),
    responses(
        (status = 200, description = "Changed; a new role or a switched-off account ends the admin's sessions at once (owners; audited)", body = AdminView),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`admin_not_found`", body = ErrorBody),
        (status = 409, description = "`cannot_change_yourself`: another owner changes your own account", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn change(
    State(desk): State<AdminDesk>,
    staff: Staff<Owners>,
    PathId(id): PathId<AdminId>,
    JsonBody(change): JsonBody<AdminChange>,
) -> Result<Json<AdminView>, ApiError> {
    let before = accounts::row(&desk.db, id)
        .await?
        .ok_or_else(|| ApiError::from(ErrorCode::AdminNotFound))?;
    if id == staff.session.admin_id {
        return Err(ApiError::from(ErrorCode::CannotChangeYourself));
    }
    accounts::change(&desk.db, id, change.role, change.disabled).await?;
    if change.disabled == Some(true) || change.role.is_some() {
        // A new role or a switched-off account takes effect now, not at the next login.
        sessions::end_everywhere(&desk.store, id).await;
    }
    let after = accounts::row(&desk.db, id)
        .await?
        .ok_or_else(ApiError::internal)?;
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action: "admin.changed",
            object: Some(&format!("admin:{}", after.email)),
            details: Some(serde_json::json!({
                "before": {"role": before.role, "disabled": before.disabled_at.is_some()},
                "after": {"role": after.role, "disabled": after.disabled_at.is_some()},
            })),
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    let on = second_factor::is_on(&desk.db, id).await?;
    Ok(Json(view(after, on)))
}

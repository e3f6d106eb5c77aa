//! Service tokens for machine clients (owners only): `GET /admin/api/service-tokens`,
//! `POST /admin/api/service-tokens` (the raw token is in this one answer, never again: only its
//! hash is kept) and `DELETE /admin/api/service-tokens/{id}` to revoke. Audited.

use admin::wire::ErrorBody;
use admin::wire::service_tokens::{IssuedServiceToken, NewServiceToken, ServiceTokenView};
use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{delete, get},
};
use chrono::Utc;
use domain::{
    audit::{self, AuditEntry},
    service_tokens::{self, entity},
};
use sea_orm::EntityTrait;

use super::{AdminDesk, Owners, Staff};
use crate::web::{
    ApiError, ErrorCode,
    extract::{JsonBody, PathId},
};

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/service-tokens", get(list).post(create))
        .route("/admin/api/service-tokens/{id}", delete(revoke))
}

fn view(row: entity::Model) -> ServiceTokenView {
    let now = Utc::now();
    let state = match (row.revoked_at, row.expires_at) {
        (Some(_), _) => "revoked",
        (None, Some(at)) if at <= now => "expired",
        _ => "live",
    };
    ServiceTokenView {
        id: row.id,
        name: row.name,
        created_at: row.created_at.to_rfc3339(),
        created_by: row.created_by,
        expires_at: row.expires_at.map(|at| at.to_rfc3339()),
        revoked_at: row.revoked_at.map(|at| at.to_rfc3339()),
        last_used_at: row.last_used_at.map(|at| at.to_rfc3339()),
        state: state.to_owned(),
    }
}

#[utoipa::path(get, path = "/admin/api/service-tokens", tag = "people", operation_id = "service_tokens",
    responses((status = 200, description = "Every service token, newest first, never the token itself (owners)", body = Vec<ServiceTokenView>)),
    security(("admin_session" = [])))]
async fn list(
    State(desk): State<AdminDesk>,
    _staff: Staff<Owners>,
) -> Result<Json<Vec<ServiceTokenView>>, ApiError> {
    let mut rows: Vec<ServiceTokenView> = service_tokens::all(&desk.db)
        .await?
        .into_iter()
        .map(view)
        .collect();
    rows.reverse();
    Ok(Json(rows))
}

#[utoipa::path(post, path = "/admin/api/service-tokens", tag = "people", operation_id = "create_service_token", request_body = NewServiceToken,
    responses(
        (status = 201, description = "The new token, shown in this answer only: only its hash is kept (owners; audited)", body = IssuedServiceToken),
        (status = 422, description = "`service_token_name_invalid` (1 to 40 letters, digits, `-` or `_`) or `service_token_expiry_invalid` (1 to 3650 days, or none)", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn create(
    State(desk): State<AdminDesk>,
    staff: Staff<Owners>,
    JsonBody(request): JsonBody<NewServiceToken>,
) -> Result<(StatusCode, Json<IssuedServiceToken>), ApiError> {
    let name = request.name.trim();
    let name_ok = (1..=40).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err(ApiError::from(ErrorCode::ServiceTokenNameInvalid));
    }
    if request
        .expires_in_days
        .is_some_and(|days| !(1..=3650).contains(&days))
    {
        return Err(ApiError::from(ErrorCode::ServiceTokenExpiryInvalid));
    }
    let expires_at = request
        .expires_in_days
        .map(|days| Utc::now() + chrono::Duration::days(days.into()));
    let actor = staff.actor();
    let (token, row) = service_tokens::create(&desk.db, name, expires_at, &actor).await?;
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &actor,
            action: "service_token.created",
            object: Some(&format!("service_token:{}", row.id)),
            details: Some(serde_json::json!({"name": name, "expires_at": expires_at})),
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(IssuedServiceToken {
            token,
            service_token: view(row),
        }),
    ))
}

#[utoipa::path(delete, path = "/admin/api/service-tokens/{id}", tag = "people", operation_id = "revoke_service_token",
    params(("id" = i64, Path, minimum = 1, description = "The token's id")),
    responses(
        (status = 200, description = "Revoked: the client is refused from now on (owners; audited)", body = ServiceTokenView),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`service_token_not_found`: no live token has this id", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn revoke(
    State(desk): State<AdminDesk>,
    staff: Staff<Owners>,
    PathId(id): PathId<i64>,
) -> Result<Json<ServiceTokenView>, ApiError> {
    if !service_tokens::revoke(&desk.db, id).await? {
        return Err(ApiError::from(ErrorCode::ServiceTokenNotFound));
    }
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action: "service_token.revoked",
            object: Some(&format!("service_token:{id}")),
            details: None,
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    let row = entity::Entity::find_by_id(id)
        .one(&desk.db)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(Json(view(row)))
}

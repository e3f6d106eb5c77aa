//! Feature flags: `GET /admin/api/flags` (any staff) and `PUT /admin/api/flags/{name}`
//! (admins). A change is read by every instance on its next use.

use admin::wire::ErrorBody;
use admin::wire::{FlagChange, FlagView};
use axum::{
    Json, Router,
    extract::{Path, State},
    routing::{get, put},
};
use domain::{
    audit::{self, AuditEntry},
    flags::{self, Flag},
};
use sea_orm::DatabaseConnection;

use super::{AdminDesk, Admins, AnyStaff, Staff};
use crate::web::{ApiError, ErrorCode, extract::JsonBody};

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/flags", get(list))
        .route("/admin/api/flags/{name}", put(switch))
}

async fn flag_view(db: &DatabaseConnection, flag: Flag) -> Result<FlagView, ApiError> {
    Ok(FlagView {
        name: flag.name().to_owned(),
        on: flags::is_on(db, flag).await?,
        description: flag.description().to_owned(),
    })
}

#[utoipa::path(get, path = "/admin/api/flags", tag = "operations", operation_id = "flags",
    responses((status = 200, description = "Every feature flag (any staff)", body = Vec<FlagView>)),
    security(("admin_session" = [])))]
async fn list(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
) -> Result<Json<Vec<FlagView>>, ApiError> {
    let mut views = Vec::new();
    for flag in Flag::ALL {
        views.push(flag_view(&db, flag).await?);
    }
    Ok(Json(views))
}

#[utoipa::path(put, path = "/admin/api/flags/{name}", tag = "operations", operation_id = "switch_flag", request_body = FlagChange,
    params(("name" = String, Path, description = "The flag's name, as the list gives it")),
    responses(
        (status = 200, description = "The flag, switched; every instance reads it on its next use (admins)", body = FlagView),
        (status = 404, description = "`flag_not_found`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn switch(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    Path(name): Path<String>,
    JsonBody(change): JsonBody<FlagChange>,
) -> Result<Json<FlagView>, ApiError> {
    let flag = Flag::parse(&name).ok_or_else(|| ApiError::from(ErrorCode::FlagNotFound))?;
    let before = flags::is_on(&db, flag).await?;
    flags::set(&db, flag, change.on, &staff.actor()).await?;
    audit::record(
        &db,
        AuditEntry {
            actor: &staff.actor(),
            action: "flag.changed",
            object: Some(&format!("flag:{}", flag.name())),
            details: Some(serde_json::json!({"before": before, "after": change.on})),
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    Ok(Json(flag_view(&db, flag).await?))
}

//! The moderation of drivers' reports about shippers: `GET /admin/api/shipper-reports?state=`
//! (any staff; `pending` when not said) and `POST /admin/api/shipper-reports/{id}/approve` or
//! `…/reject` (admins). Only an approved report counts in the shipper's score; every verdict is
//! audited.

use std::collections::HashMap;

use admin::wire::ErrorBody;
use admin::wire::shippers::{STATES, ShipperReportView};
use axum::{
    Json, Router,
    extract::{Query, State, rejection::QueryRejection},
    routing::{get, post},
};
use chrono::Utc;
use domain::{
    audit::{self, AuditEntry},
    drivers,
    shippers::reports::{self, ModerationError, ReportState, entity::Model},
};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde::Deserialize;

use super::{AdminDesk, Admins, AnyStaff, Staff};
use crate::web::{ApiError, ErrorCode, extract::PathId};

/// Reports one list shows at most.
const LISTED: u64 = 200;

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/shipper-reports", get(list))
        .route("/admin/api/shipper-reports/{id}/approve", post(approve))
        .route("/admin/api/shipper-reports/{id}/reject", post(reject))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `pending` (answered, waiting; the default), `approved`, `rejected` or `asked` (no answer
    /// yet); empty is the default.
    #[param(pattern = r"^\s*(pending|approved|rejected|asked)?\s*$")]
    state: Option<String>,
}

#[utoipa::path(get, path = "/admin/api/shipper-reports", tag = "shippers", operation_id = "shipper_reports", params(ListQuery),
    responses(
        (status = 200, description = "Up to 200 reports in the state asked, with their drivers' names (any staff)", body = Vec<ShipperReportView>),
        (status = 400, description = "`invalid_state`: the state is one of pending, approved, rejected, asked", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn list(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<ShipperReportView>>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let state = match query.state.as_deref().map(str::trim) {
        None | Some("") => ReportState::Pending,
        Some(text) => ReportState::parse(text).ok_or_else(|| {
            ErrorCode::InvalidState
                .with_message(format!("The state is one of {}", STATES.join(", ")))
        })?,
    };
    let rows = reports::in_state(&db, state, LISTED).await?;
    Ok(Json(views(&db, rows).await?))
}

#[utoipa::path(post, path = "/admin/api/shipper-reports/{id}/approve", tag = "shippers", operation_id = "approve_shipper_report",
    params(("id" = i64, Path, minimum = 1, description = "The report's id")),
    responses(
        (status = 200, description = "Approved: it counts in the shipper's score from now on (admins; audited)", body = ShipperReportView),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`shipper_report_not_found`", body = ErrorBody),
        (status = 409, description = "`shipper_report_not_pending`: the driver has not answered yet, or the report is settled already", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn approve(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    PathId(id): PathId<i64>,
) -> Result<Json<ShipperReportView>, ApiError> {
    settle(&desk, &staff, id, true).await
}

#[utoipa::path(post, path = "/admin/api/shipper-reports/{id}/reject", tag = "shippers", operation_id = "reject_shipper_report",
    params(("id" = i64, Path, minimum = 1, description = "The report's id")),
    responses(
        (status = 200, description = "Rejected: it never counts in the shipper's score (admins; audited)", body = ShipperReportView),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`shipper_report_not_found`", body = ErrorBody),
        (status = 409, description = "`shipper_report_not_pending`: the driver has not answered yet, or the report is settled already", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn reject(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    PathId(id): PathId<i64>,
) -> Result<Json<ShipperReportView>, ApiError> {
    settle(&desk, &staff, id, false).await
}

async fn settle(
    desk: &AdminDesk,
    staff: &Staff<Admins>,
    id: i64,
    approve: bool,
) -> Result<Json<ShipperReportView>, ApiError> {
    let row = reports::moderate(&desk.db, id, approve, &staff.actor(), Utc::now())
        .await
        .map_err(|error| match error {
            ModerationError::NotFound => ApiError::from(ErrorCode::ShipperReportNotFound),
            ModerationError::NotPending => ApiError::from(ErrorCode::ShipperReportNotPending),
            ModerationError::Database(error) => error.into(),
        })?;
    desk.shippers.forget(&row.shipper_inn).await;
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action: if approve {
                "shipper_report.approved"
            } else {
                "shipper_report.rejected"
            },
            object: Some(&format!("shipper_report:{id}")),
            details: Some(serde_json::json!({
                "shipper_inn": row.shipper_inn,
                "cargo_id": row.cargo_id,
                "driver_id": row.driver_id,
                "outcome": row.outcome,
            })),
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    let mut views = views(&desk.db, vec![row]).await?;
    views
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::from(ErrorCode::ShipperReportNotFound))
}

/// The reports with their drivers' names.
async fn views(db: &DatabaseConnection, rows: Vec<Model>) -> Result<Vec<ShipperReportView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|row| row.driver_id).collect();
    let names: HashMap<i64, String> = drivers::entity::Entity::find()
        .filter(drivers::entity::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|driver| {
            let name = match &driver.last_name {
                Some(last) => format!("{} {last}", driver.first_name),
                None => driver.first_name.clone(),
            };
            (driver.id, name)
        })
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| ShipperReportView {
            id: row.id,
            driver_name: names.get(&row.driver_id).cloned().unwrap_or_default(),
            driver_id: row.driver_id,
            cargo_id: row.cargo_id,
            shipper_inn: row.shipper_inn,
            shipper_name: row.shipper_name,
            route: row.route,
            outcome: row.outcome,
            state: row.state,
            answered_at: row.answered_at.map(|at| at.to_rfc3339()),
            moderated_by: row.moderated_by,
        })
        .collect())
}

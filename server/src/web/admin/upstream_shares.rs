//! A driver's share of the exchange's calls, on their page: `GET
//! /admin/api/drivers/{id}/upstream-share` (any staff) and `PUT` (admins) to cut it to so many
//! calls a minute, or lift the cut with `null`. The cut is stored, read by every instance within
//! seconds and at once by this one, and audited.

use admin::wire::ErrorBody;
use admin::wire::drivers::{ShareCut, UpstreamShare, cut_problem};
use axum::{Json, Router, extract::State, routing::get};
use domain::{
    DriverId,
    audit::{self, AuditEntry},
    drivers, upstream_shares,
};

use super::{AdminDesk, Admins, AnyStaff, Staff};
use crate::web::{
    ApiError, ErrorCode,
    extract::{JsonBody, PathId},
};

pub fn routes() -> Router<AdminDesk> {
    Router::new().route("/admin/api/drivers/{id}/upstream-share", get(show).put(cut))
}

#[utoipa::path(get, path = "/admin/api/drivers/{id}/upstream-share", tag = "drivers", operation_id = "upstream_share",
    params(("id" = i64, Path, minimum = 1, description = "The driver's id")),
    responses(
        (status = 200, description = "The driver's share of the exchange's calls, an admin's cut, and their calls in the last hour (any staff)", body = UpstreamShare),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`driver_not_found`", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn show(
    State(desk): State<AdminDesk>,
    _staff: Staff<AnyStaff>,
    PathId(id): PathId<DriverId>,
) -> Result<Json<UpstreamShare>, ApiError> {
    known(&desk, id).await?;
    Ok(Json(share_of(&desk, id).await))
}

#[utoipa::path(put, path = "/admin/api/drivers/{id}/upstream-share", tag = "drivers", operation_id = "cut_upstream_share", request_body = ShareCut,
    params(("id" = i64, Path, minimum = 1, description = "The driver's id")),
    responses(
        (status = 200, description = "Cut, or the cut lifted with `null`; every instance reads it within seconds (admins)", body = UpstreamShare),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`driver_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_share`: 0 to 1000 calls a minute", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn cut(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    PathId(id): PathId<DriverId>,
    JsonBody(ShareCut { cap_per_minute }): JsonBody<ShareCut>,
) -> Result<Json<UpstreamShare>, ApiError> {
    if let Some(problem) = cut_problem(cap_per_minute) {
        return Err(ErrorCode::InvalidShare.with_message(problem));
    }
    known(&desk, id).await?;
    let shares = desk.gateway.shares();
    let before = upstream_shares::cap(&desk.db, id).await?;
    upstream_shares::set_cap(&desk.db, id, cap_per_minute, &staff.actor()).await?;
    shares.forget_cap(id).await;
    if before != cap_per_minute {
        audit::record(
            &desk.db,
            AuditEntry {
                actor: &staff.actor(),
                action: if cap_per_minute.is_some() {
                    "driver.upstream_share_cut"
                } else {
                    "driver.upstream_share_restored"
                },
                object: Some(&format!("driver:{id}")),
                details: Some(serde_json::json!({
                    "before": {"cap_per_minute": before},
                    "after": {"cap_per_minute": cap_per_minute},
                })),
                client_addr: staff.client_addr.as_deref(),
            },
        )
        .await;
    }
    Ok(Json(share_of(&desk, id).await))
}

async fn known(desk: &AdminDesk, id: DriverId) -> Result<(), ApiError> {
    drivers::row(&desk.db, id)
        .await?
        .map(drop)
        .ok_or_else(|| ApiError::from(ErrorCode::DriverNotFound))
}

async fn share_of(desk: &AdminDesk, id: DriverId) -> UpstreamShare {
    let shares = desk.gateway.shares();
    let calls_last_hour = shares
        .last_hour()
        .await
        .drivers
        .into_iter()
        .find_map(|(driver, calls)| (driver == id).then_some(calls))
        .unwrap_or(0);
    UpstreamShare {
        share_per_minute: shares.share_of(id).await,
        cap_per_minute: shares.cap_of(id).await,
        calls_last_hour,
    }
}

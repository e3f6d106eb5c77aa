//! The points dictionary city search answers from: `GET /admin/api/cities` (any staff) shows how
//! many points it holds and when it was read from the exchange; `POST /admin/api/cities/refresh`
//! (admins) reads it again now, in the background (`202`; the panel watches the state).

use admin::wire::ErrorBody;
use admin::wire::cities::CitiesView;
use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use domain::audit::{self, AuditEntry};

use super::{AdminDesk, Admins, AnyStaff, Staff};
use crate::{
    cities::{Cities, RefreshRunning},
    web::{ApiError, ErrorCode},
};

impl From<RefreshRunning> for ApiError {
    fn from(_: RefreshRunning) -> Self {
        ApiError::from(ErrorCode::CitiesRefreshRunning)
    }
}

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/cities", get(show))
        .route("/admin/api/cities/refresh", post(refresh))
}

fn view(cities: &Cities) -> CitiesView {
    let state = cities.state();
    CitiesView {
        points: state.version.as_ref().map(|version| version.points),
        refreshed_at: state
            .version
            .as_ref()
            .map(|version| version.refreshed_at.to_rfc3339()),
        refreshed_by: state.version.map(|version| version.refreshed_by),
        refreshing: state.refreshing,
        last_failure: state.last_failure,
    }
}

#[utoipa::path(get, path = "/admin/api/cities", tag = "operations", operation_id = "cities",
    responses((status = 200, description = "The points dictionary: its size, when and by whom it was read, a refresh running (any staff)", body = CitiesView)),
    security(("admin_session" = [])))]
async fn show(State(desk): State<AdminDesk>, _staff: Staff<AnyStaff>) -> Json<CitiesView> {
    Json(view(&desk.cities))
}

#[utoipa::path(post, path = "/admin/api/cities/refresh", tag = "operations", operation_id = "refresh_cities",
    responses(
        (status = 202, description = "A refresh from the exchange began in the background; the state says when it is done (admins)", body = CitiesView),
        (status = 409, description = "`cities_refresh_running`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn refresh(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
) -> Result<(StatusCode, Json<CitiesView>), ApiError> {
    let actor = staff.actor();
    desk.cities.start_refresh(actor.clone())?;
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &actor,
            action: "cities.refresh_requested",
            object: Some("cities"),
            details: None,
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    Ok((StatusCode::ACCEPTED, Json(view(&desk.cities))))
}

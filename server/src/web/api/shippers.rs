//! `GET /api/v1/shippers/{inn}`: a shipper's page, for a driver deciding whether to trust a load.

use app::cargo::shipper::ShipperProfile;
use axum::{
    Json, Router,
    extract::{Path, State},
    routing::get,
};
use domain::shippers::sightings;

use super::state::ApiState;
use crate::{
    shippers::ShipperBook,
    web::{ApiError, ErrorCode, extract::SubscribedDriver},
};

pub fn routes() -> Router<ApiState> {
    Router::new().route("/api/v1/shippers/{inn}", get(shipper))
}

#[utoipa::path(get, path = "/api/v1/shippers/{inn}", tag = "loads",
    params(("inn" = String, Path, pattern = r"^([0-9]{10}|[0-9]{12})$", description = "The shipper's INN, as a load's card names it")),
    responses(
        (status = 200, description = "What Hauler saw of the shipper on the exchange, what drivers reported (approved by a moderator), and its score and level", body = ShipperProfile),
        (status = 400, description = "`invalid_inn`: not 10 or 12 digits", body = app::session::ApiErrorBody),
        (status = 404, description = "`shipper_not_found`: Hauler has not seen a load of this shipper", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn shipper(
    State(book): State<ShipperBook>,
    _driver: SubscribedDriver,
    Path(inn): Path<String>,
) -> Result<Json<ShipperProfile>, ApiError> {
    let inn = sightings::inn(&inn).ok_or_else(|| ApiError::from(ErrorCode::InvalidInn))?;
    book.profile(&inn)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::from(ErrorCode::ShipperNotFound))
}

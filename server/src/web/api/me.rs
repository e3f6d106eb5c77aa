//! `/api/v1/me…`: what a driver keeps — the profile, the last filter (restored on the next open),
//! named filters, and the history of responses.

use app::{
    cargo::{
        filter::CargoFilter,
        response::CargoResponse,
        saved::{SAVED_FILTERS_MAX, SavedFilter, SavedFilterDraft},
    },
    session::LastFilter,
};
use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{MethodRouter, delete, get, post, put},
};
use domain::{
    drivers::{self, Driver},
    filters::{self, ChangeError, SaveError},
    responses,
};
use sea_orm::DatabaseConnection;

use super::state::ApiState;
use crate::{
    doors::Door,
    web::{
        ApiError, ErrorCode, Fault,
        extract::{JsonBody, PathId, SignedInDriver},
    },
};

/// The most responses the history shows.
const HISTORY_LIMIT: u64 = 200;

pub fn routes(state: &ApiState) -> Router<ApiState> {
    let saving = |route: MethodRouter<ApiState>| state.keeper.guard(Door::Filters, route);
    Router::new()
        .route("/api/v1/me", get(profile))
        .route(
            "/api/v1/me/filter",
            get(last_filter).merge(saving(put(remember_filter))),
        )
        .route(
            "/api/v1/me/filters",
            get(saved_filters).merge(saving(post(save_filter))),
        )
        .route(
            "/api/v1/me/filters/{id}",
            delete(forget_filter).merge(saving(put(change_filter))),
        )
        .route("/api/v1/me/responses", get(response_history))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "driver",
    responses((status = 200, description = "The signed-in driver", body = Driver), (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody)),
    security(("session" = [])))]
async fn profile(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
) -> Result<Json<Driver>, ApiError> {
    drivers::by_id(&db, driver.id)
        .await?
        .map(Json)
        .ok_or_else(|| ErrorCode::DriverNotFound.with_message("Профиль не найден"))
}

#[utoipa::path(get, path = "/api/v1/me/filter", tag = "driver",
    responses((status = 200, description = "The filter the driver used last", body = LastFilter), (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody)),
    security(("session" = [])))]
async fn last_filter(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
) -> Result<Json<LastFilter>, ApiError> {
    Ok(Json(LastFilter {
        filter: filters::last(&db, driver.id).await?,
    }))
}

fn valid(filter: &CargoFilter) -> Result<(), ApiError> {
    filter.validate().map_err(|errors| {
        ApiError::from(ErrorCode::InvalidFilter(Fault::Unacceptable)).with_field_errors(errors)
    })
}

#[utoipa::path(put, path = "/api/v1/me/filter", tag = "driver", request_body = LastFilter,
    responses(
        (status = 204, description = "Kept for the next open"),
        (status = 422, description = "`invalid_filter`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many changes in a row; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn remember_filter(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
    JsonBody(LastFilter { filter }): JsonBody<LastFilter>,
) -> Result<StatusCode, ApiError> {
    let filter = filter.unwrap_or_default();
    valid(&filter)?;
    filters::remember_last(&db, driver.id, &filter).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me/filters", tag = "driver",
    responses((status = 200, description = "The driver's named filters", body = Vec<SavedFilter>), (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody)),
    security(("session" = [])))]
async fn saved_filters(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
) -> Result<Json<Vec<SavedFilter>>, ApiError> {
    Ok(Json(filters::saved(&db, driver.id).await?))
}

#[utoipa::path(post, path = "/api/v1/me/filters", tag = "driver", request_body = SavedFilterDraft,
    responses(
        (status = 201, description = "Saved (\"notify me\" turns on new-load alerts through the bot)", body = SavedFilter),
        (status = 422, description = "`invalid_filter` or a bad name", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many changes in a row; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn save_filter(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
    JsonBody(draft): JsonBody<SavedFilterDraft>,
) -> Result<(StatusCode, Json<SavedFilter>), ApiError> {
    let name = draft
        .clean_name()
        .ok_or_else(|| ApiError::from(ErrorCode::InvalidName))?;
    valid(&draft.filter)?;
    match filters::save(
        &db,
        driver.id,
        &name,
        &draft.filter,
        draft.notify,
        draft.paused,
    )
    .await
    {
        Ok(saved) => Ok((StatusCode::CREATED, Json(saved))),
        Err(SaveError::TooMany) => Err(ErrorCode::TooManyFilters.with_message(format!(
            "Можно сохранить не больше {SAVED_FILTERS_MAX} фильтров: удалите ненужный"
        ))),
        Err(SaveError::Database(error)) => Err(error.into()),
    }
}

#[utoipa::path(put, path = "/api/v1/me/filters/{id}", tag = "driver", request_body = SavedFilterDraft,
    params(("id" = i64, Path, minimum = 1, description = "The saved filter's id")),
    responses(
        (status = 200, description = "Renamed, changed, paused (`paused: true`: no alerts until resumed) or resumed", body = SavedFilter),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody),
        (status = 404, description = "`filter_not_found`", body = app::session::ApiErrorBody),
        (status = 409, description = "`filter_name_taken`: another of the driver's filters has that name", body = app::session::ApiErrorBody),
        (status = 422, description = "`invalid_filter` or `invalid_name`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many changes in a row; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn change_filter(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
    PathId(id): PathId<i64>,
    JsonBody(draft): JsonBody<SavedFilterDraft>,
) -> Result<Json<SavedFilter>, ApiError> {
    let name = draft
        .clean_name()
        .ok_or_else(|| ApiError::from(ErrorCode::InvalidName))?;
    valid(&draft.filter)?;
    match filters::change(
        &db,
        driver.id,
        id,
        &name,
        &draft.filter,
        draft.notify,
        draft.paused,
    )
    .await
    {
        Ok(Some(saved)) => Ok(Json(saved)),
        Ok(None) => Err(ApiError::from(ErrorCode::FilterNotFound)),
        Err(ChangeError::NameTaken) => Err(ApiError::from(ErrorCode::FilterNameTaken)),
        Err(ChangeError::Database(error)) => Err(error.into()),
    }
}

#[utoipa::path(delete, path = "/api/v1/me/filters/{id}", tag = "driver",
    params(("id" = i64, Path, minimum = 1, description = "The saved filter's id")),
    responses((status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody), (status = 204, description = "Forgotten"), (status = 404, description = "`filter_not_found`", body = app::session::ApiErrorBody), (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody)),
    security(("session" = [])))]
async fn forget_filter(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
    PathId(id): PathId<i64>,
) -> Result<StatusCode, ApiError> {
    if filters::forget(&db, driver.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::from(ErrorCode::FilterNotFound))
    }
}

#[utoipa::path(get, path = "/api/v1/me/responses", tag = "driver",
    responses((status = 200, description = "The loads the driver responded to, newest first, with each one's status", body = Vec<CargoResponse>), (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody)),
    security(("session" = [])))]
async fn response_history(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
) -> Result<Json<Vec<CargoResponse>>, ApiError> {
    Ok(Json(
        responses::history(&db, driver.id, HISTORY_LIMIT).await?,
    ))
}

//! `/api/v1/me…`: what a driver keeps — the profile, the last filter (restored on the next open),
//! named filters, and the history of responses.

use app::{
    cargo::{
        filter::CargoFilter,
        response::CargoResponse,
        saved::{SAVED_FILTERS_MAX, SavedFilter, SavedFilterDraft},
    },
    platform::{
        drivers::{self, Driver},
        filters::{self, SaveError},
        responses,
    },
    session::LastFilter,
};
use axum::{
    Json, Router,
    extract::{Path, State, rejection::JsonRejection},
    http::StatusCode,
    routing::{delete, get},
};
use sea_orm::DatabaseConnection;

use super::{driver::SignedInDriver, error::ApiError, state::ApiState};

/// The most responses the history shows.
const HISTORY_LIMIT: u64 = 200;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/me", get(profile))
        .route("/api/v1/me/filter", get(last_filter).put(remember_filter))
        .route("/api/v1/me/filters", get(saved_filters).post(save_filter))
        .route("/api/v1/me/filters/{id}", delete(forget_filter))
        .route("/api/v1/me/responses", get(response_history))
}

async fn profile(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
) -> Result<Json<Driver>, ApiError> {
    drivers::by_id(&db, driver.id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("driver_not_found", "Профиль не найден"))
}

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
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_filter",
            "Проверьте фильтр: некоторые значения не подходят",
        )
        .with_field_errors(errors)
    })
}

async fn remember_filter(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
    body: Result<Json<LastFilter>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(LastFilter { filter }) = body.map_err(ApiError::bad_body)?;
    let filter = filter.unwrap_or_default();
    valid(&filter)?;
    filters::remember_last(&db, driver.id, &filter).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn saved_filters(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
) -> Result<Json<Vec<SavedFilter>>, ApiError> {
    Ok(Json(filters::saved(&db, driver.id).await?))
}

async fn save_filter(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
    body: Result<Json<SavedFilterDraft>, JsonRejection>,
) -> Result<(StatusCode, Json<SavedFilter>), ApiError> {
    let Json(draft) = body.map_err(ApiError::bad_body)?;
    let name = draft.clean_name().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
            "Название фильтра — от 1 до 60 символов",
        )
    })?;
    valid(&draft.filter)?;
    match filters::save(&db, driver.id, &name, &draft.filter, draft.notify).await {
        Ok(saved) => Ok((StatusCode::CREATED, Json(saved))),
        Err(SaveError::TooMany) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "too_many_filters",
            format!("Можно сохранить не больше {SAVED_FILTERS_MAX} фильтров: удалите ненужный"),
        )),
        Err(SaveError::Database(error)) => Err(error.into()),
    }
}

async fn forget_filter(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if filters::forget(&db, driver.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "filter_not_found",
            "Такого сохранённого фильтра нет",
        ))
    }
}

async fn response_history(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
) -> Result<Json<Vec<CargoResponse>>, ApiError> {
    Ok(Json(
        responses::history(&db, driver.id, HISTORY_LIMIT).await?,
    ))
}

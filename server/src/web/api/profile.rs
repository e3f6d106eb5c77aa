//! `/api/v1/me/profile` and `/api/v1/me/hidden`: what a driver sets for themselves (language,
//! home city, truck, alerts, quiet hours and time zone), and the loads they hid, to bring back
//! with `DELETE /api/v1/cargos/{id}/hidden`.

use app::profile::{HiddenLoad, Profile, ProfileProblem};
use axum::{
    Json, Router,
    extract::State,
    routing::{get, put},
};
use domain::{hidden, profiles};
use sea_orm::DatabaseConnection;

use super::state::ApiState;
use crate::{
    doors::Door,
    new_loads,
    web::{
        ApiError, ErrorCode, asks_for_english,
        extract::{JsonBody, SignedInDriver},
    },
};

/// The most hidden loads the profile lists.
const HIDDEN_LIMIT: u64 = 200;

pub fn routes(state: &ApiState) -> Router<ApiState> {
    Router::new()
        .route(
            "/api/v1/me/profile",
            get(read_profile).merge(state.keeper.guard(Door::Filters, put(keep_profile))),
        )
        .route("/api/v1/me/hidden", get(hidden_loads))
}

#[utoipa::path(get, path = "/api/v1/me/profile", tag = "driver",
    responses(
        (status = 200, description = "What the driver set, or the defaults (alerts on, quiet from 22:00 to 07:00 Moscow time)", body = Profile),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn read_profile(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
) -> Result<Json<Profile>, ApiError> {
    profiles::get(&db, driver.id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::from(ErrorCode::SessionExpired))
}

#[utoipa::path(put, path = "/api/v1/me/profile", tag = "driver", request_body = Profile,
    responses(
        (status = 200, description = "Kept; alerts held for quiet hours follow the new hours (sent now when there are none, dropped when alerts are off)", body = Profile),
        (status = 422, description = "`invalid_profile`: the message names the field", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many changes in a row; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn keep_profile(
    State(state): State<ApiState>,
    driver: SignedInDriver,
    JsonBody(profile): JsonBody<Profile>,
) -> Result<Json<Profile>, ApiError> {
    profile.check().map_err(refused)?;
    profiles::save(&state.db, driver.id, &profile).await?;
    new_loads::profile_changed(&state.db, &state.bot, driver.id, &profile).await?;
    profiles::get(&state.db, driver.id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::from(ErrorCode::SessionExpired))
}

fn refused(problem: ProfileProblem) -> ApiError {
    let (what, english) = match problem {
        ProfileProblem::Language => ("язык — ru или en", "the language is ru or en"),
        ProfileProblem::HomeCity => (
            "домашний город — выберите его из списка",
            "pick the home city from the list",
        ),
        ProfileProblem::TruckType => (
            "тип кузова — один из справочника",
            "the body type is one from the list",
        ),
        ProfileProblem::QuietHours => (
            "тихие часы — время ЧЧ:ММ, начало и конец разные",
            "quiet hours are HH:MM, starting and ending at different times",
        ),
        ProfileProblem::UtcOffset => (
            "часовой пояс — от UTC−12 до UTC+14",
            "the time zone is from UTC−12 to UTC+14",
        ),
    };
    let message = if asks_for_english() {
        format!("Check the profile: {english} ({})", problem.field())
    } else {
        format!("Проверьте профиль: {what} ({})", problem.field())
    };
    ErrorCode::InvalidProfile.with_message(message)
}

#[utoipa::path(get, path = "/api/v1/me/hidden", tag = "driver",
    responses(
        (status = 200, description = "The loads the driver hid, the latest first (at most 200)", body = Vec<HiddenLoad>),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn hidden_loads(
    State(db): State<DatabaseConnection>,
    driver: SignedInDriver,
) -> Result<Json<Vec<HiddenLoad>>, ApiError> {
    Ok(Json(hidden::list(&db, driver.id, HIDDEN_LIMIT).await?))
}

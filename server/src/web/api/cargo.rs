//! `/api/v1/cargos…` and `/api/v1/cities`: Hauler's own JSON API over the gateway, for the Mini
//! App, other clients and monitoring. The shared, cached data comes from the gateway; what is
//! the driver's own (responded, hidden) is laid over it per request, never cached.

use std::{sync::Arc, time::Instant};

use app::cargo::{
    card::{CargoDetail, CargoPage, PendingDetail},
    dictionary::{City, LOAD_TYPES, TRUCK_TYPES},
    filter::{
        CargoFilter, ListMode, PlaceFilter, Range, SortOrder, WeightCategory, WeightPreset,
        WeightVolume,
    },
    response::{CargoResponse, StatusChange},
};
use axum::{
    Json, Router,
    extract::{Query, Request, State, rejection::JsonRejection, rejection::QueryRejection},
    http::{StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use domain::{drivers, hidden, marks, outbox, responses};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::state::ApiState;
use crate::{
    bot::messages,
    cargotech::{CardAnswer, CardLead, GatewayError, Payer, UpstreamError, noting_waits},
    cities::{Cities, NotLoaded},
    doors::Door,
    web::{
        ApiError, ErrorCode, Fault,
        extract::{PathId, SignedInDriver, SubscribedDriver},
    },
};

pub fn routes(state: &ApiState) -> Router<ApiState> {
    Router::new()
        .route(
            "/api/v1/cargos",
            get(list).layer(middleware::from_fn_with_state(state.clone(), timed_list)),
        )
        .route("/api/v1/cargos/{id}", get(detail))
        .route(
            "/api/v1/cargos/{id}/response",
            state
                .keeper
                .guard(Door::Respond, post(respond).put(advance_response)),
        )
        .route("/api/v1/cargos/{id}/hidden", put(hide).delete(unhide))
        .route("/api/v1/cities", get(cities))
        .route("/api/v1/dictionaries", get(dictionaries))
}

impl From<GatewayError> for ApiError {
    fn from(error: GatewayError) -> Self {
        match error {
            GatewayError::InvalidFilter(errors) => {
                ApiError::from(ErrorCode::InvalidFilter(Fault::Unacceptable))
                    .with_field_errors(errors)
            }
            GatewayError::Busy => ApiError::from(ErrorCode::UpstreamBusy),
            GatewayError::NotFetchedInTime => ApiError::from(ErrorCode::DetailNotFetched),
            GatewayError::OverShare { retry_after } => {
                ApiError::from(ErrorCode::TooManyRequests).with_retry_after(retry_after)
            }
            GatewayError::Unavailable(UpstreamError::SmsCodeRequired) => {
                ApiError::from(ErrorCode::UpstreamLoginPending)
            }
            GatewayError::Unavailable(error) => {
                tracing::warn!(%error, "the exchange could not answer a driver");
                ApiError::from(ErrorCode::UpstreamUnavailable)
            }
        }
    }
}

/// The list's query string: flat, so any HTTP client can build it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    from_city_id: Option<u32>,
    from_point_type: Option<u8>,
    from_radius_km: Option<u32>,
    to_city_id: Option<u32>,
    to_point_type: Option<u8>,
    to_radius_km: Option<u32>,
    loading_date: Option<String>,
    weight_category: Option<WeightCategory>,
    weight_preset: Option<WeightPreset>,
    tonnes: Option<f64>,
    cubic_metres: Option<f64>,
    /// Comma-separated dictionary ids.
    load_types: Option<String>,
    truck_types: Option<String>,
    distance_min_km: Option<u32>,
    distance_max_km: Option<u32>,
    price_min_rub: Option<u64>,
    price_max_rub: Option<u64>,
    price_per_km_min_rub: Option<f64>,
    price_per_km_max_rub: Option<f64>,
    shipper_inn: Option<String>,
    mode: Option<ListMode>,
    sort: Option<SortOrder>,
    #[serde(default)]
    offset: u32,
    limit: Option<u32>,
}

impl ListQuery {
    pub(super) fn into_filter(self) -> Result<(CargoFilter, u32, u32), ApiError> {
        let place = |id: Option<u32>, point_type: Option<u8>, radius: Option<u32>| {
            id.map(|city_id| PlaceFilter {
                city_id,
                point_type: point_type.unwrap_or(2),
                city_name: String::new(),
                radius_km: radius.unwrap_or(0),
            })
        };
        let weight_volume = match (
            self.weight_category,
            self.weight_preset,
            self.tonnes,
            self.cubic_metres,
        ) {
            (Some(category), None, None, None) => Some(WeightVolume::Category { category }),
            (None, Some(preset), None, None) => Some(WeightVolume::Preset { preset }),
            (None, None, Some(tonnes), Some(cubic_metres)) => Some(WeightVolume::Custom {
                tonnes,
                cubic_metres,
            }),
            (None, None, None, None) => None,
            _ => {
                return Err(ApiError::bad_query(
                    "weight: a category, a preset, or both tonnes and cubic_metres",
                ));
            }
        };
        let filter = CargoFilter {
            from: place(self.from_city_id, self.from_point_type, self.from_radius_km),
            to: place(self.to_city_id, self.to_point_type, self.to_radius_km),
            loading_date: self.loading_date,
            weight_volume,
            load_types: ids(self.load_types.as_deref())?,
            truck_types: ids(self.truck_types.as_deref())?,
            distance_km: Range {
                min: self.distance_min_km,
                max: self.distance_max_km,
            },
            price_rub: Range {
                min: self.price_min_rub,
                max: self.price_max_rub,
            },
            price_per_km_rub: Range {
                min: self.price_per_km_min_rub,
                max: self.price_per_km_max_rub,
            },
            shipper_inn: self.shipper_inn,
            mode: self.mode.unwrap_or_default(),
            sort: self.sort.unwrap_or_default(),
        };
        Ok((filter, self.offset, self.limit.unwrap_or(20)))
    }
}

fn ids(list: Option<&str>) -> Result<Vec<u32>, ApiError> {
    list.unwrap_or_default()
        .split(',')
        .filter(|id| !id.trim().is_empty())
        .map(|id| {
            id.trim()
                .parse()
                .map_err(|_| ApiError::bad_query("ids must be whole numbers"))
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/cargos", tag = "loads", params(ListQuery),
    responses(
        (status = 200, description = "A page of loads, newest first unless sorted otherwise; `stale` carries the age of data served while the exchange is down", body = CargoPage),
        (status = 422, description = "`invalid_filter`, with every field's problem", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody), (status = 429, description = "`too_many_requests`: the driver's share of the exchange's calls is spent; `Retry-After` says when it frees (cached answers are still served)", body = app::session::ApiErrorBody), (status = 503, description = "`upstream_busy`, `upstream_unavailable` or `upstream_login_pending`", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn list(
    State(state): State<ApiState>,
    driver: SubscribedDriver,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<CargoPage>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let (filter, offset, limit) = query.into_filter()?;
    let mut page = state
        .gateway
        .list(Payer::Driver(driver.id), &filter, offset, limit)
        .await?;
    let marks = marks::among(&state.db, driver.id, page.cards.iter().map(|card| card.id)).await?;
    page.cards.retain(|card| !marks.hidden.contains(&card.id));
    for card in &mut page.cards {
        card.responded = marks.responded.contains(&card.id);
    }
    Ok(Json(page))
}

/// Times each list request on the server, from its arrival (the session and access checks
/// included) to its answer, apart by whether it waited on the exchange. A refusal that never
/// reached the gateway (a bad filter, no access) or the exchange (a spent share) is not a list
/// served and is left out.
async fn timed_list(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (response, waited) = noting_waits(next.run(request)).await;
    let over_share = response.status() == StatusCode::TOO_MANY_REQUESTS;
    if (waited && !over_share) || response.status().is_success() {
        state.gateway.list_timings.record(waited, started.elapsed());
    }
    response
}

fn taken() -> ApiError {
    ApiError::from(ErrorCode::CargoNotAvailable)
}

/// A card's query: `link`, the token of the bot's link the driver opened it from.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CardQuery {
    /// The token a link the bot sent carries (`/cargo/{id}?link=…`): the card is then asked of
    /// the exchange even when no list shows it lately.
    link: Option<String>,
}

/// Whether a bot's link vouches for the card; without one, only loads listed lately are asked.
fn lead_of(
    state: &ApiState,
    id: u64,
    query: Result<Query<CardQuery>, QueryRejection>,
) -> Result<CardLead, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    Ok(match query.link {
        Some(token) if state.bot.link.cards.vouches_for(id, &token) => CardLead::Vouched,
        _ => CardLead::Unvouched,
    })
}

#[utoipa::path(get, path = "/api/v1/cargos/{id}", tag = "loads",
    params(("id" = i64, Path, minimum = 1, description = "The load's id on the exchange"), CardQuery),
    responses(
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody),
        (status = 200, description = "The load with its note, addresses and contacts", body = CargoDetail),
        (status = 202, description = "The detail waits in line for the exchange (the budget has no slot for it now): what the list showed of the load, its place in line and an estimate. Ask again (at once is fine): the answer then waits up to 10 s for the detail. A card nobody could fetch within `CARGOTECH_CARD_WAIT_SECONDS` ends `503 detail_not_fetched`", body = PendingDetail),
        (status = 404, description = "`cargo_not_available`: taken or withdrawn, or not listed by the exchange lately (unless the driver responded to it or opened a link the bot sent)", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody), (status = 429, description = "`too_many_requests`: the driver's share of the exchange's calls is spent; `Retry-After` says when it frees (cached answers are still served)", body = app::session::ApiErrorBody), (status = 503, description = "`detail_not_fetched` (waited in line too long), `upstream_busy` (the line is full), `upstream_unavailable` or `upstream_login_pending`", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn detail(
    State(state): State<ApiState>,
    driver: SubscribedDriver,
    PathId(id): PathId<u64>,
    query: Result<Query<CardQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let responded = responses::find(&state.db, driver.id, id).await?.is_some();
    // A driver's own response keeps its card open, however long ago it was listed.
    let lead = match lead_of(&state, id, query)? {
        CardLead::Unvouched if responded => CardLead::Vouched,
        lead => lead,
    };
    match state.gateway.card(driver.id, id, lead).await? {
        CardAnswer::Ready(detail) => {
            let mut detail = detail.ok_or_else(taken)?;
            detail.card.responded = responded;
            Ok(Json(*detail).into_response())
        }
        CardAnswer::Pending(mut pending) => {
            if let Some(card) = &mut pending.card {
                card.responded = responded;
            }
            let again = [(header::RETRY_AFTER, "1")];
            Ok((StatusCode::ACCEPTED, again, Json(pending)).into_response())
        }
    }
}

#[utoipa::path(post, path = "/api/v1/cargos/{id}/response", tag = "loads",
    params(("id" = i64, Path, minimum = 1, description = "The load's id on the exchange"), CardQuery),
    responses(
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody),
        (status = 201, description = "Recorded; the card and contacts are on their way to the driver's chat", body = CargoResponse),
        (status = 200, description = "Recorded before: nothing is sent again", body = CargoResponse),
        (status = 404, description = "`cargo_not_available`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many responses in a row; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
/// "Откликнуться": records the response once and, the first time only, queues the card and its
/// contacts for the driver's chat — in one transaction, so neither happens without the other.
async fn respond(
    State(state): State<ApiState>,
    driver: SubscribedDriver,
    PathId(id): PathId<u64>,
    query: Result<Query<CardQuery>, QueryRejection>,
) -> Result<(StatusCode, Json<CargoResponse>), ApiError> {
    if let Some(existing) = responses::find(&state.db, driver.id, id).await? {
        return Ok((StatusCode::OK, Json(existing)));
    }
    let lead = lead_of(&state, id, query)?;
    let mut detail = state
        .gateway
        .detail(driver.id, id, lead)
        .await?
        .ok_or_else(taken)?;
    detail.card.responded = true;
    let language = drivers::by_id(&state.db, driver.id)
        .await?
        .and_then(|profile| profile.language_code);

    let transaction = state.db.begin().await?;
    let recorded = responses::record(&transaction, driver.id, &detail.card).await?;
    if recorded.created {
        outbox::enqueue(
            &transaction,
            outbox::Outgoing {
                chat_id: driver.telegram_id,
                dedupe_key: format!("response:{}:{id}", driver.id),
                payload: messages::response_card(
                    driver.telegram_id,
                    &detail,
                    language.as_deref(),
                    &state.bot.link,
                ),
            },
        )
        .await?;
    }
    transaction.commit().await?;
    if recorded.created {
        state.bot.doorbell.ring();
        tracing::info!(
            driver_id = i64::from(driver.id),
            cargo_id = id,
            "a driver responded to a load"
        );
        Ok((StatusCode::CREATED, Json(recorded.response)))
    } else {
        Ok((StatusCode::OK, Json(recorded.response)))
    }
}

#[utoipa::path(put, path = "/api/v1/cargos/{id}/response", tag = "loads",
    params(("id" = i64, Path, minimum = 1, description = "The load's id on the exchange")),
    request_body = StatusChange,
    responses(
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody),
        (status = 200, description = "The response's new status (it only moves forward)", body = CargoResponse),
        (status = 404, description = "`response_not_found`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many responses in a row; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn advance_response(
    State(db): State<DatabaseConnection>,
    driver: SubscribedDriver,
    PathId(id): PathId<u64>,
    body: Result<Json<StatusChange>, JsonRejection>,
) -> Result<Json<CargoResponse>, ApiError> {
    let Json(change) = body.map_err(ApiError::bad_body)?;
    responses::advance(&db, driver.id, id, change.status)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::from(ErrorCode::ResponseNotFound))
}

#[utoipa::path(put, path = "/api/v1/cargos/{id}/hidden", tag = "loads",
    params(("id" = i64, Path, minimum = 1, description = "The load's id on the exchange")),
    responses((status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody), (status = 204, description = "Hidden from this driver's lists"), (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody)),
    security(("session" = [])))]
async fn hide(
    State(db): State<DatabaseConnection>,
    driver: SubscribedDriver,
    PathId(id): PathId<u64>,
) -> Result<StatusCode, ApiError> {
    hidden::hide(&db, driver.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/cargos/{id}/hidden", tag = "loads",
    params(("id" = i64, Path, minimum = 1, description = "The load's id on the exchange")),
    responses((status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody), (status = 204, description = "Shown again"), (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody)),
    security(("session" = [])))]
async fn unhide(
    State(db): State<DatabaseConnection>,
    driver: SubscribedDriver,
    PathId(id): PathId<u64>,
) -> Result<StatusCode, ApiError> {
    hidden::unhide(&db, driver.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CitiesQuery {
    /// The first letters of the city's name.
    q: String,
}

impl From<NotLoaded> for ApiError {
    fn from(_: NotLoaded) -> Self {
        ApiError::from(ErrorCode::CitiesNotLoaded)
    }
}

#[utoipa::path(get, path = "/api/v1/cities", tag = "dictionaries", params(CitiesQuery),
    responses(
        (status = 200, description = "Up to 20 points whose name starts with `q` (two letters or more; Cyrillic or Latin, `ё` as `е`): an exact name first, then cities before regions, then by name. Answered from the exchange's points dictionary held by Hauler, never by a call to the exchange", body = Vec<City>),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 503, description = "`cities_not_loaded`: the dictionary has not been loaded from the exchange yet", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn cities(
    State(cities): State<Arc<Cities>>,
    _driver: SignedInDriver,
    query: Result<Query<CitiesQuery>, QueryRejection>,
) -> Result<Json<Vec<City>>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    Ok(Json(cities.search(&query.q)?))
}

/// One entry of a built-in dictionary.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct DictionaryEntry {
    id: u32,
    name: &'static str,
    short_name: &'static str,
}

/// The exchange's body and loading types, which the filter's `truck_types` and `load_types` name
/// by id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Dictionaries {
    truck_types: Vec<DictionaryEntry>,
    load_types: Vec<DictionaryEntry>,
}

#[utoipa::path(get, path = "/api/v1/dictionaries", tag = "dictionaries",
    responses((status = 200, description = "Body and loading types", body = Dictionaries)))]
async fn dictionaries() -> Json<Dictionaries> {
    let entries = |dictionary: &[(u32, &'static str, &'static str)]| {
        dictionary
            .iter()
            .map(|&(id, name, short_name)| DictionaryEntry {
                id,
                name,
                short_name,
            })
            .collect()
    };
    Json(Dictionaries {
        truck_types: entries(&TRUCK_TYPES),
        load_types: entries(&LOAD_TYPES),
    })
}

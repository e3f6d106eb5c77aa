//! `/api/v1/cargos/near`, `/back-home` and `/along`: searches by place (see `crate::geo`). Each
//! answers a page of cards placed relative to the search, with the driver's own marks laid over
//! them as on the ordinary list.

use app::cargo::{filter::SortOrder, place::PlacedPage};
use axum::{
    Json, Router,
    extract::{Query, State, rejection::QueryRejection},
    routing::get,
};
use domain::profiles;
use serde::Deserialize;

use super::{cargo::marks_among, state::ApiState};
use crate::{
    cargotech::Payer,
    geo::{AlongRoute, BackHome, Found, NearSpot, SearchError, earth::Spot},
    web::{ApiError, ErrorCode, extract::SubscribedDriver},
};

/// Radii and corridors a search takes, km.
const KM: std::ops::RangeInclusive<u32> = 10..=500;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/cargos/near", get(near))
        .route("/api/v1/cargos/back-home", get(back_home))
        .route("/api/v1/cargos/along", get(along))
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::Gateway(error) => error.into(),
            SearchError::NotLocated(_) => ErrorCode::PlaceNotLocated.into(),
        }
    }
}

/// A page's `limit`: 1 to 100, 20 when absent.
fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(20),
        Some(limit @ 1..=100) => Ok(limit),
        Some(_) => Err(ApiError::bad_query("limit: 1 to 100")),
    }
}

fn km(value: u32) -> Result<f64, ApiError> {
    if KM.contains(&value) {
        Ok(f64::from(value))
    } else {
        Err(ErrorCode::InvalidPlace.into())
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct NearQuery {
    /// The driver's latitude, degrees (with `lon`).
    #[param(minimum = -90, maximum = 90)]
    lat: Option<f64>,
    /// The driver's longitude, degrees (with `lat`).
    #[param(minimum = -180, maximum = 180)]
    lon: Option<f64>,
    /// Instead of coordinates: a city the driver chose (when they would not share where they
    /// are), from `GET /api/v1/cities`.
    #[param(minimum = 1)]
    city_id: Option<u32>,
    /// Loads leaving within this many km (great circle) of the driver.
    #[param(minimum = 10, maximum = 500)]
    radius_km: u32,
    /// Absent: the search's own order (the nearest first). Else `newest`, `price`, `price_per_km`,
    /// `distance` or `loading_date`, over all the loads found (ties keep the search's order).
    sort: Option<SortOrder>,
    #[serde(default)]
    offset: u32,
    /// Loads a page (1 to 100; 20 when absent).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/cargos/near", tag = "loads", params(NearQuery),
    responses(
        (status = 200, description = "Loads leaving the points dictionary's cities within the radius (the nearest 10 cities, each city's loads up to its first 1,000 gathered from the windows its ordinary list pages through; `capped` when a city had more), nearest first unless `sort` says otherwise, every page cut from the one order, each with its loading city's distance from the driver", body = PlacedPage),
        (status = 400, description = "`invalid_query`: neither `lat` with `lon` nor `city_id` (with both, `lat` and `lon` are used)", body = app::session::ApiErrorBody),
        (status = 422, description = "`invalid_place`: coordinates off the globe or a radius outside 10 to 500 km; `place_not_located`: a city the gazetteer does not know", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody), (status = 429, description = "`too_many_requests`: the driver's share of the exchange's calls is spent", body = app::session::ApiErrorBody), (status = 503, description = "`cities_not_loaded`, `upstream_busy`, `upstream_unavailable` or `upstream_login_pending`", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn near(
    State(state): State<ApiState>,
    driver: SubscribedDriver,
    query: Result<Query<NearQuery>, QueryRejection>,
) -> Result<Json<PlacedPage>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let limit = page_limit(query.limit)?;
    let places = state.cities.places()?;
    let spot = match (query.lat, query.lon, query.city_id) {
        // Where the driver is comes before the city they named.
        (Some(lat), Some(lon), _) => Spot::new(lat, lon).ok_or(ErrorCode::InvalidPlace)?,
        (_, _, Some(city_id)) => places.get(city_id).ok_or(ErrorCode::PlaceNotLocated)?.spot,
        _ => return Err(ApiError::bad_query("lat and lon, or city_id")),
    };
    let search = NearSpot {
        spot,
        radius_km: km(query.radius_km)?,
    };
    let found = search
        .search(&state.gateway, Payer::Driver(driver.id), &places)
        .await?;
    overlaid(&state, &driver, found, query.sort, query.offset, limit).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct BackHomeQuery {
    /// The delivery's unloading city (`to_city_id` of its card): loads leave from it and the
    /// cities within `radius_km` of it.
    #[param(minimum = 1)]
    from_city_id: u32,
    /// The delivery's loading city (`from_city_id` of its card): the loads go towards it unless
    /// the driver's profile names a home city.
    #[param(minimum = 1)]
    origin_city_id: u32,
    /// The delivery's unloading day, `YYYY-MM-DD`: loads load on it or later.
    #[param(format = Date, pattern = r"^[2-9][0-9]{3}-[0-9]{2}-[0-9]{2}$")]
    loading_from: Option<String>,
    /// How far from the unloading city a load may leave, and from home it may end (100 when absent).
    #[param(minimum = 10, maximum = 500)]
    radius_km: Option<u32>,
    /// Absent: the search's own order (nearest the unloading city first, then the nearest home). Else `newest`, `price`, `price_per_km`,
    /// `distance` or `loading_date`, over all the loads found (ties keep the search's order).
    sort: Option<SortOrder>,
    #[serde(default)]
    offset: u32,
    /// Loads a page (1 to 100; 20 when absent).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/cargos/back-home", tag = "loads", params(BackHomeQuery),
    responses(
        (status = 200, description = "«Обратный груз»: loads from the unloading city and the cities near it towards the driver's home city (the profile's), or the delivery's origin when none is set (`toward` says which), loading on or after the unloading day; nearest the unloading city first unless `sort` says otherwise (each city's loads up to its first 1,000; `capped` when a city had more)", body = PlacedPage),
        (status = 422, description = "`place_not_located`: a city the gazetteer does not know; `invalid_place`: a radius outside 10 to 500 km; `invalid_query`: a day not `YYYY-MM-DD`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody), (status = 429, description = "`too_many_requests`: the driver's share of the exchange's calls is spent", body = app::session::ApiErrorBody), (status = 503, description = "`cities_not_loaded`, `upstream_busy`, `upstream_unavailable` or `upstream_login_pending`", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn back_home(
    State(state): State<ApiState>,
    driver: SubscribedDriver,
    query: Result<Query<BackHomeQuery>, QueryRejection>,
) -> Result<Json<PlacedPage>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let limit = page_limit(query.limit)?;
    if let Some(day) = &query.loading_from
        && chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err()
    {
        return Err(ApiError::bad_query("loading_from: YYYY-MM-DD"));
    }
    let home = profiles::get(&state.db, driver.id)
        .await?
        .and_then(|profile| profile.home_city)
        .map(|home| home.city_id);
    let search = BackHome {
        unloading_city_id: query.from_city_id,
        toward_city_id: home.unwrap_or(query.origin_city_id),
        loading_from: query.loading_from,
        radius_km: km(query.radius_km.unwrap_or(100))?,
    };
    let places = state.cities.places()?;
    let (found, toward) = search
        .search(&state.gateway, Payer::Driver(driver.id), &places)
        .await?;
    let Json(mut page) = overlaid(&state, &driver, found, query.sort, query.offset, limit).await?;
    page.toward = Some(toward);
    Ok(Json(page))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AlongQuery {
    /// Where the route starts (a city from `GET /api/v1/cities`).
    #[param(minimum = 1)]
    from_city_id: u32,
    /// Where it ends.
    #[param(minimum = 1)]
    to_city_id: u32,
    /// How far off the route (great circle) a load may load and unload, km (50 when absent).
    #[param(minimum = 10, maximum = 500)]
    corridor_km: Option<u32>,
    /// Absent: the search's own order (the fewest km of detour first). Else `newest`, `price`, `price_per_km`,
    /// `distance` or `loading_date`, over all the loads found (ties keep the search's order).
    sort: Option<SortOrder>,
    #[serde(default)]
    offset: u32,
    /// Loads a page (1 to 100; 20 when absent).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/cargos/along", tag = "loads", params(AlongQuery),
    responses(
        (status = 200, description = "Loads on the way from one city to another: loading and unloading within the corridor of the great circle between them, the unloading point further along; the fewest km of detour first (`detour_km`: what the load adds to the route). Up to 10 cities on the way are searched, spread along it, each city's loads up to its first 1,000 (`capped` when a city had more); every page is cut from the one order over all of them", body = PlacedPage),
        (status = 422, description = "`place_not_located`: a city the gazetteer does not know; `invalid_place`: a corridor outside 10 to 500 km", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody), (status = 429, description = "`too_many_requests`: the driver's share of the exchange's calls is spent", body = app::session::ApiErrorBody), (status = 503, description = "`cities_not_loaded`, `upstream_busy`, `upstream_unavailable` or `upstream_login_pending`", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn along(
    State(state): State<ApiState>,
    driver: SubscribedDriver,
    query: Result<Query<AlongQuery>, QueryRejection>,
) -> Result<Json<PlacedPage>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let limit = page_limit(query.limit)?;
    let search = AlongRoute {
        from_city_id: query.from_city_id,
        to_city_id: query.to_city_id,
        corridor_km: km(query.corridor_km.unwrap_or(50))?,
    };
    let places = state.cities.places()?;
    let found = search
        .search(&state.gateway, Payer::Driver(driver.id), &places)
        .await?;
    overlaid(&state, &driver, found, query.sort, query.offset, limit).await
}

/// The page, without the loads the driver hid and with those they responded to marked.
async fn overlaid(
    state: &ApiState,
    driver: &SubscribedDriver,
    mut found: Found,
    sort: Option<SortOrder>,
    offset: u32,
    limit: u32,
) -> Result<Json<PlacedPage>, ApiError> {
    if let Some(order) = sort {
        found.sort(order);
    }
    let ids = found.ids();
    let marks = marks_among(state, driver.id, ids.into_iter()).await?;
    found.retain(|card| !marks.hidden.contains(&card.id));
    let mut page = found.page(offset, limit);
    for placed in &mut page.cards {
        placed.card.responded = marks.responded.contains(&placed.card.id);
    }
    Ok(Json(page))
}

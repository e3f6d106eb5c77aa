//! `/api/v1/cargos…` and `/api/v1/cities`: Hauler's own JSON API over the gateway, for the Mini
//! App, other clients and monitoring. The shared, cached data comes from the gateway; what is
//! the driver's own (responded, hidden) is laid over it per request, from the driver's marks as
//! this instance read them a moment ago (a change made here is seen at once); a page with none of
//! them among its loads goes out as the JSON written a moment ago (`served_pages`). While the
//! database cannot answer, the copy of the driver's marks the store keeps stands in for it, so
//! cached lists and cards keep flowing through an outage.

use std::{sync::Arc, time::Instant};

use app::{
    api::query_string,
    board::PAGE_SIZE,
    cargo::{
        card::{CargoCard, CargoDetail, CargoPage, PendingDetail, PendingPage},
        dictionary::{City, LOAD_TYPES, TRUCK_TYPES},
        filter::{
            CargoFilter, ListMode, PlaceFilter, Range, SortOrder, WeightCategory, WeightPreset,
            WeightVolume,
        },
        response::{CargoResponse, StatusChange},
    },
};
use axum::{
    Json, Router,
    extract::{Query, Request, State, rejection::QueryRejection},
    http::{HeaderValue, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use domain::{DriverId, database, drivers, hidden, marks, outbox, profiles, responses};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::{
    served_pages::{self, Made, ServedPage, Turn},
    state::ApiState,
};
use crate::{
    bot::messages,
    cargotech::{CardAnswer, CardLead, GatewayError, Listed, Payer, UpstreamError, noting_waits},
    cities::{Cities, NotLoaded},
    doors::Door,
    shippers::question,
    web::{
        ApiError, ErrorCode, Fault,
        extract::{JsonBody, PathId, SignedInDriver, SubscribedDriver},
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
    /// The loading city's id in the points dictionary (`GET /api/v1/cities`).
    #[param(minimum = 1)]
    from_city_id: Option<u32>,
    /// Its `point_type` from the dictionary (2 when absent). A point type or a radius without
    /// its city is `422 invalid_filter`.
    #[param(minimum = 1, maximum = 255)]
    from_point_type: Option<u8>,
    #[param(maximum = 500)]
    from_radius_km: Option<u32>,
    #[param(minimum = 1)]
    to_city_id: Option<u32>,
    #[param(minimum = 1, maximum = 255)]
    to_point_type: Option<u8>,
    #[param(maximum = 500)]
    to_radius_km: Option<u32>,
    /// `YYYY-MM-DD`, from the year 2000.
    #[param(format = Date, pattern = r"^[2-9][0-9]{3}-[0-9]{2}-[0-9]{2}$")]
    loading_date: Option<String>,
    /// A weight and volume: a category, a preset, or both `tonnes` and `cubic_metres` (one of
    /// the three; more, or `tonnes` without `cubic_metres`, is `422 invalid_filter`).
    weight_category: Option<WeightCategory>,
    weight_preset: Option<WeightPreset>,
    #[param(minimum = 0.1, maximum = 1000.0)]
    tonnes: Option<f64>,
    #[param(minimum = 0.1, maximum = 200.0)]
    cubic_metres: Option<f64>,
    /// Comma-separated loading type ids (`GET /api/v1/dictionaries`), at most 30.
    #[param(pattern = r"^([0-9]{1,9}(,[0-9]{1,9}){0,29})?$")]
    load_types: Option<String>,
    /// Comma-separated body type ids (`GET /api/v1/dictionaries`), at most 30.
    #[param(pattern = r"^([0-9]{1,9}(,[0-9]{1,9}){0,29})?$")]
    truck_types: Option<String>,
    #[param(maximum = 20000)]
    distance_min_km: Option<u32>,
    #[param(maximum = 20000)]
    distance_max_km: Option<u32>,
    #[param(maximum = 100000000)]
    price_min_rub: Option<u64>,
    #[param(maximum = 100000000)]
    price_max_rub: Option<u64>,
    #[param(minimum = 0, maximum = 10000)]
    price_per_km_min_rub: Option<f64>,
    #[param(minimum = 0, maximum = 10000)]
    price_per_km_max_rub: Option<f64>,
    /// 10 or 12 digits with valid check digits.
    #[param(pattern = r"^([0-9]{10}|[0-9]{12})$")]
    shipper_inn: Option<String>,
    mode: Option<ListMode>,
    sort: Option<SortOrder>,
    #[serde(default)]
    offset: u32,
    /// Loads a page (1 to 100; 20 when absent).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

impl ListQuery {
    pub(super) fn into_filter(self) -> Result<(CargoFilter, u32, u32), ApiError> {
        let limit = match self.limit {
            None => 20,
            Some(limit @ 1..=100) => limit,
            Some(_) => return Err(ApiError::bad_query("limit: 1 to 100")),
        };
        let place = |id: Option<u32>, point_type: Option<u8>, radius: Option<u32>| match id {
            Some(city_id) => Ok(Some(PlaceFilter {
                city_id,
                point_type: point_type.unwrap_or(2),
                city_name: String::new(),
                radius_km: radius.unwrap_or(0),
            })),
            None if point_type.is_none() && radius.is_none() => Ok(None),
            // Said about no place: the client meant one and lost it.
            None => Err(ErrorCode::InvalidFilter(Fault::Unacceptable)
                .with_message("Тип точки и радиус — только вместе с городом")),
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
                return Err(ErrorCode::InvalidFilter(Fault::Unacceptable).with_message(
                    "Вес и объём: категория, вариант машины или тонны вместе с кубометрами",
                ));
            }
        };
        let filter = CargoFilter {
            from: place(self.from_city_id, self.from_point_type, self.from_radius_km)?,
            to: place(self.to_city_id, self.to_point_type, self.to_radius_km)?,
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
        Ok((filter, self.offset, limit))
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
        (status = 200, description = "A page of loads, newest first unless sorted otherwise. Sorted otherwise, the order is over the whole result (up to its first 1,000 loads in the exchange's order; `capped` says the exchange had more, and `total` is then 1,000), so page after page continues one order. Each card's `age_seconds` is from the exchange's own posting time. On a first page (`offset` 0), `gone` lists loads this driver saw on the first page of the same search last time that the exchange no longer lists. `stale` carries the age of data served while the exchange is down", body = CargoPage),
        (status = 422, description = "`invalid_filter`, with every field's problem", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody), (status = 429, description = "`too_many_requests`: the driver's share of the exchange's calls is spent; `Retry-After` says when it frees (cached answers are still served)", body = app::session::ApiErrorBody), (status = 503, description = "`upstream_unavailable` or `upstream_login_pending`", body = app::session::ApiErrorBody),
        (status = 202, description = "The page is on its way: every call the exchange allows is taken for now, and the question waits for one (a cold start, a crowd arriving at once). The fetch goes on without the request; ask again after `ask_again_seconds` (also in `Retry-After`) to get the page or join its fetch. A request is held up to 1.5 s before this answer while other lists wait for the exchange too (a quarter of a second when the lists ahead take the budget longer than that), and as long as its fetch takes while none do. A busy exchange is never a refusal", body = PendingPage),
    ),
    security(("session" = [])))]
async fn list(
    State(state): State<ApiState>,
    driver: SubscribedDriver,
    request: Request,
) -> Result<Response, ApiError> {
    let asked = request.uri().query().unwrap_or_default();
    let (filter, offset, limit) = read_query(request.uri())?;
    match answer(&state, driver.id, asked, &filter, offset, limit).await? {
        ListAnswer::Served(served) => {
            if accepts_gzip(request.headers()) {
                let gzipped = [(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))];
                let vary = [(header::VARY, HeaderValue::from_static("accept-encoding"))];
                return Ok(([JSON], gzipped, vary, served.gzipped()).into_response());
            }
            Ok(([JSON], served.json.clone()).into_response())
        }
        ListAnswer::Own(page) => Ok(Json(page).into_response()),
        ListAnswer::Later(pending) => {
            let again = [(header::RETRY_AFTER, pending.ask_again_seconds.to_string())];
            Ok((StatusCode::ACCEPTED, again, Json(pending)).into_response())
        }
    }
}

/// The first page of the driver's last filter as `GET /api/v1/cargos` would answer it now, for a
/// sign-in that brings it along (one round trip less on a phone's first opening). None when it is
/// not ready (on its way from a busy exchange) or was refused: the app then asks as it always did.
pub(super) async fn first_page(
    state: &ApiState,
    driver: DriverId,
    filter: &CargoFilter,
) -> Option<CargoPage> {
    let asked = query_string(&filter.api_query(0, PAGE_SIZE));
    let answered = match read_asked(&asked) {
        Ok((filter, offset, limit)) => answer(state, driver, &asked, &filter, offset, limit).await,
        Err(refused) => Err(refused),
    };
    match answered {
        Ok(ListAnswer::Served(served)) => Some(served.page.clone()),
        Ok(ListAnswer::Own(page)) => Some(page),
        Ok(ListAnswer::Later(_)) => None,
        Err(refused) => {
            tracing::debug!(
                code = refused.code().as_str(),
                "a sign-in's first page was not brought along"
            );
            None
        }
    }
}

/// The list's query string as a filter, an offset and a page size.
fn read_query(uri: &Uri) -> Result<(CargoFilter, u32, u32), ApiError> {
    let Query(query) = Query::<ListQuery>::try_from_uri(uri).map_err(ApiError::bad_query)?;
    query.into_filter()
}

/// [`read_query`] of a query string on its own, not a request's.
fn read_asked(asked: &str) -> Result<(CargoFilter, u32, u32), ApiError> {
    let uri: Uri = format!("/?{asked}").parse().map_err(ApiError::bad_query)?;
    read_query(&uri)
}

/// A page of loads as one driver gets it.
enum ListAnswer {
    /// The JSON written a moment ago: none of the driver's own marks among its loads.
    Served(Arc<ServedPage>),
    /// The page with what is the driver's own laid over it.
    Own(CargoPage),
    /// On its way from a busy exchange.
    Later(PendingPage),
}

/// What `GET /api/v1/cargos` answers this driver for this question (`asked`, its query string).
async fn answer(
    state: &ApiState,
    driver: DriverId,
    asked: &str,
    filter: &CargoFilter,
    offset: u32,
    limit: u32,
) -> Result<ListAnswer, ApiError> {
    let served = match state.pages.recall(asked) {
        Some(served) => {
            state.gateway.note_served_list_page();
            served
        }
        None => match made_once(state, asked, driver, filter, offset, limit).await? {
            Made::Page(served) => served,
            Made::Later(pending) => return Ok(ListAnswer::Later(pending)),
        },
    };
    // A first page is the driver's look at the list: what left it since the last one is said.
    let gone = if offset == 0 {
        state
            .gateway
            .gone_since_last_look(driver, filter, &served.page.cards)
            .await
    } else {
        Vec::new()
    };
    let ids = served.page.cards.iter().map(|card| card.id);
    let marks = marks_among(state, driver, ids).await?;
    let marked = |id: &u64| marks.hidden.contains(id) || marks.responded.contains(id);
    if gone.is_empty() && !served.page.cards.iter().any(|card| marked(&card.id)) {
        return Ok(ListAnswer::Served(served));
    }
    let mut page = served.page.clone();
    page.gone = gone;
    page.cards.retain(|card| !marks.hidden.contains(&card.id));
    for card in &mut page.cards {
        card.responded = marks.responded.contains(&card.id);
    }
    Ok(ListAnswer::Own(page))
}

/// A page nobody answered a moment ago, made by the first driver asking for it; the others
/// asking meanwhile take what it made (or, when it made nothing, make their own).
async fn made_once(
    state: &ApiState,
    asked: &str,
    driver: DriverId,
    filter: &CargoFilter,
    offset: u32,
    limit: u32,
) -> Result<Made, ApiError> {
    match state.pages.turn(asked) {
        Turn::Make(making) => {
            let made = make_page(state, driver, filter, offset, limit).await?;
            making.made(&state.pages, &made);
            Ok(made)
        }
        Turn::Wait(told) => match served_pages::waited(told).await {
            Some(made) => Ok(made),
            None => {
                let made = make_page(state, driver, filter, offset, limit).await?;
                if let Made::Page(page) = &made {
                    state.pages.hold(asked, page);
                }
                Ok(made)
            }
        },
    }
}

/// The gateway's page with the shippers' marks over its cards, written out as JSON.
async fn make_page(
    state: &ApiState,
    driver: DriverId,
    filter: &CargoFilter,
    offset: u32,
    limit: u32,
) -> Result<Made, ApiError> {
    let listed = state
        .gateway
        .list_or_later(Payer::Driver(driver), filter.clone(), offset, limit)
        .await?;
    let mut page = match listed {
        Listed::Page(page) => page,
        Listed::Later(pending) => return Ok(Made::Later(pending)),
    };
    lay_shipper_marks(state, &mut page.cards).await;
    Ok(Made::Page(Arc::new(ServedPage::of(page))))
}

fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    crate::web::accepts_encoding(headers, "gzip")
}

const JSON: (header::HeaderName, HeaderValue) = (
    header::CONTENT_TYPE,
    HeaderValue::from_static("application/json"),
);

/// Shippers' marks over the cards. An extra: while the database cannot answer they are left off
/// and the loads still flow.
async fn lay_shipper_marks(state: &ApiState, cards: &mut [CargoCard]) {
    lay_with(state, state.shippers.lay_marks(cards)).await;
}

/// The shipper's mark over a load's detail, the shipper as the detail names it; an extra as
/// [`lay_shipper_marks`].
async fn lay_detail_shipper_mark(state: &ApiState, detail: &mut CargoDetail) {
    lay_with(state, state.shippers.lay_mark_of_detail(detail)).await;
}

/// Lays marks with `laying` unless the database is down; a failure leaves them off. Only a
/// failure is noted: marks laid may all have been remembered, which says nothing of the database
/// (noted as back, it was asked again by every request, each waiting on the pool).
async fn lay_with(state: &ApiState, laying: impl Future<Output = Result<(), DbErr>>) {
    if state.outages.is_down() {
        return;
    }
    if let Err(error) = laying.await {
        tracing::warn!(%error, "shippers' marks are left off the cards");
        state.outages.note::<()>(&Err(error));
    }
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

/// The driver's marks among these loads: from the database (all of them, read a moment ago or
/// now), or, while it cannot answer, as the store remembers them. Marks read a moment ago say
/// nothing of the database now, so they are not noted as its answer.
pub(super) async fn marks_among(
    state: &ApiState,
    driver_id: DriverId,
    ids: impl Iterator<Item = u64> + Clone,
) -> Result<Arc<marks::Marks>, ApiError> {
    let recent = state.store.recent_marks();
    if let Some(all) = recent.recall(driver_id) {
        return Ok(all);
    }
    if !state.outages.is_down() {
        let read = match recent.of(&state.db, driver_id).await {
            Ok(Some(all)) => Ok(all),
            Ok(None) => marks::among(&state.db, driver_id, ids.clone())
                .await
                .map(Arc::new),
            Err(error) => Err(error),
        };
        state.outages.note(&read);
        match read {
            Err(error) if database::is_outage(&error) => {
                tracing::warn!(%error, "the database is down: a driver's marks come from the store");
            }
            read => return Ok(read?),
        }
    }
    Ok(Arc::new(
        marks::remembered_among(&state.store, driver_id, ids).await,
    ))
}

/// Keeps the store's copy of the driver's marks up to date after a change; a failure leaves the
/// copy behind until the next change or sign-in, which matters only during an outage.
async fn remember_marks(state: &ApiState, driver_id: DriverId) {
    if let Err(error) = marks::remember(&state.db, &state.store, driver_id).await {
        tracing::warn!(%error, "a driver's marks could not be copied to the store");
    }
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
        (status = 200, description = "The load with its note, addresses and contacts; `card.age_seconds` from the exchange's own posting time. A detail Hauler has held longer than `CACHE_DETAIL_CONFIRM_AFTER_SECONDS` (15 s) is confirmed with the exchange before it is served (from the budget's spare share, waiting at most 1.5 s; when there is no spare slot it is served as held)", body = CargoDetail),
        (status = 202, description = "The detail waits in line for the exchange (the budget has no slot for it now): what the list showed of the load, its place in line, an estimate, and when to ask again (`ask_again_seconds`, also in `Retry-After`). A first ask waits up to 1.5 s for the card, not at all when the cards ahead take the budget longer than that. Asked again when the card is due within 5 s, the answer waits for it that long and comes as soon as it does; asked while the card is still far off, it is answered at once. The place is kept as long as the driver keeps asking when told. A long line is never a refusal", body = PendingDetail),
        (status = 404, description = "`cargo_not_available`: taken or withdrawn (said as soon as the exchange says so, even when a detail was held), or not listed by the exchange lately (unless the driver responded to it or opened a link the bot sent; while the shared store is down, what other instances listed is out of sight and the exchange is asked)", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody), (status = 429, description = "`too_many_requests`: the driver's share of the exchange's calls is spent; `Retry-After` says when it frees (cached answers are still served)", body = app::session::ApiErrorBody), (status = 503, description = "`upstream_unavailable` or `upstream_login_pending`", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn detail(
    State(state): State<ApiState>,
    driver: SubscribedDriver,
    PathId(id): PathId<u64>,
    query: Result<Query<CardQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let responded = marks_among(&state, driver.id, std::iter::once(id))
        .await?
        .responded
        .contains(&id);
    // A driver's own response keeps its card open, however long ago it was listed.
    let lead = match lead_of(&state, id, query)? {
        CardLead::Unvouched if responded => CardLead::Vouched,
        lead => lead,
    };
    match state.gateway.card(driver.id, id, lead).await? {
        CardAnswer::Ready(detail) => {
            let mut detail = detail.ok_or_else(taken)?;
            detail.card.responded = responded;
            lay_detail_shipper_mark(&state, &mut detail).await;
            Ok(Json(*detail).into_response())
        }
        CardAnswer::Pending(mut pending) => {
            if let Some(card) = &mut pending.card {
                card.responded = responded;
                lay_shipper_marks(&state, std::slice::from_mut(card)).await;
            }
            let again = [(header::RETRY_AFTER, pending.ask_again_seconds.to_string())];
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
        (status = 503, description = "`detail_not_fetched`: the load's card could not be fetched while the request waited (it stays in line: try again), `upstream_unavailable` or `upstream_login_pending`", body = app::session::ApiErrorBody),
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
    // An age is true the moment it is said: the response keeps the load, not how old it was.
    detail.card.age_seconds = None;
    let language = drivers::by_id(&state.db, driver.id)
        .await?
        .and_then(|profile| profile.language_code);
    let profile = profiles::get(&state.db, driver.id)
        .await?
        .unwrap_or_default();
    let asked_in = profile.language.as_deref().or(language.as_deref());

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
        // A day later the bot asks how it went, for the shipper's score.
        question::schedule(
            &transaction,
            question::Asked {
                driver_id: driver.id,
                chat_id: driver.telegram_id,
                language: asked_in,
            },
            &detail,
            question::ask_at(&profile, chrono::Utc::now()),
        )
        .await?;
    }
    transaction.commit().await?;
    if recorded.created {
        remember_marks(&state, driver.id).await;
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
    JsonBody(change): JsonBody<StatusChange>,
) -> Result<Json<CargoResponse>, ApiError> {
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
    State(state): State<ApiState>,
    driver: SubscribedDriver,
    PathId(id): PathId<u64>,
) -> Result<StatusCode, ApiError> {
    hidden::hide(&state.db, driver.id, id).await?;
    remember_marks(&state, driver.id).await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/cargos/{id}/hidden", tag = "loads",
    params(("id" = i64, Path, minimum = 1, description = "The load's id on the exchange")),
    responses((status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody), (status = 204, description = "Shown again"), (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody)),
    security(("session" = [])))]
async fn unhide(
    State(state): State<ApiState>,
    driver: SubscribedDriver,
    PathId(id): PathId<u64>,
) -> Result<StatusCode, ApiError> {
    hidden::unhide(&state.db, driver.id, id).await?;
    remember_marks(&state, driver.id).await;
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

#[cfg(test)]
mod generated {
    //! The list's query string, generated: any text, and queries made of the list's own
    //! parameters with values free to be wrong. Reading never panics and each refusal is the
    //! API's typed error (`invalid_query`, `invalid_filter`); a filter the Mini App builds reads
    //! back as the same filter.

    use app::cargo::filter::{WeightCategory, WeightPreset};
    use proptest::prelude::*;

    use super::*;

    const NAMES: &[&str] = &[
        "from_city_id",
        "from_point_type",
        "from_radius_km",
        "to_city_id",
        "to_point_type",
        "to_radius_km",
        "loading_date",
        "weight_category",
        "weight_preset",
        "tonnes",
        "cubic_metres",
        "load_types",
        "truck_types",
        "distance_min_km",
        "distance_max_km",
        "price_min_rub",
        "price_max_rub",
        "price_per_km_min_rub",
        "price_per_km_max_rub",
        "shipper_inn",
        "mode",
        "sort",
        "offset",
        "limit",
    ];

    /// What `GET /api/v1/cargos` does with its query before the gateway.
    fn read(query: &str) -> Result<(CargoFilter, u32, u32), ApiError> {
        let (filter, offset, limit) = read_asked(query)?;
        filter.validate().map_err(|errors| {
            ApiError::from(ErrorCode::InvalidFilter(Fault::Unacceptable)).with_field_errors(errors)
        })?;
        Ok((filter, offset, limit))
    }

    fn refused_as_documented(error: &ApiError) -> bool {
        matches!(
            error.code(),
            ErrorCode::InvalidQuery | ErrorCode::InvalidFilter(Fault::Unacceptable)
        )
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{0,12}",
            "-?[0-9]{1,4}(\\.[0-9]{1,3})?",
            "[0-9,]{0,16}",
            "2[0-9]{3}-[0-9]{2}-[0-9]{2}",
            Just("one_to_three".to_owned()),
            Just("gazelle".to_owned()),
            Just("price".to_owned()),
            "[a-z_%&=]{0,8}",
        ]
    }

    fn any_filter() -> impl Strategy<Value = CargoFilter> {
        let place =
            (1u32..100_000, 1u8..=255, 0u32..=500).prop_map(|(city_id, point_type, radius_km)| {
                PlaceFilter {
                    city_id,
                    point_type,
                    city_name: String::new(),
                    radius_km,
                }
            });
        let weight = prop_oneof![
            Just(None),
            Just(Some(WeightVolume::Category {
                category: WeightCategory::OneToThree
            })),
            proptest::sample::select(WeightPreset::ALL.to_vec())
                .prop_map(|preset| Some(WeightVolume::Preset { preset })),
            (1u32..=10_000, 1u32..=2_000).prop_map(|(t, m)| Some(WeightVolume::Custom {
                tonnes: f64::from(t) / 10.0,
                cubic_metres: f64::from(m) / 10.0,
            })),
        ];
        let ids = proptest::collection::vec(any::<u32>(), 0..=30);
        (
            proptest::option::of(place.clone()),
            proptest::option::of(place),
            weight,
            ids.clone(),
            ids,
            (
                proptest::option::of(0u32..=20_000),
                proptest::option::of(0u64..=100_000_000),
            ),
            proptest::option::of(0u32..=10_000),
            proptest::sample::select(vec![
                SortOrder::Newest,
                SortOrder::Price,
                SortOrder::Distance,
            ]),
        )
            .prop_map(
                |(
                    from,
                    to,
                    weight_volume,
                    load_types,
                    truck_types,
                    (distance, price),
                    per_km,
                    sort,
                )| {
                    CargoFilter {
                        from,
                        to,
                        weight_volume,
                        load_types,
                        truck_types,
                        distance_km: Range {
                            min: distance,
                            max: None,
                        },
                        price_rub: Range {
                            min: None,
                            max: price,
                        },
                        price_per_km_rub: Range {
                            min: per_km.map(f64::from),
                            max: None,
                        },
                        sort,
                        ..CargoFilter::default()
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn any_query_string_is_a_filter_or_a_typed_refusal(query in ".{0,80}") {
            if let Err(error) = read(&query) {
                prop_assert!(refused_as_documented(&error));
            }
        }

        #[test]
        fn any_values_of_the_lists_parameters_are_a_filter_or_a_typed_refusal(
            pairs in proptest::collection::vec((proptest::sample::select(NAMES), value()), 0..8),
        ) {
            let query: Vec<String> = pairs.iter().map(|(name, value)| format!("{name}={value}")).collect();
            match read(&query.join("&")) {
                Ok((_, _, limit)) => prop_assert!((1..=100).contains(&limit)),
                Err(error) => prop_assert!(refused_as_documented(&error)),
            }
        }

        #[test]
        fn a_filter_the_mini_app_builds_reads_back_the_same(filter in any_filter(), offset in 0u32..10_000, limit in 1u32..=100) {
            let query: Vec<String> = filter
                .api_query(offset, limit)
                .into_iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            let read = read(&query.join("&"));
            prop_assert_eq!(read.map_err(|error| error.code()), Ok((filter, offset, limit)));
        }
    }
}

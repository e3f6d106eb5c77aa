//! `/api/v1/cargos`, `/api/v1/cargos/{id}`, `/api/v1/cities`: Hauler's own JSON API over the
//! gateway, for the Mini App, other clients and monitoring.

use std::sync::Arc;

use app::cargo::{
    card::{CargoDetail, CargoPage},
    filter::{CargoFilter, ListMode, PlaceFilter, Range, SortOrder, WeightPreset, WeightVolume},
};
use axum::{
    Json, Router,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::StatusCode,
    routing::get,
};
use serde::Deserialize;

use super::error::ApiError;
use crate::cargotech::{City, Gateway, GatewayError, UpstreamError};

pub fn routes(gateway: Arc<Gateway>) -> Router {
    Router::new()
        .route("/api/v1/cargos", get(list))
        .route("/api/v1/cargos/{id}", get(detail))
        .route("/api/v1/cities", get(cities))
        .with_state(gateway)
}

impl From<GatewayError> for ApiError {
    fn from(error: GatewayError) -> Self {
        match error {
            GatewayError::InvalidFilter(errors) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_filter",
                "Проверьте фильтр: некоторые значения не подходят",
            )
            .with_field_errors(errors),
            GatewayError::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "upstream_busy",
                "Биржа сейчас перегружена запросами, повторите через несколько секунд",
            ),
            GatewayError::Unavailable(UpstreamError::SmsCodeRequired) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "upstream_login_pending",
                "Свежие данные задерживаются: идёт вход на биржу, попробуйте позже",
            ),
            GatewayError::Unavailable(error) => {
                tracing::warn!(%error, "the exchange could not answer a driver");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "upstream_unavailable",
                    "Биржа грузов сейчас недоступна, попробуйте чуть позже",
                )
            }
        }
    }
}

/// The list's query string: flat, so any HTTP client can build it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    from_city_id: Option<u32>,
    from_point_type: Option<u8>,
    from_radius_km: Option<u32>,
    to_city_id: Option<u32>,
    to_point_type: Option<u8>,
    to_radius_km: Option<u32>,
    loading_date: Option<String>,
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
    fn into_filter(self) -> Result<(CargoFilter, u32, u32), ApiError> {
        let place = |id: Option<u32>, point_type: Option<u8>, radius: Option<u32>| {
            id.map(|city_id| PlaceFilter {
                city_id,
                point_type: point_type.unwrap_or(2),
                city_name: String::new(),
                radius_km: radius.unwrap_or(0),
            })
        };
        let weight_volume = match (self.weight_preset, self.tonnes, self.cubic_metres) {
            (Some(preset), None, None) => Some(WeightVolume::Preset { preset }),
            (None, Some(tonnes), Some(cubic_metres)) => Some(WeightVolume::Custom {
                tonnes,
                cubic_metres,
            }),
            (None, None, None) => None,
            _ => {
                return Err(ApiError::bad_query(
                    "weight: a preset, or both tonnes and cubic_metres",
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

async fn list(
    State(gateway): State<Arc<Gateway>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<CargoPage>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let (filter, offset, limit) = query.into_filter()?;
    Ok(Json(gateway.list(&filter, offset, limit).await?))
}

async fn detail(
    State(gateway): State<Arc<Gateway>>,
    Path(id): Path<String>,
) -> Result<Json<CargoDetail>, ApiError> {
    let id: u64 = id.parse().map_err(ApiError::bad_query)?;
    gateway.detail(id).await?.map(Json).ok_or_else(|| {
        ApiError::not_found(
            "cargo_not_available",
            "Этот груз уже недоступен: его забрали или сняли с биржи",
        )
    })
}

#[derive(Debug, Deserialize)]
struct CitiesQuery {
    q: String,
}

async fn cities(
    State(gateway): State<Arc<Gateway>>,
    query: Result<Query<CitiesQuery>, QueryRejection>,
) -> Result<Json<Vec<City>>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    Ok(Json(gateway.cities(&query.q).await?))
}

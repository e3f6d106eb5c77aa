//! How a driver's filter asks CargoTech for loads: the parameters of `GET /v2/cargos/views` (see
//! `shared/cargotech-api.md`). The exchange's vocabulary stays on the server; the browser only
//! knows Hauler's own API. The query is deterministic, so equal questions share one cache entry
//! whatever order or form they came in.
//!
//! A weight/volume category is a range, and the documented `filter[wv]` names only a truck (the
//! largest load that fits). A category therefore sends its largest truck as `filter[wv]`, which
//! the exchange is known to read, and its lower and upper ends as `filter[weight]` (kg, as list
//! items carry weight) and `filter[volume]` (m³), in the `"min,max"` form of the exchange's other
//! ranges: that pair is our assumption about the exchange, kept here and honoured by the sandbox.

use app::cargo::filter::{
    CUBIC_METRES, CargoFilter, ListMode, MAX_DISTANCE_KM, MAX_PRICE_PER_KM_RUB, MAX_PRICE_RUB,
    TONNES, WeightVolume,
};

/// A filter as the exchange's list query. A trait so that the filter, a type of the shared
/// crate, reads `filter.upstream_query(…)` here without carrying the exchange's words itself.
pub trait UpstreamQuery {
    /// The exchange's query parameters for one page, sorted by name: the same question always
    /// yields the same list, and so the same cache key.
    fn upstream_query(&self, limit: u32, offset: u32) -> Vec<(String, String)>;
}

impl UpstreamQuery for CargoFilter {
    fn upstream_query(&self, limit: u32, offset: u32) -> Vec<(String, String)> {
        let mut query: Vec<(String, String)> = vec![
            ("include".into(), "contacts".into()),
            ("limit".into(), limit.to_string()),
            ("offset".into(), offset.to_string()),
            (
                "filter[mode]".into(),
                match self.mode {
                    ListMode::All => "all".into(),
                    ListMode::My => "my".into(),
                },
            ),
            ("filter[user_id]".into(), "0".into()),
        ];
        let mut add = |name: &str, value: String| query.push((format!("filter[{name}]"), value));
        for (side, place) in [("start", &self.from), ("finish", &self.to)] {
            if let Some(place) = place {
                add(&format!("{side}_point_id"), place.city_id.to_string());
                add(&format!("{side}_point_type"), place.point_type.to_string());
                if place.radius_km > 0 {
                    add(&format!("{side}_point_radius"), place.radius_km.to_string());
                }
            }
        }
        if let Some(date) = &self.loading_date {
            add("start_date", date.clone());
        }
        if let Some((tonnes, cubic_metres)) =
            self.weight_volume.as_ref().and_then(WeightVolume::capacity)
        {
            add(
                "wv",
                format!("{}-{}", decimal(tonnes), decimal(cubic_metres)),
            );
        }
        if let Some(WeightVolume::Category { category }) = &self.weight_volume {
            let (tonnes, cubic_metres) = (category.tonnes(), category.cubic_metres());
            let kg = |tonnes: f64| decimal(tonnes * 1000.0);
            add(
                "weight",
                range(
                    kg(tonnes.min.unwrap_or(0.0)),
                    kg(tonnes.max.unwrap_or(TONNES.1)),
                ),
            );
            add(
                "volume",
                range(
                    decimal(cubic_metres.min.unwrap_or(0.0)),
                    decimal(cubic_metres.max.unwrap_or(CUBIC_METRES.1)),
                ),
            );
        }
        for (name, ids) in [
            ("load_types", &self.load_types),
            ("truck_types", &self.truck_types),
        ] {
            if !ids.is_empty() {
                let mut ids = ids.clone();
                ids.sort_unstable();
                ids.dedup();
                add(
                    name,
                    ids.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
                );
            }
        }
        if !self.distance_km.is_open() {
            add(
                "distance",
                range(
                    self.distance_km.min.unwrap_or(0),
                    self.distance_km.max.unwrap_or(MAX_DISTANCE_KM),
                ),
            );
        }
        if !self.price_rub.is_open() {
            let kopecks = |rub: u64| rub.saturating_mul(100);
            add(
                "price",
                range(
                    kopecks(self.price_rub.min.unwrap_or(0)),
                    kopecks(self.price_rub.max.unwrap_or(MAX_PRICE_RUB)),
                ),
            );
        }
        if !self.price_per_km_rub.is_open() {
            let kopecks = |rub: f64| (rub * 100.0).round() as u64;
            add(
                "price_per_km",
                range(
                    kopecks(self.price_per_km_rub.min.unwrap_or(0.0)),
                    kopecks(self.price_per_km_rub.max.unwrap_or(MAX_PRICE_PER_KM_RUB)),
                ),
            );
        }
        if let Some(inn) = &self.shipper_inn {
            add("owner_company", inn.clone());
        }
        query.sort();
        query
    }
}

/// The exchange's ranges: `"min,max"`, both ends always given.
fn range(min: impl ToString, max: impl ToString) -> String {
    format!("{},{}", min.to_string(), max.to_string())
}

/// `1.5`, `20`, `0.25`: no trailing zeros, so 20 and 20.0 make one cache key.
fn decimal(value: f64) -> String {
    let text = format!("{:.3}", value);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests;

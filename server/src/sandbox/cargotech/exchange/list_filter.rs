//! The list's filters (`filter[…]` query parameters) as the exchange reads and applies them.
//! `filter[wv]` names a truck (the load must fit it); `filter[weight]` (kg) and `filter[volume]`
//! (m³) are `"min,max"` ranges like the others, and a load with no volume is outside any volume
//! range, as a database comparison with a missing value is.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Load, Refusal, catalog, laravel_error};
use crate::sandbox::cargotech::catalog::CITIES;

/// The list's filters, parsed from `filter[…]` parameters; bad values answer 422 as Laravel does.
pub(super) struct ListFilter {
    pub(super) limit: usize,
    pub(super) offset: usize,
    mode_my: bool,
    start: Option<(usize, f64)>,
    finish: Option<(usize, f64)>,
    start_date: Option<String>,
    wv: Option<(f64, f64)>,
    weight: Option<(f64, f64)>,
    volume: Option<(f64, f64)>,
    load_types: Vec<u32>,
    truck_types: Vec<u32>,
    distance: Option<(f64, f64)>,
    price: Option<(f64, f64)>,
    price_per_km: Option<(f64, f64)>,
    owner_company: Option<String>,
}

impl ListFilter {
    pub(super) fn parse(query: &HashMap<String, String>) -> Result<Self, Refusal> {
        let get = |name: &str| {
            query
                .get(name)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        let number = |name: &str| -> Result<Option<f64>, Refusal> {
            get(name)
                .map(|v| {
                    v.parse::<f64>()
                        .map_err(|_| laravel_error(name, "The value must be a number."))
                })
                .transpose()
        };
        let pair = |name: &str, separator: char| -> Result<Option<(f64, f64)>, Refusal> {
            let Some(value) = get(name) else {
                return Ok(None);
            };
            let (a, b) = value
                .split_once(separator)
                .ok_or_else(|| laravel_error(name, "The format is invalid."))?;
            match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(a), Ok(b)) => Ok(Some((a, b))),
                _ => Err(laravel_error(name, "The format is invalid.")),
            }
        };
        let ids = |name: &str| -> Result<Vec<u32>, Refusal> {
            get(name)
                .map(|v| {
                    v.split(',')
                        .map(|id| {
                            id.trim()
                                .parse()
                                .map_err(|_| laravel_error(name, "The ids are invalid."))
                        })
                        .collect()
                })
                .unwrap_or(Ok(Vec::new()))
        };
        let point = |side: &str| -> Result<Option<(usize, f64)>, Refusal> {
            let Some(id) = number(&format!("filter[{side}_point_id]"))? else {
                return Ok(None);
            };
            if number(&format!("filter[{side}_point_type]"))?.is_none() {
                return Err(laravel_error(
                    &format!("filter[{side}_point_type]"),
                    "The point type is required.",
                ));
            }
            let index = id as usize;
            if index == 0 || index > CITIES.len() {
                return Ok(Some((usize::MAX, 0.0)));
            }
            Ok(Some((
                index - 1,
                number(&format!("filter[{side}_point_radius]"))?.unwrap_or(0.0),
            )))
        };
        let limit = number("limit")?.unwrap_or(20.0);
        if !(1.0..=100.0).contains(&limit) {
            return Err(laravel_error(
                "limit",
                "The limit may not be greater than 100.",
            ));
        }
        Ok(Self {
            limit: limit as usize,
            offset: number("offset")?.unwrap_or(0.0).max(0.0) as usize,
            mode_my: get("filter[mode]") == Some("my"),
            start: point("start")?,
            finish: point("finish")?,
            start_date: get("filter[start_date]").map(str::to_owned),
            wv: pair("filter[wv]", '-')?,
            weight: pair("filter[weight]", ',')?,
            volume: pair("filter[volume]", ',')?,
            load_types: ids("filter[load_types]")?,
            truck_types: ids("filter[truck_types]")?,
            distance: pair("filter[distance]", ',')?,
            price: pair("filter[price]", ',')?,
            price_per_km: pair("filter[price_per_km]", ',')?,
            owner_company: get("filter[owner_company]").map(str::to_owned),
        })
    }

    pub(super) fn matches(&self, load: &Load, epoch: DateTime<Utc>) -> bool {
        let near = |place: Option<(usize, f64)>, city: usize| match place {
            None => true,
            Some((usize::MAX, _)) => false,
            Some((wanted, radius)) => {
                wanted == city || catalog::distance_km(wanted, city) <= radius
            }
        };
        let within = |range: Option<(f64, f64)>, value: f64| {
            range.is_none_or(|(min, max)| value >= min && value <= max)
        };
        let overlaps = |wanted: &[u32], has: &[u32]| {
            wanted.is_empty() || wanted.iter().any(|id| has.contains(id))
        };
        let price = load.shown_price_kopecks() as f64;
        let loading_day = || {
            catalog::loading_at(load, epoch)
                .format("%Y-%m-%d")
                .to_string()
        };
        (!self.mode_my || load.id.is_multiple_of(10))
            && near(self.start, load.from)
            && near(self.finish, load.to)
            && self
                .start_date
                .as_ref()
                .is_none_or(|day| *day == loading_day())
            && self.wv.is_none_or(|(tonnes, m3)| {
                f64::from(load.weight_kg) <= tonnes * 1000.0
                    && load.volume_m3.is_none_or(|v| v <= m3)
            })
            && within(self.weight, f64::from(load.weight_kg))
            && (self.volume.is_none() || load.volume_m3.is_some_and(|v| within(self.volume, v)))
            && overlaps(&self.load_types, &load.load_types)
            && overlaps(&self.truck_types, &load.truck_types)
            && within(self.distance, f64::from(load.distance_km))
            && within(self.price, price)
            && within(
                self.price_per_km,
                price / f64::from(load.distance_km.max(1)),
            )
            && self
                .owner_company
                .as_ref()
                .is_none_or(|inn| catalog::shipper_inn(load) == inn)
    }
}

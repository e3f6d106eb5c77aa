//! The driver's search filter: one definition for the browser and the server, so a bad value is
//! explained next to its field before anything is sent, and refused the same way if it is sent
//! anyway. `validate` reports every field's problem at once; `api_query` is how the browser asks
//! Hauler's API for it. How the server then asks the exchange is the server's own business
//! (`server::cargotech`), so none of the exchange's vocabulary reaches the browser.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

mod category;
#[cfg(feature = "ssr")]
mod schema;
mod validation;

pub use category::WeightCategory;
pub use validation::{is_calendar_date, is_valid_inn};

/// A loading or unloading place: a city from the points dictionary and a radius around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlaceFilter {
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub city_id: u32,
    /// The `type` the points dictionary gave for the city (2 for a city in CargoTech's traffic).
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 255))]
    pub point_type: u8,
    /// For the chips and the form; never sent upstream.
    #[serde(default)]
    pub city_name: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(maximum = 500))]
    pub radius_km: u32,
}

/// A weight/volume category (what the form offers first), a truck-size preset drivers think in,
/// or a custom weight and volume. Filters saved before categories existed keep their preset.
// The browser reads it through `TaggedWeightVolume`: serde's own reading of a tagged enum holds
// the whole object in a buffer first, and that buffering is ~7 KB of the gzipped bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "browser", serde(try_from = "TaggedWeightVolume"))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WeightVolume {
    Category {
        category: WeightCategory,
    },
    Preset {
        preset: WeightPreset,
    },
    Custom {
        #[cfg_attr(feature = "ssr", schema(minimum = 0.1, maximum = 1000.0))]
        tonnes: f64,
        #[cfg_attr(feature = "ssr", schema(minimum = 0.1, maximum = 200.0))]
        cubic_metres: f64,
    },
}

/// `WeightVolume` as the JSON has it: the tag next to every variant's fields.
#[derive(Deserialize)]
pub struct TaggedWeightVolume {
    kind: WeightVolumeKind,
    category: Option<WeightCategory>,
    preset: Option<WeightPreset>,
    tonnes: Option<f64>,
    cubic_metres: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum WeightVolumeKind {
    Category,
    Preset,
    Custom,
}

impl TryFrom<TaggedWeightVolume> for WeightVolume {
    type Error = &'static str;

    fn try_from(tagged: TaggedWeightVolume) -> Result<Self, Self::Error> {
        match tagged {
            TaggedWeightVolume {
                kind: WeightVolumeKind::Category,
                category: Some(category),
                ..
            } => Ok(Self::Category { category }),
            TaggedWeightVolume {
                kind: WeightVolumeKind::Preset,
                preset: Some(preset),
                ..
            } => Ok(Self::Preset { preset }),
            TaggedWeightVolume {
                kind: WeightVolumeKind::Custom,
                tonnes: Some(tonnes),
                cubic_metres: Some(cubic_metres),
                ..
            } => Ok(Self::Custom {
                tonnes,
                cubic_metres,
            }),
            _ => Err("a weight and volume without the fields its kind needs"),
        }
    }
}

impl WeightVolume {
    /// The largest load asked for, tonnes and cubic metres: the truck's capacity, or a
    /// category's top (none for the open-ended largest one).
    pub fn capacity(&self) -> Option<(f64, f64)> {
        match *self {
            Self::Category { category } => category.largest_truck(),
            Self::Preset { preset } => Some(preset.capacity()),
            Self::Custom {
                tonnes,
                cubic_metres,
            } => Some((tonnes, cubic_metres)),
        }
    }

    /// Whether a load of this weight and volume answers the question: it lies in the category,
    /// or fits the truck.
    pub fn admits(&self, load_tonnes: f64, load_cubic_metres: f64) -> bool {
        let truck = match *self {
            Self::Category { category } => {
                return category.admits(load_tonnes, load_cubic_metres);
            }
            Self::Preset { preset } => preset.capacity(),
            Self::Custom {
                tonnes,
                cubic_metres,
            } => (tonnes, cubic_metres),
        };
        category::fits(truck, load_tonnes, load_cubic_metres)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WeightPreset {
    Gazelle,
    ThreeTonnes,
    FiveTonnes,
    TenTonnes,
    Semi,
}

impl WeightPreset {
    pub const ALL: [Self; 5] = [
        Self::Gazelle,
        Self::ThreeTonnes,
        Self::FiveTonnes,
        Self::TenTonnes,
        Self::Semi,
    ];

    /// Capacity: tonnes and cubic metres.
    pub fn capacity(self) -> (f64, f64) {
        match self {
            Self::Gazelle => (1.5, 9.0),
            Self::ThreeTonnes => (3.0, 16.0),
            Self::FiveTonnes => (5.0, 36.0),
            Self::TenTonnes => (10.0, 56.0),
            Self::Semi => (20.0, 83.0),
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Gazelle, Lang::Ru) => "Газель · 1,5 т · 9 м³",
            (Self::Gazelle, Lang::En) => "Light van · 1.5 t · 9 m³",
            (Self::ThreeTonnes, Lang::Ru) => "3 т · 16 м³",
            (Self::ThreeTonnes, Lang::En) => "3 t · 16 m³",
            (Self::FiveTonnes, Lang::Ru) => "5 т · 36 м³",
            (Self::FiveTonnes, Lang::En) => "5 t · 36 m³",
            (Self::TenTonnes, Lang::Ru) => "10 т · 56 м³",
            (Self::TenTonnes, Lang::En) => "10 t · 56 m³",
            (Self::Semi, Lang::Ru) => "Фура · 20 т · 83 м³",
            (Self::Semi, Lang::En) => "Semi-trailer · 20 t · 83 m³",
        }
    }
}

/// An inclusive range; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Range<T> {
    pub min: Option<T>,
    pub max: Option<T>,
}

impl<T> Range<T> {
    pub fn is_open(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ListMode {
    /// Everything the exchange offers.
    #[default]
    All,
    /// The company account's own view.
    My,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Newest,
    Price,
    PricePerKm,
    Distance,
    LoadingDate,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CargoFilter {
    pub from: Option<PlaceFilter>,
    pub to: Option<PlaceFilter>,
    /// `YYYY-MM-DD`, from the year 2000.
    #[cfg_attr(feature = "ssr", schema(format = Date, pattern = r"^[2-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"))]
    pub loading_date: Option<String>,
    pub weight_volume: Option<WeightVolume>,
    #[cfg_attr(feature = "ssr", schema(max_items = 30))]
    pub load_types: Vec<u32>,
    #[cfg_attr(feature = "ssr", schema(max_items = 30))]
    pub truck_types: Vec<u32>,
    #[cfg_attr(feature = "ssr", schema(schema_with = schema::distance_km))]
    pub distance_km: Range<u32>,
    /// Roubles in the UI; kopecks upstream.
    #[cfg_attr(feature = "ssr", schema(schema_with = schema::price_rub))]
    pub price_rub: Range<u64>,
    #[cfg_attr(feature = "ssr", schema(schema_with = schema::price_per_km_rub))]
    pub price_per_km_rub: Range<f64>,
    /// The shipper's INN: 10 digits (a company) or 12 (a person), with valid check digits.
    #[cfg_attr(feature = "ssr", schema(pattern = r"^([0-9]{10}|[0-9]{12})$"))]
    pub shipper_inn: Option<String>,
    pub mode: ListMode,
    pub sort: SortOrder,
}

/// Which field a problem belongs to (the form shows the message next to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FilterField {
    From,
    To,
    LoadingDate,
    WeightVolume,
    LoadTypes,
    TruckTypes,
    DistanceKm,
    PriceRub,
    PricePerKmRub,
    ShipperInn,
}

/// Stable codes for each kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FilterProblem {
    OutOfRange,
    MinAboveMax,
    InvalidDate,
    InvalidInn,
    InvalidCity,
    TooMany,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: FilterField,
    pub code: FilterProblem,
    pub message: String,
}

pub const MAX_RADIUS_KM: u32 = 500;
pub const MAX_DISTANCE_KM: u32 = 20_000;
pub const MAX_PRICE_RUB: u64 = 100_000_000;
pub const MAX_PRICE_PER_KM_RUB: f64 = 10_000.0;
pub const MAX_DICTIONARY_CHOICES: usize = 30;
pub const TONNES: (f64, f64) = (0.1, 1000.0);
pub const CUBIC_METRES: (f64, f64) = (0.1, 200.0);

impl CargoFilter {
    /// Hauler's own list query (`GET /api/v1/cargos`) for this filter: flat `name=value` pairs any
    /// HTTP client can build; the server reads them back into the same filter.
    pub fn api_query(&self, offset: u32, limit: u32) -> Vec<(&'static str, String)> {
        /// A unit variant's name as the JSON API spells it.
        fn word<T: Serialize>(value: &T) -> String {
            // The browser has no `serde_json` (it reads and writes JSON with its own).
            #[cfg(feature = "browser")]
            let word = serde_wasm_bindgen::to_value(value)
                .ok()
                .and_then(|value| value.as_string());
            #[cfg(not(feature = "browser"))]
            let word = serde_json::to_value(value)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned));
            word.unwrap_or_default()
        }
        fn list(ids: &[u32]) -> String {
            ids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
        }
        let mut query = Vec::new();
        for (place, [id, point_type, radius]) in [
            (
                &self.from,
                ["from_city_id", "from_point_type", "from_radius_km"],
            ),
            (&self.to, ["to_city_id", "to_point_type", "to_radius_km"]),
        ] {
            if let Some(place) = place {
                query.push((id, place.city_id.to_string()));
                query.push((point_type, place.point_type.to_string()));
                if place.radius_km > 0 {
                    query.push((radius, place.radius_km.to_string()));
                }
            }
        }
        if let Some(date) = &self.loading_date {
            query.push(("loading_date", date.clone()));
        }
        match &self.weight_volume {
            Some(WeightVolume::Category { category }) => {
                query.push(("weight_category", word(category)))
            }
            Some(WeightVolume::Preset { preset }) => query.push(("weight_preset", word(preset))),
            Some(WeightVolume::Custom {
                tonnes,
                cubic_metres,
            }) => {
                query.push(("tonnes", tonnes.to_string()));
                query.push(("cubic_metres", cubic_metres.to_string()));
            }
            None => {}
        }
        if !self.load_types.is_empty() {
            query.push(("load_types", list(&self.load_types)));
        }
        if !self.truck_types.is_empty() {
            query.push(("truck_types", list(&self.truck_types)));
        }
        let mut range =
            |[low, high]: [&'static str; 2], min: Option<String>, max: Option<String>| {
                query.extend(min.map(|min| (low, min)));
                query.extend(max.map(|max| (high, max)));
            };
        let text = |value: Option<u64>| value.map(|value| value.to_string());
        range(
            ["distance_min_km", "distance_max_km"],
            text(self.distance_km.min.map(u64::from)),
            text(self.distance_km.max.map(u64::from)),
        );
        range(
            ["price_min_rub", "price_max_rub"],
            text(self.price_rub.min),
            text(self.price_rub.max),
        );
        range(
            ["price_per_km_min_rub", "price_per_km_max_rub"],
            self.price_per_km_rub.min.map(|value| value.to_string()),
            self.price_per_km_rub.max.map(|value| value.to_string()),
        );
        if let Some(inn) = &self.shipper_inn {
            query.push(("shipper_inn", inn.clone()));
        }
        if self.mode != ListMode::default() {
            query.push(("mode", word(&self.mode)));
        }
        if self.sort != SortOrder::default() {
            query.push(("sort", word(&self.sort)));
        }
        if offset > 0 {
            query.push(("offset", offset.to_string()));
        }
        query.push(("limit", limit.to_string()));
        query
    }
}

#[cfg(test)]
mod tests;

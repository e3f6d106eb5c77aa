//! The filter form's state: what the driver typed, field by field, as text. It becomes a
//! [`CargoFilter`] only through [`Draft::to_filter`], which explains every field it cannot read;
//! the filter's own `validate` then explains the rest — the same code the server runs.

use crate::{
    cargo::filter::{
        CargoFilter, FieldError, FilterField, FilterProblem, PlaceFilter, Range, SortOrder,
        WeightCategory, WeightPreset, WeightVolume,
    },
    i18n::Texts,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightChoice {
    #[default]
    Any,
    Category(WeightCategory),
    Preset(WeightPreset),
    Custom,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub from: Option<PlaceFilter>,
    pub to: Option<PlaceFilter>,
    pub loading_date: String,
    pub weight: WeightChoice,
    pub tonnes: String,
    pub cubic_metres: String,
    pub truck_types: Vec<u32>,
    pub load_types: Vec<u32>,
    pub distance_min: String,
    pub distance_max: String,
    pub price_min: String,
    pub price_max: String,
    pub price_per_km_min: String,
    pub price_per_km_max: String,
    pub shipper_inn: String,
    pub sort: SortOrder,
}

fn text<T: ToString>(value: Option<T>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

/// Reads a number as drivers write it: spaces between thousands, a comma for decimals.
fn number<T: std::str::FromStr>(raw: &str) -> Result<Option<T>, ()> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    cleaned.parse().map(Some).map_err(|_| ())
}

impl Draft {
    pub fn from_filter(filter: &CargoFilter) -> Self {
        let (weight, tonnes, cubic_metres) = match &filter.weight_volume {
            None => (WeightChoice::Any, String::new(), String::new()),
            Some(WeightVolume::Category { category }) => (
                WeightChoice::Category(*category),
                String::new(),
                String::new(),
            ),
            Some(WeightVolume::Preset { preset }) => {
                (WeightChoice::Preset(*preset), String::new(), String::new())
            }
            Some(WeightVolume::Custom {
                tonnes,
                cubic_metres,
            }) => (
                WeightChoice::Custom,
                tonnes.to_string(),
                cubic_metres.to_string(),
            ),
        };
        Self {
            from: filter.from.clone(),
            to: filter.to.clone(),
            loading_date: filter.loading_date.clone().unwrap_or_default(),
            weight,
            tonnes,
            cubic_metres,
            truck_types: filter.truck_types.clone(),
            load_types: filter.load_types.clone(),
            distance_min: text(filter.distance_km.min),
            distance_max: text(filter.distance_km.max),
            price_min: text(filter.price_rub.min),
            price_max: text(filter.price_rub.max),
            price_per_km_min: text(filter.price_per_km_rub.min),
            price_per_km_max: text(filter.price_per_km_rub.max),
            shipper_inn: filter.shipper_inn.clone().unwrap_or_default(),
            sort: filter.sort,
        }
    }

    /// The filter, or every field's problem (unreadable numbers first, then the filter's rules).
    pub fn to_filter(&self, texts: &Texts) -> Result<CargoFilter, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut read = |field: FilterField, raw: &str| -> Option<f64> {
            number::<f64>(raw).unwrap_or_else(|()| {
                if !errors.iter().any(|e: &FieldError| e.field == field) {
                    errors.push(FieldError {
                        field,
                        code: FilterProblem::OutOfRange,
                        message: texts.not_a_number.to_owned(),
                    });
                }
                None
            })
        };
        let whole = |value: Option<f64>| value.map(|v| v.max(0.0).round() as u64);
        let distance = [
            read(FilterField::DistanceKm, &self.distance_min),
            read(FilterField::DistanceKm, &self.distance_max),
        ];
        let price = [
            read(FilterField::PriceRub, &self.price_min),
            read(FilterField::PriceRub, &self.price_max),
        ];
        let per_km = [
            read(FilterField::PricePerKmRub, &self.price_per_km_min),
            read(FilterField::PricePerKmRub, &self.price_per_km_max),
        ];
        let custom = [
            read(FilterField::WeightVolume, &self.tonnes),
            read(FilterField::WeightVolume, &self.cubic_metres),
        ];
        let weight_volume = match self.weight {
            WeightChoice::Any => None,
            WeightChoice::Category(category) => Some(WeightVolume::Category { category }),
            WeightChoice::Preset(preset) => Some(WeightVolume::Preset { preset }),
            WeightChoice::Custom => match custom {
                [Some(tonnes), Some(cubic_metres)] => Some(WeightVolume::Custom {
                    tonnes,
                    cubic_metres,
                }),
                // Half-filled: the filter's rule explains the range.
                [tonnes, cubic_metres] if tonnes.is_some() || cubic_metres.is_some() => {
                    Some(WeightVolume::Custom {
                        tonnes: tonnes.unwrap_or(0.0),
                        cubic_metres: cubic_metres.unwrap_or(0.0),
                    })
                }
                _ => None,
            },
        };
        let trimmed = |raw: &str| Some(raw.trim().to_owned()).filter(|value| !value.is_empty());
        let filter = CargoFilter {
            from: self.from.clone(),
            to: self.to.clone(),
            loading_date: trimmed(&self.loading_date),
            weight_volume,
            load_types: self.load_types.clone(),
            truck_types: self.truck_types.clone(),
            distance_km: Range {
                min: whole(distance[0]).map(|v| v.min(u64::from(u32::MAX)) as u32),
                max: whole(distance[1]).map(|v| v.min(u64::from(u32::MAX)) as u32),
            },
            price_rub: Range {
                min: whole(price[0]),
                max: whole(price[1]),
            },
            price_per_km_rub: Range {
                min: per_km[0],
                max: per_km[1],
            },
            shipper_inn: trimmed(&self.shipper_inn),
            mode: Default::default(),
            sort: self.sort,
        };
        if let Err(mut problems) = filter.validate() {
            problems.retain(|problem| !errors.iter().any(|e| e.field == problem.field));
            errors.extend(
                problems
                    .into_iter()
                    .map(|problem| problem.worded(texts.lang)),
            );
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn numbers_are_read_as_drivers_write_them() {
        let draft = Draft {
            price_min: "50 000".into(),
            price_per_km_max: "45,5".into(),
            weight: WeightChoice::Custom,
            tonnes: "1,5".into(),
            cubic_metres: "9".into(),
            ..Default::default()
        };
        let filter = draft.to_filter(Lang::Ru.texts()).unwrap();
        assert_eq!(filter.price_rub.min, Some(50_000));
        assert_eq!(filter.price_per_km_rub.max, Some(45.5));
        assert_eq!(
            filter.weight_volume,
            Some(WeightVolume::Custom {
                tonnes: 1.5,
                cubic_metres: 9.0
            })
        );
    }

    #[test]
    fn every_bad_field_is_explained_once_and_nothing_else() {
        let draft = Draft {
            price_min: "дорого".into(),
            distance_min: "900".into(),
            distance_max: "100".into(),
            shipper_inn: "1234567890".into(),
            ..Default::default()
        };
        let errors = draft.to_filter(Lang::Ru.texts()).unwrap_err();
        let fields: Vec<(FilterField, FilterProblem)> =
            errors.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            fields,
            [
                (FilterField::PriceRub, FilterProblem::OutOfRange),
                (FilterField::DistanceKm, FilterProblem::MinAboveMax),
                (FilterField::ShipperInn, FilterProblem::InvalidInn),
            ]
        );
        assert_eq!(errors[0].message, "Введите число");
        assert_eq!(errors[1].message, "«От» не может быть больше «до»");
        let english = draft.to_filter(Lang::En.texts()).unwrap_err();
        assert_eq!(english[0].message, "Enter a number");
        assert_eq!(english[1].message, "“From” cannot be more than “to”");
    }

    #[test]
    fn a_filter_survives_the_form_unchanged() {
        let filter = CargoFilter {
            loading_date: Some("2026-11-24".into()),
            weight_volume: Some(WeightVolume::Preset {
                preset: WeightPreset::TenTonnes,
            }),
            truck_types: vec![2],
            distance_km: Range {
                min: Some(100),
                max: None,
            },
            price_per_km_rub: Range {
                min: Some(40.5),
                max: Some(90.0),
            },
            sort: SortOrder::Price,
            ..Default::default()
        };
        assert_eq!(
            Draft::from_filter(&filter).to_filter(Lang::Ru.texts()),
            Ok(filter)
        );
        let category = CargoFilter {
            weight_volume: Some(WeightVolume::Category {
                category: WeightCategory::FiveToTen,
            }),
            ..Default::default()
        };
        assert_eq!(
            Draft::from_filter(&category).to_filter(Lang::Ru.texts()),
            Ok(category)
        );
    }
}

//! The active filter as chips above the list, each clearing its own part of the filter.

use crate::{
    cargo::{
        card::format_quantity,
        dictionary::{load_types, name_of, truck_types},
        filter::{CargoFilter, Range, SortOrder, WeightVolume},
    },
    i18n::Texts,
};

/// Which part of the filter a chip stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chip {
    From,
    To,
    LoadingDate,
    WeightVolume,
    TruckType(u32),
    LoadType(u32),
    Distance,
    Price,
    PricePerKm,
    ShipperInn,
    Sort,
}

fn range_label<T: std::fmt::Display>(name: &str, range: &Range<T>, text: &Texts) -> String {
    match (&range.min, &range.max) {
        (Some(min), Some(max)) => format!("{name}: {min}–{max}"),
        (Some(min), None) => format!("{name}: {} {min}", text.min),
        (None, Some(max)) => format!("{name}: {} {max}", text.max),
        (None, None) => String::new(),
    }
}

/// The chips for a filter, in the order the form shows its fields.
pub fn chips(filter: &CargoFilter, text: &Texts) -> Vec<(Chip, String)> {
    let mut chips = Vec::new();
    for (chip, place, arrow) in [(Chip::From, &filter.from, ""), (Chip::To, &filter.to, "→ ")] {
        if let Some(place) = place {
            let radius = if place.radius_km > 0 {
                format!(" +{}\u{a0}{}", place.radius_km, text.km)
            } else {
                String::new()
            };
            chips.push((chip, format!("{arrow}{}{radius}", place.city_name)));
        }
    }
    if let Some(date) = &filter.loading_date {
        chips.push((Chip::LoadingDate, crate::cargo::card::format_when(date)));
    }
    match &filter.weight_volume {
        Some(WeightVolume::Category { category }) => chips.push((
            Chip::WeightVolume,
            text.weight_category(*category).to_owned(),
        )),
        Some(WeightVolume::Preset { preset }) => {
            chips.push((Chip::WeightVolume, preset.label(text.lang).to_owned()))
        }
        Some(WeightVolume::Custom {
            tonnes,
            cubic_metres,
        }) => chips.push((
            Chip::WeightVolume,
            format!(
                "{} · {}",
                format_quantity(*tonnes, text.tonnes),
                format_quantity(*cubic_metres, text.cubic_metres)
            ),
        )),
        None => {}
    }
    for id in &filter.truck_types {
        let name = name_of(truck_types(text.lang), *id).unwrap_or("?");
        chips.push((Chip::TruckType(*id), name.to_owned()));
    }
    for id in &filter.load_types {
        let name = name_of(load_types(text.lang), *id).unwrap_or("?");
        chips.push((Chip::LoadType(*id), name.to_owned()));
    }
    for (chip, label) in [
        (
            Chip::Distance,
            range_label(text.distance_km, &filter.distance_km, text),
        ),
        (
            Chip::Price,
            range_label(text.price_rub, &filter.price_rub, text),
        ),
        (
            Chip::PricePerKm,
            range_label(text.price_per_km, &filter.price_per_km_rub, text),
        ),
    ] {
        if !label.is_empty() {
            chips.push((chip, label));
        }
    }
    if let Some(inn) = &filter.shipper_inn {
        chips.push((Chip::ShipperInn, format!("ИНН {inn}")));
    }
    if filter.sort != SortOrder::default() {
        chips.push((Chip::Sort, sort_label(filter.sort, text).to_owned()));
    }
    chips
}

pub fn sort_label(sort: SortOrder, text: &Texts) -> &'static str {
    match sort {
        SortOrder::Newest => text.sort_newest,
        SortOrder::Price => text.sort_price,
        SortOrder::PricePerKm => text.sort_price_per_km,
        SortOrder::Distance => text.sort_distance,
        SortOrder::LoadingDate => text.sort_loading_date,
    }
}

/// The filter with one chip's part cleared.
pub fn without(filter: &CargoFilter, chip: Chip) -> CargoFilter {
    let mut filter = filter.clone();
    match chip {
        Chip::From => filter.from = None,
        Chip::To => filter.to = None,
        Chip::LoadingDate => filter.loading_date = None,
        Chip::WeightVolume => filter.weight_volume = None,
        Chip::TruckType(id) => filter.truck_types.retain(|known| *known != id),
        Chip::LoadType(id) => filter.load_types.retain(|known| *known != id),
        Chip::Distance => filter.distance_km = Range::default(),
        Chip::Price => filter.price_rub = Range::default(),
        Chip::PricePerKm => filter.price_per_km_rub = Range::default(),
        Chip::ShipperInn => filter.shipper_inn = None,
        Chip::Sort => filter.sort = SortOrder::default(),
    }
    filter
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        cargo::filter::{PlaceFilter, WeightPreset},
        i18n::Lang,
    };

    fn filter() -> CargoFilter {
        CargoFilter {
            from: Some(PlaceFilter {
                city_id: 1,
                point_type: 2,
                city_name: "Москва".into(),
                radius_km: 50,
            }),
            weight_volume: Some(WeightVolume::Preset {
                preset: WeightPreset::Semi,
            }),
            truck_types: vec![1, 2],
            price_rub: Range {
                min: Some(50_000),
                max: None,
            },
            sort: SortOrder::PricePerKm,
            ..Default::default()
        }
    }

    #[test]
    fn every_active_part_of_the_filter_is_a_chip() {
        let labels: Vec<String> = chips(&filter(), Lang::Ru.texts())
            .into_iter()
            .map(|(_, label)| label)
            .collect();
        assert_eq!(
            labels,
            [
                "Москва +50\u{a0}км",
                "Фура · 20 т · 83 м³",
                "Тент",
                "Рефрижератор",
                "Ставка, ₽: от 50000",
                "По ставке за км",
            ]
        );
        assert!(chips(&CargoFilter::default(), Lang::Ru.texts()).is_empty());
    }

    #[test]
    fn each_chip_clears_only_its_own_part() {
        let all = filter();
        let fewer = without(&all, Chip::TruckType(1));
        assert_eq!(fewer.truck_types, vec![2]);
        assert_eq!(fewer.from, all.from);
        let fewer = without(&fewer, Chip::From);
        assert_eq!(fewer.from, None);
        assert_eq!(fewer.price_rub, all.price_rub);
        let mut cleared = all.clone();
        for (chip, _) in chips(&all, Lang::Ru.texts()) {
            cleared = without(&cleared, chip);
        }
        assert_eq!(cleared, CargoFilter::default());
    }
}

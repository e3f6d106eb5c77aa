use app::cargo::filter::{
    PlaceFilter, Range, SortOrder, WeightCategory, WeightPreset, WeightVolume,
};

use super::*;

/// A city from the points dictionary (type 2, as CargoTech's search traffic has it).
fn city(city_id: u32, city_name: &str, radius_km: u32) -> PlaceFilter {
    PlaceFilter {
        city_id,
        point_type: 2,
        city_name: city_name.into(),
        radius_km,
    }
}

/// The value of one parameter of a query.
fn value<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[test]
fn the_upstream_query_speaks_the_exchanges_parameters() {
    let filter = CargoFilter {
        from: Some(city(1, "Москва", 0)),
        to: Some(city(62, "Казань", 50)),
        loading_date: Some("2026-11-23".into()),
        weight_volume: Some(WeightVolume::Preset {
            preset: WeightPreset::Gazelle,
        }),
        load_types: vec![3, 1],
        truck_types: vec![2],
        distance_km: Range {
            min: Some(100),
            max: None,
        },
        price_rub: Range {
            min: Some(20_000),
            max: Some(350_000),
        },
        price_per_km_rub: Range {
            min: Some(40.5),
            max: None,
        },
        shipper_inn: Some("7707083893".into()),
        mode: ListMode::My,
        sort: SortOrder::Price,
    };
    let query = filter.upstream_query(20, 40);
    let get = |name: &str| value(&query, name);
    assert_eq!(get("include"), Some("contacts"));
    assert_eq!(get("limit"), Some("20"));
    assert_eq!(get("offset"), Some("40"));
    assert_eq!(get("filter[mode]"), Some("my"));
    assert_eq!(get("filter[user_id]"), Some("0"));
    assert_eq!(get("filter[start_point_id]"), Some("1"));
    assert_eq!(get("filter[start_point_type]"), Some("2"));
    assert_eq!(
        get("filter[start_point_radius]"),
        None,
        "radius 0 is not sent"
    );
    assert_eq!(get("filter[finish_point_id]"), Some("62"));
    assert_eq!(get("filter[finish_point_radius]"), Some("50"));
    assert_eq!(get("filter[start_date]"), Some("2026-11-23"));
    assert_eq!(get("filter[wv]"), Some("1.5-9"));
    assert_eq!(get("filter[load_types]"), Some("1,3"));
    assert_eq!(get("filter[truck_types]"), Some("2"));
    assert_eq!(get("filter[distance]"), Some("100,20000"));
    assert_eq!(
        get("filter[price]"),
        Some("2000000,35000000"),
        "roubles become kopecks"
    );
    assert_eq!(get("filter[price_per_km]"), Some("4050,1000000"));
    assert_eq!(get("filter[owner_company]"), Some("7707083893"));
}

#[test]
fn equal_questions_make_equal_queries_whatever_their_form() {
    let a = CargoFilter {
        load_types: vec![3, 1, 3],
        weight_volume: Some(WeightVolume::Custom {
            tonnes: 20.0,
            cubic_metres: 83.0,
        }),
        ..Default::default()
    };
    let b = CargoFilter {
        load_types: vec![1, 3],
        weight_volume: Some(WeightVolume::Preset {
            preset: WeightPreset::Semi,
        }),
        // Display-only and ordering fields do not split the upstream question.
        sort: SortOrder::Distance,
        ..Default::default()
    };
    assert_eq!(a.upstream_query(20, 0), b.upstream_query(20, 0));
    let mut sorted = a.upstream_query(20, 0);
    sorted.sort();
    assert_eq!(a.upstream_query(20, 0), sorted);
}

#[test]
fn each_weight_category_asks_the_exchange_for_its_exact_ranges() {
    use WeightCategory::*;
    // wv: the category's largest truck; weight in kg and volume in m³ as "min,max".
    let expected = [
        (OneToThree, Some("3-15"), "1000,3000", "0,15"),
        (ThreeToFive, Some("5-25"), "3000,5000", "15,25"),
        (FiveToTen, Some("10-40"), "5000,10000", "25,40"),
        (TenToFifteen, Some("15-60"), "10000,15000", "40,60"),
        (FifteenToTwenty, Some("20-82"), "15000,20000", "60,82"),
        (OverTwenty, None, "20000,1000000", "82,200"),
    ];
    assert_eq!(expected.len(), WeightCategory::ALL.len());
    for (category, wv, weight, volume) in expected {
        let filter = CargoFilter {
            weight_volume: Some(WeightVolume::Category { category }),
            ..Default::default()
        };
        assert_eq!(filter.validate(), Ok(()), "{category:?}");
        let query = filter.upstream_query(20, 0);
        let get = |name: &str| value(&query, name);
        assert_eq!(get("filter[wv]"), wv, "{category:?}");
        assert_eq!(get("filter[weight]"), Some(weight), "{category:?}");
        assert_eq!(get("filter[volume]"), Some(volume), "{category:?}");
    }
}

#[test]
fn a_preset_asks_for_a_truck_only() {
    let filter = CargoFilter {
        weight_volume: Some(WeightVolume::Preset {
            preset: WeightPreset::TenTonnes,
        }),
        ..Default::default()
    };
    let names: Vec<_> = filter
        .upstream_query(20, 0)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert!(names.contains(&"filter[wv]".to_owned()));
    assert!(!names.contains(&"filter[weight]".to_owned()));
    assert!(!names.contains(&"filter[volume]".to_owned()));
}

use super::*;

fn moscow() -> PlaceFilter {
    PlaceFilter {
        city_id: 1,
        point_type: 2,
        city_name: "Москва".into(),
        radius_km: 0,
    }
}

fn kazan() -> PlaceFilter {
    PlaceFilter {
        city_id: 62,
        point_type: 2,
        city_name: "Казань".into(),
        radius_km: 50,
    }
}

fn codes(filter: &CargoFilter) -> Vec<(FilterField, FilterProblem)> {
    match filter.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.field, e.code)).collect(),
    }
}

#[test]
fn good_filters_pass() {
    let good = [
        CargoFilter::default(),
        CargoFilter {
            from: Some(moscow()),
            to: Some(kazan()),
            ..Default::default()
        },
        CargoFilter {
            loading_date: Some("2028-02-29".into()),
            ..Default::default()
        },
        CargoFilter {
            weight_volume: Some(WeightVolume::Custom {
                tonnes: 0.1,
                cubic_metres: 200.0,
            }),
            ..Default::default()
        },
        CargoFilter {
            weight_volume: Some(WeightVolume::Preset {
                preset: WeightPreset::Semi,
            }),
            ..Default::default()
        },
        CargoFilter {
            price_rub: Range {
                min: Some(10_000),
                max: Some(10_000),
            },
            ..Default::default()
        },
        CargoFilter {
            price_per_km_rub: Range {
                min: None,
                max: Some(55.5),
            },
            ..Default::default()
        },
        CargoFilter {
            shipper_inn: Some("7707083893".into()),
            ..Default::default()
        }, // Sberbank
        CargoFilter {
            shipper_inn: Some("500100732259".into()),
            ..Default::default()
        },
    ];
    for filter in good {
        assert_eq!(codes(&filter), vec![], "{filter:?}");
    }
}

#[test]
fn each_bad_value_is_named_with_its_field_and_code() {
    use FilterField as F;
    use FilterProblem as P;
    let table: Vec<(CargoFilter, (FilterField, FilterProblem))> = vec![
        (
            CargoFilter {
                from: Some(PlaceFilter {
                    city_id: 0,
                    ..moscow()
                }),
                ..Default::default()
            },
            (F::From, P::InvalidCity),
        ),
        (
            CargoFilter {
                to: Some(PlaceFilter {
                    radius_km: 501,
                    ..kazan()
                }),
                ..Default::default()
            },
            (F::To, P::OutOfRange),
        ),
        (
            CargoFilter {
                loading_date: Some("2027-02-29".into()),
                ..Default::default()
            },
            (F::LoadingDate, P::InvalidDate),
        ),
        (
            CargoFilter {
                loading_date: Some("01.12.2026".into()),
                ..Default::default()
            },
            (F::LoadingDate, P::InvalidDate),
        ),
        (
            CargoFilter {
                loading_date: Some("2026-13-01".into()),
                ..Default::default()
            },
            (F::LoadingDate, P::InvalidDate),
        ),
        (
            CargoFilter {
                weight_volume: Some(WeightVolume::Custom {
                    tonnes: 0.05,
                    cubic_metres: 10.0,
                }),
                ..Default::default()
            },
            (F::WeightVolume, P::OutOfRange),
        ),
        (
            CargoFilter {
                weight_volume: Some(WeightVolume::Custom {
                    tonnes: 5.0,
                    cubic_metres: 201.0,
                }),
                ..Default::default()
            },
            (F::WeightVolume, P::OutOfRange),
        ),
        (
            CargoFilter {
                weight_volume: Some(WeightVolume::Custom {
                    tonnes: f64::NAN,
                    cubic_metres: 1.0,
                }),
                ..Default::default()
            },
            (F::WeightVolume, P::OutOfRange),
        ),
        (
            CargoFilter {
                truck_types: (1..=31).collect(),
                ..Default::default()
            },
            (F::TruckTypes, P::TooMany),
        ),
        (
            CargoFilter {
                distance_km: Range {
                    min: Some(900),
                    max: Some(100),
                },
                ..Default::default()
            },
            (F::DistanceKm, P::MinAboveMax),
        ),
        (
            CargoFilter {
                distance_km: Range {
                    min: None,
                    max: Some(20_001),
                },
                ..Default::default()
            },
            (F::DistanceKm, P::OutOfRange),
        ),
        (
            CargoFilter {
                price_rub: Range {
                    min: Some(50_000),
                    max: Some(1_000),
                },
                ..Default::default()
            },
            (F::PriceRub, P::MinAboveMax),
        ),
        (
            CargoFilter {
                price_per_km_rub: Range {
                    min: Some(-1.0),
                    max: None,
                },
                ..Default::default()
            },
            (F::PricePerKmRub, P::OutOfRange),
        ),
        (
            CargoFilter {
                shipper_inn: Some("7707083894".into()),
                ..Default::default()
            },
            (F::ShipperInn, P::InvalidInn),
        ),
        (
            CargoFilter {
                shipper_inn: Some("77070838".into()),
                ..Default::default()
            },
            (F::ShipperInn, P::InvalidInn),
        ),
        (
            CargoFilter {
                shipper_inn: Some("77070838٩3".into()),
                ..Default::default()
            },
            (F::ShipperInn, P::InvalidInn),
        ),
        (
            CargoFilter {
                shipper_inn: Some("500100732258".into()),
                ..Default::default()
            },
            (F::ShipperInn, P::InvalidInn),
        ),
    ];
    for (filter, expected) in table {
        assert_eq!(codes(&filter), vec![expected], "{filter:?}");
    }
}

#[test]
fn all_problems_are_reported_at_once_with_russian_messages() {
    let filter = CargoFilter {
        loading_date: Some("завтра".into()),
        price_rub: Range {
            min: Some(2),
            max: Some(1),
        },
        shipper_inn: Some("123".into()),
        ..Default::default()
    };
    let errors = filter.validate().unwrap_err();
    assert_eq!(
        errors.iter().map(|e| e.field).collect::<Vec<_>>(),
        [
            FilterField::LoadingDate,
            FilterField::PriceRub,
            FilterField::ShipperInn
        ]
    );
    assert!(errors.iter().all(|e| {
        e.message
            .chars()
            .any(|c| ('а'..='я').contains(&c.to_ascii_lowercase()) || ('А'..='Я').contains(&c))
    }));
}

#[test]
fn the_filter_survives_the_wire() {
    let filter = CargoFilter {
        from: Some(kazan()),
        shipper_inn: Some("7707083893".into()),
        ..Default::default()
    };
    let json = serde_json::to_string(&filter).unwrap();
    assert_eq!(serde_json::from_str::<CargoFilter>(&json).unwrap(), filter);
    // Fields the client leaves out take their defaults.
    assert_eq!(
        serde_json::from_str::<CargoFilter>("{}").unwrap(),
        CargoFilter::default()
    );
}

#[test]
fn the_browser_reads_a_weight_and_volume_as_the_server_does() {
    let read = |json: &str| {
        let tagged = serde_json::from_str::<TaggedWeightVolume>(json).unwrap();
        WeightVolume::try_from(tagged).ok()
    };
    for weight_volume in [
        WeightVolume::Category {
            category: WeightCategory::FiveToTen,
        },
        WeightVolume::Preset {
            preset: WeightPreset::Semi,
        },
        WeightVolume::Custom {
            tonnes: 1.5,
            cubic_metres: 9.0,
        },
    ] {
        let json = serde_json::to_string(&weight_volume).unwrap();
        assert_eq!(read(&json), Some(weight_volume));
    }
    assert_eq!(read(r#"{"kind": "custom", "tonnes": 2}"#), None);
    assert_eq!(read(r#"{"kind": "preset", "tonnes": 2}"#), None);
    assert_eq!(read(r#"{"kind": "category", "preset": "semi"}"#), None);
}

#[test]
fn every_category_is_a_good_filter_and_travels_in_the_api_query() {
    let words = [
        "one_to_three",
        "three_to_five",
        "five_to_ten",
        "ten_to_fifteen",
        "fifteen_to_twenty",
        "over_twenty",
    ];
    for (category, word) in WeightCategory::ALL.into_iter().zip(words) {
        let filter = CargoFilter {
            weight_volume: Some(WeightVolume::Category { category }),
            ..Default::default()
        };
        assert_eq!(filter.validate(), Ok(()), "{category:?}");
        assert!(
            filter
                .api_query(0, 20)
                .contains(&("weight_category", word.to_owned())),
            "{category:?}"
        );
        let json = serde_json::to_string(&filter).unwrap();
        assert_eq!(serde_json::from_str::<CargoFilter>(&json).unwrap(), filter);
    }
}

#[test]
fn a_filter_saved_with_a_truck_preset_still_loads() {
    let saved = r#"{"weight_volume": {"kind": "preset", "preset": "semi"}, "mode": "all"}"#;
    assert_eq!(
        serde_json::from_str::<CargoFilter>(saved)
            .unwrap()
            .weight_volume,
        Some(WeightVolume::Preset {
            preset: WeightPreset::Semi
        })
    );
}

#[test]
fn a_category_admits_the_loads_within_both_of_its_ranges() {
    let five_to_ten = WeightVolume::Category {
        category: WeightCategory::FiveToTen,
    };
    assert!(five_to_ten.admits(5.0, 25.0));
    assert!(five_to_ten.admits(10.0, 40.0));
    assert!(five_to_ten.admits(7.5, 30.0));
    assert!(!five_to_ten.admits(4.5, 30.0), "too light");
    assert!(!five_to_ten.admits(7.5, 41.0), "too bulky");
    let up_to_three = WeightVolume::Category {
        category: WeightCategory::OneToThree,
    };
    assert!(up_to_three.admits(1.0, 0.5), "no lower volume bound");
    assert!(!up_to_three.admits(0.5, 5.0), "lighter than a tonne");
    let over_twenty = WeightVolume::Category {
        category: WeightCategory::OverTwenty,
    };
    assert!(over_twenty.admits(40.0, 120.0), "no upper bound");
    assert!(!over_twenty.admits(20.0, 80.0));
    // A truck admits whatever fits it, however small.
    let gazelle = WeightVolume::Preset {
        preset: WeightPreset::Gazelle,
    };
    assert!(gazelle.admits(0.5, 3.0));
    assert!(!gazelle.admits(1.6, 3.0));
}

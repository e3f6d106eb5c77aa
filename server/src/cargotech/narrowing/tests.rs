use app::cargo::{
    card::CargoCard,
    filter::{CargoFilter, PlaceFilter, WeightPreset, WeightVolume},
};

use super::Narrowing;

fn place(city_id: u32) -> PlaceFilter {
    PlaceFilter {
        city_id,
        point_type: 2,
        city_name: String::new(),
        radius_km: 0,
    }
}

fn load(to_city_id: Option<u32>, weight_t: Option<f64>, volume_m3: Option<f64>) -> CargoCard {
    CargoCard {
        to_city_id,
        weight_t,
        volume_m3,
        ..Default::default()
    }
}

#[test]
fn a_destination_or_a_truck_size_is_narrowed_from_the_loading_city() {
    let from_kazan = CargoFilter {
        from: Some(place(3)),
        ..Default::default()
    };
    let to_moscow = CargoFilter {
        to: Some(place(1)),
        ..from_kazan.clone()
    };
    let narrowing = Narrowing::of(&to_moscow).expect("a destination narrows");
    assert_eq!(narrowing.broad, from_kazan);
    assert_eq!(narrowing.admits(&load(Some(1), None, None)), Some(true));
    assert_eq!(narrowing.admits(&load(Some(5), None, None)), Some(false));
    assert_eq!(
        narrowing.admits(&load(None, None, None)),
        None,
        "cannot tell"
    );

    let gazelle = CargoFilter {
        weight_volume: Some(WeightVolume::Preset {
            preset: WeightPreset::Gazelle,
        }),
        ..from_kazan.clone()
    };
    let narrowing = Narrowing::of(&gazelle).expect("a truck size narrows");
    assert_eq!(narrowing.broad, from_kazan);
    assert_eq!(
        narrowing.admits(&load(None, Some(1.5), Some(9.0))),
        Some(true)
    );
    assert_eq!(
        narrowing.admits(&load(None, Some(1.6), Some(9.0))),
        Some(false)
    );
    assert_eq!(
        narrowing.admits(&load(None, Some(1.5), None)),
        None,
        "no volume shown"
    );
    assert_eq!(
        narrowing.admits(&load(None, Some(1.0), Some(10.0))),
        Some(false)
    );
    assert_eq!(narrowing.admits(&load(None, None, Some(1.0))), None);

    let fits_and_arrives = Narrowing::of(&CargoFilter {
        to: Some(place(1)),
        ..gazelle
    })
    .unwrap();
    let loads = [
        load(Some(1), Some(1.0), Some(5.0)),
        load(Some(2), Some(1.0), Some(5.0)),
        load(Some(1), Some(9.0), Some(5.0)),
    ];
    assert_eq!(
        fits_and_arrives.select(loads.iter().collect()),
        Some(vec![&loads[0]])
    );
    let weightless = load(Some(1), None, Some(5.0));
    assert_eq!(fits_and_arrives.select(vec![&weightless]), None);
}

#[test]
fn what_a_card_cannot_show_goes_to_the_exchange_as_asked() {
    let from_kazan = CargoFilter {
        from: Some(place(3)),
        ..Default::default()
    };
    assert_eq!(Narrowing::of(&from_kazan), None, "nothing to narrow");
    let around_moscow = CargoFilter {
        to: Some(PlaceFilter {
            radius_km: 50,
            ..place(1)
        }),
        ..from_kazan.clone()
    };
    assert_eq!(
        Narrowing::of(&around_moscow),
        None,
        "a radius needs the map"
    );
    let to_a_region = CargoFilter {
        to: Some(PlaceFilter {
            point_type: 4,
            ..place(1)
        }),
        ..from_kazan
    };
    assert_eq!(
        Narrowing::of(&to_a_region),
        None,
        "a region holds many cities"
    );
    let from_anywhere = CargoFilter {
        to: Some(place(1)),
        ..Default::default()
    };
    assert_eq!(
        Narrowing::of(&from_anywhere),
        None,
        "the whole exchange is too broad"
    );
}

//! The exchange's points dictionary, placed on the map: each settlement the gazetteer knows gets
//! its coordinates, so that searches by place can find the points nearest a spot or a path.

use std::collections::HashMap;

use app::cargo::dictionary::{City, SETTLEMENT_POINT_TYPES};

use super::{
    earth::{Path, Spot},
    gazetteer::Gazetteer,
};

/// A point of the exchange's dictionary and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub point: City,
    pub spot: Spot,
}

pub struct Places {
    places: Vec<Place>,
    by_id: HashMap<u32, usize>,
}

impl Places {
    /// The settlements among `points` that `gazetteer` locates; two points at one city (a
    /// duplicate in the dictionary) both stay.
    pub fn new(points: &[City], gazetteer: &Gazetteer) -> Self {
        let places: Vec<Place> = points
            .iter()
            .filter(|point| SETTLEMENT_POINT_TYPES.contains(&point.point_type))
            .filter_map(|point| {
                gazetteer.find(&point.name).map(|city| Place {
                    point: point.clone(),
                    spot: city.spot,
                })
            })
            .collect();
        let by_id = places
            .iter()
            .enumerate()
            .map(|(place, found)| (found.point.id, place))
            .collect();
        Self { places, by_id }
    }

    /// How many points are placed.
    pub fn count(&self) -> usize {
        self.places.len()
    }

    pub fn get(&self, point_id: u32) -> Option<&Place> {
        self.by_id.get(&point_id).map(|&place| &self.places[place])
    }

    /// The places within `radius_km` of `spot`, nearest first (then by id), with their distance.
    pub fn near(&self, spot: Spot, radius_km: f64) -> Vec<(&Place, f64)> {
        let mut found: Vec<(&Place, f64)> = self
            .places
            .iter()
            .map(|place| (place, spot.km_to(place.spot)))
            .filter(|(_, km)| *km <= radius_km)
            .collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.point.id.cmp(&b.0.point.id)));
        found
    }

    /// The places within `corridor_km` of the path between its ends, in order along it.
    pub fn along(&self, path: &Path, corridor_km: f64) -> Vec<&Place> {
        let mut found: Vec<(&Place, f64)> = self
            .places
            .iter()
            .filter(|place| path.off_km(place.spot) <= corridor_km)
            .map(|place| (place, path.along_km(place.spot)))
            .collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.point.id.cmp(&b.0.point.id)));
        found.into_iter().map(|(place, _)| place).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::gazetteer;

    fn point(id: u32, name: &str, point_type: u8) -> City {
        City {
            id,
            name: name.into(),
            point_type,
        }
    }

    fn places() -> Places {
        Places::new(
            &[
                point(1, "Москва", 2),
                point(2, "Тверь", 2),
                point(3, "Санкт-Петербург", 2),
                point(4, "Московская область", 4),
                point(5, "Великий Новгород", 2),
                point(6, "Деревня Неведомая", 2),
                point(7, "Казань", 1),
            ],
            gazetteer::built_in(),
        )
    }

    #[test]
    fn settlements_the_gazetteer_knows_are_placed_and_regions_are_not() {
        let places = places();
        assert_eq!(places.count(), 5);
        assert!(places.get(4).is_none(), "a region");
        assert!(places.get(6).is_none(), "unknown to the gazetteer");
        assert_eq!(places.get(2).unwrap().point.name, "Тверь");
    }

    #[test]
    fn the_nearest_places_come_first_within_the_radius() {
        let places = places();
        let tver = places.get(2).unwrap().spot;
        let near: Vec<(u32, u32)> = places
            .near(tver, 200.0)
            .into_iter()
            .map(|(place, km)| (place.point.id, km.round() as u32))
            .collect();
        // Тверь–Москва: 162 km by great circle (GeoNames' coordinates).
        assert_eq!(near, [(2, 0), (1, 162)]);
    }

    #[test]
    fn places_near_the_path_come_in_order_along_it() {
        let places = places();
        let path = Path::new(places.get(1).unwrap().spot, places.get(3).unwrap().spot);
        let along = |corridor_km| -> Vec<u32> {
            places
                .along(&path, corridor_km)
                .into_iter()
                .map(|place| place.point.id)
                .collect()
        };
        // Тверь lies half a kilometre off Москва–Санкт-Петербург, Великий Новгород 74.5 km.
        assert_eq!(along(50.0), [1, 2, 3]);
        assert_eq!(along(80.0), [1, 2, 5, 3]);
    }
}

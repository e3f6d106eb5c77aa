//! Great-circle geometry on a spherical Earth: distances, and where a place lies relative to the
//! great circle between two others. Roads are longer (see the README's "Search by place"); the
//! searches use these figures to choose and order loads, never to price them.

/// The Earth's mean radius, km.
const RADIUS_KM: f64 = 6371.0;

/// A point on the Earth, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spot {
    pub lat: f64,
    pub lon: f64,
}

impl Spot {
    /// `None` outside latitude −90..90 and longitude −180..180 (or not a number).
    pub fn new(lat: f64, lon: f64) -> Option<Self> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
            .then_some(Self { lat, lon })
    }

    /// The great-circle distance to `other`, km (haversine).
    pub fn km_to(self, other: Spot) -> f64 {
        RADIUS_KM * self.angle_to(other)
    }

    /// The central angle to `other`, radians.
    fn angle_to(self, other: Spot) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * h.sqrt().min(1.0).asin()
    }

    /// The initial bearing towards `other`, radians.
    fn bearing_to(self, other: Spot) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dl = (other.lon - self.lon).to_radians();
        let y = dl.sin() * p2.cos();
        let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
        y.atan2(x)
    }
}

/// A route's great circle from `start` to `end`, and where places lie along it.
#[derive(Debug, Clone, Copy)]
pub struct Path {
    pub start: Spot,
    pub end: Spot,
    pub length_km: f64,
}

impl Path {
    pub fn new(start: Spot, end: Spot) -> Self {
        Self {
            start,
            end,
            length_km: start.km_to(end),
        }
    }

    /// How far along the path the place's foot lies, km from the start (negative behind it,
    /// beyond `length_km` past its end).
    pub fn along_km(&self, place: Spot) -> f64 {
        let angle = self.start.angle_to(place);
        let cross = self.cross_angle(place);
        let along = (angle.cos() / cross.cos()).clamp(-1.0, 1.0).acos() * RADIUS_KM;
        let ahead = (self.start.bearing_to(place) - self.start.bearing_to(self.end)).cos() >= 0.0;
        if ahead { along } else { -along }
    }

    /// The shortest distance from the place to the path between its ends, km.
    pub fn off_km(&self, place: Spot) -> f64 {
        let along = self.along_km(place);
        if along <= 0.0 {
            self.start.km_to(place)
        } else if along >= self.length_km {
            self.end.km_to(place)
        } else {
            (self.cross_angle(place) * RADIUS_KM).abs()
        }
    }

    /// What going from the start by `pickup` and `drop` to the end adds to the path, km.
    pub fn detour_km(&self, pickup: Spot, drop: Spot) -> f64 {
        self.start.km_to(pickup) + pickup.km_to(drop) + drop.km_to(self.end) - self.length_km
    }

    /// The angle between the place and the great circle, radians (signed by side).
    fn cross_angle(&self, place: Spot) -> f64 {
        let angle = self.start.angle_to(place);
        let turn = self.start.bearing_to(place) - self.start.bearing_to(self.end);
        (angle.sin() * turn.sin()).clamp(-1.0, 1.0).asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spot(lat: f64, lon: f64) -> Spot {
        Spot::new(lat, lon).unwrap()
    }

    #[test]
    fn a_degree_of_latitude_is_111_km() {
        let km = spot(55.0, 37.0).km_to(spot(56.0, 37.0));
        assert!((km - 111.19).abs() < 0.01, "{km}");
    }

    #[test]
    fn a_place_on_the_equator_between_the_ends_is_on_the_path() {
        let path = Path::new(spot(0.0, 0.0), spot(0.0, 10.0));
        assert!((path.along_km(spot(0.0, 4.0)) - 444.78).abs() < 0.01);
        assert!(path.off_km(spot(0.0, 4.0)) < 1e-6);
        // One degree north of the middle: 111 km off, as far along as its foot.
        assert!((path.off_km(spot(1.0, 5.0)) - 111.19).abs() < 0.01);
        assert!((path.along_km(spot(1.0, 5.0)) - 555.97).abs() < 0.2);
        // Behind the start, the distance is to the start itself.
        assert!(path.along_km(spot(0.0, -1.0)) < 0.0);
        assert!((path.off_km(spot(0.0, -1.0)) - 111.19).abs() < 0.01);
        // Past the end, to the end.
        assert!((path.off_km(spot(0.0, 11.0)) - 111.19).abs() < 0.01);
    }

    #[test]
    fn a_load_on_the_way_costs_no_detour_and_one_backwards_costs_twice_its_length() {
        let path = Path::new(spot(0.0, 0.0), spot(0.0, 10.0));
        assert!(path.detour_km(spot(0.0, 2.0), spot(0.0, 6.0)).abs() < 1e-6);
        let back = path.detour_km(spot(0.0, 6.0), spot(0.0, 2.0));
        assert!((back - 2.0 * 444.78).abs() < 0.05, "{back}");
    }

    #[test]
    fn coordinates_outside_the_globe_are_refused() {
        assert!(Spot::new(91.0, 0.0).is_none());
        assert!(Spot::new(0.0, -180.5).is_none());
        assert!(Spot::new(f64::NAN, 0.0).is_none());
    }
}

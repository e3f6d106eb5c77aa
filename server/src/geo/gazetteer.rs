//! The built-in gazetteer of Russian cities (GeoNames, CC BY 4.0: see `data/NOTICE.md`), and how
//! the exchange's points dictionary is matched to it: by name (any of a city's names in Russian
//! letters, or its Latin one), by region when the point names one, then the city whose main name
//! it is, then the most populous.

use std::{collections::HashMap, sync::LazyLock};

use super::earth::Spot;
use crate::cities::spelling;

/// `geonameid, name, other names (|), Latin name, region, latitude, longitude, population`.
const DATA: &str = include_str!("data/ru_cities.tsv");

#[derive(Debug, Clone, PartialEq)]
pub struct GazetteerCity {
    pub name: &'static str,
    pub region: &'static str,
    pub spot: Spot,
    pub population: u64,
}

pub struct Gazetteer {
    cities: Vec<GazetteerCity>,
    /// Folded name -> (place in `cities`, whether it is the city's main name).
    names: HashMap<String, Vec<(usize, bool)>>,
}

/// The gazetteer shipped in the binary.
pub fn built_in() -> &'static Gazetteer {
    static BUILT_IN: LazyLock<Gazetteer> = LazyLock::new(|| Gazetteer::read(DATA));
    &BUILT_IN
}

impl Gazetteer {
    /// Reads the data file; a malformed line is skipped (the file is made by a script and
    /// checked by a test, so none is).
    fn read(data: &'static str) -> Self {
        let mut cities = Vec::new();
        let mut names: HashMap<String, Vec<(usize, bool)>> = HashMap::new();
        for line in data.lines().filter(|line| !line.starts_with('#')) {
            let fields: Vec<&'static str> = line.split('\t').collect();
            let [_, name, others, latin, region, lat, lon, population] = fields[..] else {
                continue;
            };
            let (Ok(lat), Ok(lon), Ok(population)) = (lat.parse(), lon.parse(), population.parse())
            else {
                continue;
            };
            let Some(spot) = Spot::new(lat, lon) else {
                continue;
            };
            let place = cities.len();
            cities.push(GazetteerCity {
                name,
                region,
                spot,
                population,
            });
            let mut add = |written: &str, main: bool| {
                let entry = names.entry(spelling::folded(written)).or_default();
                if !entry.iter().any(|(known, _)| *known == place) {
                    entry.push((place, main));
                }
            };
            add(name, true);
            others
                .split('|')
                .filter(|n| !n.is_empty())
                .for_each(|n| add(n, false));
            add(latin, false);
        }
        Self { cities, names }
    }

    /// How many cities it holds.
    pub fn count(&self) -> usize {
        self.cities.len()
    }

    /// The city a point of the exchange's dictionary names: `Каменка (Пензенская обл.)` and
    /// `Каменка, Пензенская область` name the region too; `None` when no city of that name (in
    /// that region) is known.
    pub fn find(&self, point_name: &str) -> Option<&GazetteerCity> {
        let (name, region) = split_region(point_name);
        let candidates = self.names.get(&spelling::folded(name))?;
        candidates
            .iter()
            .filter(|(place, _)| {
                region.is_none_or(|region| in_region(self.cities[*place].region, region))
            })
            .max_by_key(|(place, main)| (*main, self.cities[*place].population))
            .map(|(place, _)| &self.cities[*place])
    }
}

/// A point's name and the region it names, if any.
fn split_region(point_name: &str) -> (&str, Option<&str>) {
    let trimmed = point_name.trim();
    if let Some((name, rest)) = trimmed.split_once('(')
        && let Some(region) = rest.strip_suffix(')')
    {
        return (name.trim(), Some(region.trim()));
    }
    match trimmed.split_once(',') {
        Some((name, region)) => (name.trim(), Some(region.trim())),
        None => (trimmed, None),
    }
}

/// Whether a region written the short way (`Пензенская обл.`, `Татарстан`, `Краснодарский кр`)
/// is the gazetteer's region: each word of it begins a word of the region's name.
fn in_region(region: &str, written: &str) -> bool {
    let region = spelling::folded(region);
    let words: Vec<&str> = region.split([' ', '-']).collect();
    let written = spelling::folded(written).replace('.', " ");
    let mut wanted = written
        .split([' ', '-'])
        .filter(|w| !w.is_empty())
        .peekable();
    wanted.peek().is_some() && wanted.all(|w| words.iter().any(|word| word.starts_with(w)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::cargotech::CITIES;

    #[test]
    fn the_data_file_reads_whole() {
        let lines = DATA.lines().filter(|line| !line.starts_with('#')).count();
        assert_eq!(built_in().count(), lines);
        assert!(lines > 1000, "{lines}");
    }

    #[test]
    fn every_city_of_the_sandbox_is_found_where_it_is() {
        for (name, lat, lon) in CITIES {
            let city = built_in().find(name).unwrap_or_else(|| panic!("{name}"));
            let off = city.spot.km_to(Spot::new(lat, lon).unwrap());
            assert!(
                off < 15.0,
                "{name}: {off} km from the sandbox's coordinates"
            );
        }
    }

    #[test]
    fn a_name_shared_by_several_cities_is_told_apart_by_its_region() {
        // Железногорск: one in the Kursk region (~ 90,000), one near Krasnoyarsk (~ 85,000).
        let kursk = built_in().find("Железногорск (Курская обл.)").unwrap();
        assert_eq!(kursk.region, "Курская область");
        let krasnoyarsk = built_in().find("Железногорск, Красноярский край").unwrap();
        assert_eq!(krasnoyarsk.region, "Красноярский край");
        assert!(kursk.spot.km_to(krasnoyarsk.spot) > 3000.0);
        // Without a region, the more populous.
        let either = built_in().find("Железногорск").unwrap();
        assert!(either.population >= kursk.population.max(krasnoyarsk.population));
        assert!(built_in().find("Железногорск (Тульская обл.)").is_none());
    }

    #[test]
    fn other_and_latin_names_find_the_city_and_the_main_name_wins() {
        let peter = built_in().find("Ленинград").unwrap();
        assert_eq!(peter.region, "Санкт-Петербург");
        assert_eq!(
            built_in().find("  КАЗАНЬ ").unwrap().region,
            "Республика Татарстан"
        );
        assert_eq!(
            built_in().find("Yekaterinburg").unwrap().region,
            "Свердловская область"
        );
        // Кукарка is also known as Советск; the city whose main name it is wins.
        assert_eq!(built_in().find("Советск").unwrap().name, "Советск");
        assert!(built_in().find("Нетакогогорода").is_none());
    }

    #[test]
    fn a_region_is_read_from_its_short_form() {
        assert!(in_region("Пензенская область", "Пензенская обл."));
        assert!(in_region("Республика Татарстан", "Татарстан"));
        assert!(in_region("Краснодарский край", "краснодарский кр"));
        assert!(!in_region("Пензенская область", "Пермский край"));
        assert!(!in_region("Пензенская область", " "));
    }
}

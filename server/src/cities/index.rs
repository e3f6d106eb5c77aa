//! The in-memory index city search answers from: every point's name, folded (and transliterated
//! to Latin letters), in one sorted list, so that a prefix is a binary search away.

use app::cargo::dictionary::{City, SETTLEMENT_POINT_TYPES};

use super::spelling;

/// Fewer letters than this match too much to be worth a list.
pub const MIN_LETTERS: usize = 2;
/// The most points one search answers.
pub const MAX_ANSWERS: usize = 20;

pub struct CityIndex {
    points: Vec<City>,
    /// (folded name, place in `points`), sorted; each point once in Cyrillic and once in Latin.
    names: Vec<(String, usize)>,
}

impl CityIndex {
    pub fn new(points: Vec<City>) -> Self {
        let mut names = Vec::with_capacity(points.len() * 2);
        for (place, point) in points.iter().enumerate() {
            let folded = spelling::folded(&point.name);
            let latin = spelling::latin(&folded);
            if latin != folded {
                names.push((latin, place));
            }
            names.push((folded, place));
        }
        names.sort_unstable();
        Self { points, names }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// The points whose name starts with `typed`: an exact match first, then settlements before
    /// regions and other points, then by name. Nothing for fewer than [`MIN_LETTERS`] letters.
    pub fn search(&self, typed: &str) -> Vec<City> {
        let mut wanted = spelling::folded(typed);
        if wanted.chars().count() < MIN_LETTERS {
            return Vec::new();
        }
        if spelling::is_latin(&wanted) {
            wanted = spelling::latin(&wanted);
        }
        let first = self
            .names
            .partition_point(|(name, _)| name.as_str() < wanted.as_str());
        let mut found: Vec<(bool, usize)> = self.names[first..]
            .iter()
            .take_while(|(name, _)| name.starts_with(&wanted))
            .map(|(name, place)| (*name == wanted, *place))
            .collect();
        // A point found by both spellings keeps its better match.
        found.sort_unstable_by_key(|&(exact, place)| (place, !exact));
        found.dedup_by_key(|(_, place)| *place);
        found.sort_by_cached_key(|&(exact, place)| {
            let point = &self.points[place];
            (
                !exact,
                !SETTLEMENT_POINT_TYPES.contains(&point.point_type),
                spelling::folded(&point.name),
                point.id,
            )
        });
        found
            .into_iter()
            .take(MAX_ANSWERS)
            .map(|(_, place)| self.points[place].clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(id: u32, name: &str, point_type: u8) -> City {
        City {
            id,
            name: name.into(),
            point_type,
        }
    }

    fn index() -> CityIndex {
        CityIndex::new(vec![
            point(10, "Московская область", 4),
            point(11, "Мосальск", 2),
            point(1, "Москва", 1),
            point(12, "Орёл", 2),
            point(13, "Орехово-Зуево", 2),
            point(14, "Нижний Новгород", 2),
            point(15, "Нижнекамск", 2),
        ])
    }

    fn names(found: Vec<City>) -> Vec<String> {
        found.into_iter().map(|city| city.name).collect()
    }

    #[test]
    fn a_prefix_finds_settlements_first_then_regions_in_name_order() {
        assert_eq!(
            names(index().search("мос")),
            ["Мосальск", "Москва", "Московская область"]
        );
    }

    #[test]
    fn an_exact_name_comes_first() {
        assert_eq!(names(index().search("МОСКВА")), ["Москва"]);
        let index = CityIndex::new(vec![point(1, "Орёл-Товарный", 2), point(2, "Орёл", 4)]);
        assert_eq!(names(index.search("орел")), ["Орёл", "Орёл-Товарный"]);
        assert_eq!(names(index.search("оре")), ["Орёл-Товарный", "Орёл"]);
    }

    #[test]
    fn case_yo_and_latin_letters_find_the_same_city() {
        assert_eq!(names(index().search("ОРЁ")), ["Орёл", "Орехово-Зуево"]);
        assert_eq!(names(index().search("оре")), ["Орёл", "Орехово-Зуево"]);
        assert_eq!(names(index().search("Moskva")), ["Москва"]);
        assert_eq!(names(index().search("nizhniy n")), ["Нижний Новгород"]);
    }

    #[test]
    fn one_letter_or_no_match_finds_nothing() {
        assert!(index().search("м").is_empty());
        assert!(index().search("  ").is_empty());
        assert!(index().search("Владивосток").is_empty());
    }

    #[test]
    fn a_long_list_is_cut_to_the_most_answers() {
        let many = (1..=100).map(|n| point(n, &format!("Каменка {n:03}"), 2));
        let found = CityIndex::new(many.collect()).search("каменка");
        assert_eq!(found.len(), MAX_ANSWERS);
        assert_eq!(found[0].name, "Каменка 001");
    }
}

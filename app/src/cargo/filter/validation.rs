//! What a good filter is: every field's limits, and a problem for each value outside them, in
//! the driver's language, so the form can show it next to its field. The server runs the same
//! checks on what it is sent, so a filter the form would refuse never reaches the exchange.

use super::{
    CUBIC_METRES, CargoFilter, FieldError, FilterField, FilterProblem, MAX_DICTIONARY_CHOICES,
    MAX_DISTANCE_KM, MAX_PRICE_PER_KM_RUB, MAX_PRICE_RUB, MAX_RADIUS_KM, Range, TONNES,
    WeightVolume,
};
use crate::i18n::Lang;

impl CargoFilter {
    /// Every problem at once, in the order the form shows its fields, worded in Russian (see
    /// [`FieldError::worded`] for another language).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut problem = |field, code| {
            errors.push(FieldError {
                field,
                code,
                message: describe(field, code, Lang::Ru),
            })
        };

        for (field, place) in [(FilterField::From, &self.from), (FilterField::To, &self.to)] {
            if let Some(place) = place {
                if place.city_id == 0 || place.point_type == 0 {
                    problem(field, FilterProblem::InvalidCity);
                } else if place.radius_km > MAX_RADIUS_KM {
                    problem(field, FilterProblem::OutOfRange);
                }
            }
        }
        if let Some(date) = &self.loading_date
            && !is_calendar_date(date)
        {
            problem(FilterField::LoadingDate, FilterProblem::InvalidDate);
        }
        if let Some(WeightVolume::Custom {
            tonnes,
            cubic_metres,
        }) = self.weight_volume
        {
            let fits = |value: f64, (low, high): (f64, f64)| {
                value.is_finite() && (low..=high).contains(&value)
            };
            if !fits(tonnes, TONNES) || !fits(cubic_metres, CUBIC_METRES) {
                problem(FilterField::WeightVolume, FilterProblem::OutOfRange);
            }
        }
        for (field, ids) in [
            (FilterField::LoadTypes, &self.load_types),
            (FilterField::TruckTypes, &self.truck_types),
        ] {
            if ids.len() > MAX_DICTIONARY_CHOICES {
                problem(field, FilterProblem::TooMany);
            }
        }
        check_range(
            &mut problem,
            FilterField::DistanceKm,
            self.distance_km,
            MAX_DISTANCE_KM,
        );
        check_range(
            &mut problem,
            FilterField::PriceRub,
            self.price_rub,
            MAX_PRICE_RUB,
        );
        check_range(
            &mut problem,
            FilterField::PricePerKmRub,
            self.price_per_km_rub,
            MAX_PRICE_PER_KM_RUB,
        );
        if let Some(inn) = &self.shipper_inn
            && !is_valid_inn(inn)
        {
            problem(FilterField::ShipperInn, FilterProblem::InvalidInn);
        }

        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl FieldError {
    /// The same problem, worded in `lang`.
    pub fn worded(self, lang: Lang) -> Self {
        Self {
            message: describe(self.field, self.code, lang),
            ..self
        }
    }
}

fn check_range<T: PartialOrd + Copy + Default>(
    problem: &mut impl FnMut(FilterField, FilterProblem),
    field: FilterField,
    range: Range<T>,
    max: T,
) {
    let zero = T::default();
    let outside = |value: Option<T>| value.is_some_and(|v| !(v >= zero && v <= max));
    if outside(range.min) || outside(range.max) {
        problem(field, FilterProblem::OutOfRange);
    } else if let (Some(min), Some(max)) = (range.min, range.max)
        && min > max
    {
        problem(field, FilterProblem::MinAboveMax);
    }
}

/// What a problem with a field tells the driver, in `lang`.
fn describe(field: FilterField, code: FilterProblem, lang: Lang) -> String {
    use FilterField as F;
    use FilterProblem as P;
    let en = lang == Lang::En;
    let range = |max: &dyn std::fmt::Display, ru_unit: &str, en_unit: &str| {
        if en {
            format!("From 0 to {max} {en_unit}")
        } else {
            format!("Значение — от 0 до {max} {ru_unit}")
        }
    };
    match (code, field) {
        (P::InvalidCity, F::To) if en => "Pick the unloading city from the list".into(),
        (P::InvalidCity, F::To) => "Выберите город выгрузки из списка".into(),
        (P::InvalidCity, _) if en => "Pick the loading city from the list".into(),
        (P::InvalidCity, _) => "Выберите город погрузки из списка".into(),
        (P::OutOfRange, F::From | F::To) if en => format!("A radius is at most {MAX_RADIUS_KM} km"),
        (P::OutOfRange, F::From | F::To) => format!("Радиус — не больше {MAX_RADIUS_KM} км"),
        (P::OutOfRange, F::WeightVolume) if en => {
            "Weight from 0.1 to 1000 t, volume from 0.1 to 200 m³".into()
        }
        (P::OutOfRange, F::WeightVolume) => {
            "Вес — от 0,1 до 1000 т, объём — от 0,1 до 200 м³".into()
        }
        (P::OutOfRange, F::DistanceKm) => range(&MAX_DISTANCE_KM, "км", "km"),
        (P::OutOfRange, F::PriceRub) => range(&MAX_PRICE_RUB, "₽", "₽"),
        (P::OutOfRange, _) => range(&MAX_PRICE_PER_KM_RUB, "₽/км", "₽/km"),
        (P::InvalidDate, _) if en => "A loading date is YYYY-MM-DD".into(),
        (P::InvalidDate, _) => "Дата погрузки — в виде ГГГГ-ММ-ДД".into(),
        (P::TooMany, _) if en => format!("At most {MAX_DICTIONARY_CHOICES} choices"),
        (P::TooMany, _) => format!("Не больше {MAX_DICTIONARY_CHOICES} вариантов"),
        (P::MinAboveMax, _) if en => "“From” cannot be more than “to”".into(),
        (P::MinAboveMax, _) => "«От» не может быть больше «до»".into(),
        (P::InvalidInn, _) if en => "An INN is 10 or 12 digits with valid check digits".into(),
        (P::InvalidInn, _) => "ИНН — 10 или 12 цифр с верной контрольной суммой".into(),
    }
}

/// A real `YYYY-MM-DD` calendar date (leap years included).
pub fn is_calendar_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[range];
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 2000 && (1..=days).contains(&day)
}

/// Russian taxpayer number: 10 digits for a company, 12 for a person, each with check digits.
pub fn is_valid_inn(inn: &str) -> bool {
    let digits: Vec<u32> = inn.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != inn.len() {
        return false;
    }
    let check = |weights: &[u32]| -> u32 {
        weights.iter().zip(&digits).map(|(w, d)| w * d).sum::<u32>() % 11 % 10
    };
    match digits.len() {
        10 => check(&[2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[9],
        12 => {
            check(&[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[10]
                && check(&[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[11]
        }
        _ => false,
    }
}

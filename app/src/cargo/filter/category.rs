//! The weight/volume categories a driver picks first: the truck classes the service was specified
//! with, each a range of a load's tonnes and cubic metres. "Any" is no category at all. One
//! definition serves the form's buttons, the chips, Hauler's API, the exchange's query and the
//! narrowing of cached lists, so a category means the same loads everywhere.

use serde::{Deserialize, Serialize};

use super::Range;

/// Slack when comparing a load's tonnes or cubic metres with a bound (they arrive as decimals).
const EPSILON: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WeightCategory {
    /// 1–3 t, up to 15 m³.
    OneToThree,
    /// 3–5 t, 15–25 m³.
    ThreeToFive,
    /// 5–10 t, 25–40 m³.
    FiveToTen,
    /// 10–15 t, 40–60 m³.
    TenToFifteen,
    /// 15–20 t, 60–82 m³.
    FifteenToTwenty,
    /// 20 t and more, 82 m³ and more.
    OverTwenty,
}

impl WeightCategory {
    /// In the order the form offers them (and the texts list their labels).
    pub const ALL: [Self; 6] = [
        Self::OneToThree,
        Self::ThreeToFive,
        Self::FiveToTen,
        Self::TenToFifteen,
        Self::FifteenToTwenty,
        Self::OverTwenty,
    ];

    /// The load's weight, tonnes; both ends inclusive, as the exchange's ranges are.
    pub fn tonnes(self) -> Range<f64> {
        let (min, max) = match self {
            Self::OneToThree => (1.0, Some(3.0)),
            Self::ThreeToFive => (3.0, Some(5.0)),
            Self::FiveToTen => (5.0, Some(10.0)),
            Self::TenToFifteen => (10.0, Some(15.0)),
            Self::FifteenToTwenty => (15.0, Some(20.0)),
            Self::OverTwenty => (20.0, None),
        };
        Range {
            min: Some(min),
            max,
        }
    }

    /// The load's volume, cubic metres; both ends inclusive.
    pub fn cubic_metres(self) -> Range<f64> {
        let (min, max) = match self {
            Self::OneToThree => (None, Some(15.0)),
            Self::ThreeToFive => (Some(15.0), Some(25.0)),
            Self::FiveToTen => (Some(25.0), Some(40.0)),
            Self::TenToFifteen => (Some(40.0), Some(60.0)),
            Self::FifteenToTwenty => (Some(60.0), Some(82.0)),
            Self::OverTwenty => (Some(82.0), None),
        };
        Range { min, max }
    }

    /// Whether a load of this weight and volume belongs to the category.
    pub fn admits(self, tonnes: f64, cubic_metres: f64) -> bool {
        let within = |range: Range<f64>, value: f64| {
            range.min.is_none_or(|min| value >= min - EPSILON)
                && range.max.is_none_or(|max| value <= max + EPSILON)
        };
        within(self.tonnes(), tonnes) && within(self.cubic_metres(), cubic_metres)
    }

    /// The largest truck of the category, when it has a top: tonnes and cubic metres.
    pub fn largest_truck(self) -> Option<(f64, f64)> {
        self.tonnes().max.zip(self.cubic_metres().max)
    }
}

/// Whether a load of this weight and volume fits a truck of this capacity.
pub(super) fn fits(capacity: (f64, f64), tonnes: f64, cubic_metres: f64) -> bool {
    tonnes <= capacity.0 + EPSILON && cubic_metres <= capacity.1 + EPSILON
}

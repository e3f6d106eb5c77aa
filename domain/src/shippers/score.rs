//! The shipper's score, 0 to 100, and the level a card's mark shows. One sentence tells drivers
//! how it is made (the Mini App's texts say it with these very numbers):
//!
//! 50, plus a point for each whole week Hauler has seen the shipper (at most 20), minus 20 times
//! the share of its loads re-posted or re-priced, plus 20 times how far its ₽/km is above the
//! route's median (within ±10), plus 5 for each approved "agreed", minus 5 for each "no answer"
//! or "already gone" and minus 20 for each "not paid".

use std::collections::HashMap;

pub use app::cargo::shipper::{ReportCounts, TrustLevel};

const BASE: f64 = 50.0;
/// A point a whole week seen, up to this many.
const TENURE_CAP: u32 = 20;
/// Taken off in full when every load was re-posted or re-priced.
const CHURN_WEIGHT: f64 = 20.0;
/// Points per 100 % above the routes' median ₽/km, and the most either way.
const RATE_WEIGHT: f64 = 20.0;
const RATE_CAP: f64 = 10.0;
const AGREED: f64 = 5.0;
const NO_ANSWER: f64 = -5.0;
const ALREADY_GONE: f64 = -5.0;
const NOT_PAID: f64 = -20.0;
/// A route's median is trusted from this many priced loads on it.
pub const MIN_ROUTE_LOADS: usize = 3;
/// Fewer loads than this and no report: too little seen to say.
const FEW_LOADS: u32 = 3;

/// What Hauler knows of a shipper.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Whole days since its first load was seen.
    pub days_seen: u32,
    pub loads: u32,
    pub reposted: u32,
    pub repriced: u32,
    /// Loads re-posted or re-priced (or both): each counted once.
    pub churned: u32,
    /// Its ₽/km against its routes' medians (1.0 is the median), when a route has enough loads.
    pub rate_ratio: Option<f64>,
    /// Approved reports only.
    pub reports: ReportCounts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub score: u8,
    pub level: TrustLevel,
}

/// The score and level, by the sentence above.
pub fn assess(facts: &Facts) -> Assessment {
    let tenure = f64::from((facts.days_seen / 7).min(TENURE_CAP));
    let churn = if facts.loads == 0 {
        0.0
    } else {
        -CHURN_WEIGHT * f64::from(facts.churned.min(facts.loads)) / f64::from(facts.loads)
    };
    let rate = facts.rate_ratio.map_or(0.0, |ratio| {
        (RATE_WEIGHT * (ratio - 1.0)).clamp(-RATE_CAP, RATE_CAP)
    });
    let reports = &facts.reports;
    let said = AGREED * f64::from(reports.agreed)
        + NO_ANSWER * f64::from(reports.no_answer)
        + ALREADY_GONE * f64::from(reports.already_gone)
        + NOT_PAID * f64::from(reports.not_paid);
    let score = (BASE + tenure + churn + rate + said)
        .round()
        .clamp(0.0, 100.0) as u8;
    let level = if facts.loads < FEW_LOADS && reports.total() == 0 {
        TrustLevel::New
    } else if score >= 70 {
        TrustLevel::Good
    } else if score >= 40 {
        TrustLevel::Fair
    } else {
        TrustLevel::Poor
    };
    Assessment { score, level }
}

/// A route by its loading and unloading cities' names.
pub type Route = (String, String);

/// The middle value (the mean of the two middle ones for an even count); `None` for none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    })
}

/// The shipper's ₽/km against its routes: the median, over its loads on routes with at least
/// [`MIN_ROUTE_LOADS`] priced loads, of each load's ₽/km divided by its route's median.
pub fn rate_ratio(own: &[(Route, f64)], routes: &HashMap<Route, Vec<f64>>) -> Option<f64> {
    let medians: HashMap<&Route, f64> = routes
        .iter()
        .filter(|(_, rates)| rates.len() >= MIN_ROUTE_LOADS)
        .filter_map(|(route, rates)| Some((route, median(rates)?)))
        .filter(|(_, median)| *median > 0.0)
        .collect();
    let ratios: Vec<f64> = own
        .iter()
        .filter_map(|(route, rate)| Some(rate / medians.get(route)?))
        .collect();
    median(&ratios)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(from: &str, to: &str) -> Route {
        (from.to_owned(), to.to_owned())
    }

    #[test]
    fn a_shipper_seen_a_month_with_some_churn_a_good_rate_and_reports() {
        // 30 days: 4 whole weeks, +4. 3 of 10 loads churned: −20 × 0.3 = −6. Pays 10 % over the
        // median: +20 × 0.1 = +2. Reports: 2 agreed, 1 no answer: +10 − 5 = +5.
        // 50 + 4 − 6 + 2 + 5 = 55: fair.
        let facts = Facts {
            days_seen: 30,
            loads: 10,
            reposted: 2,
            repriced: 2,
            churned: 3,
            rate_ratio: Some(1.1),
            reports: ReportCounts {
                agreed: 2,
                no_answer: 1,
                ..ReportCounts::default()
            },
        };
        assert_eq!(
            assess(&facts),
            Assessment {
                score: 55,
                level: TrustLevel::Fair
            }
        );
    }

    #[test]
    fn tenure_and_rate_are_capped_and_the_score_stays_within_0_to_100() {
        // A year: 52 weeks, capped at +20. Pays twice the median: +20, capped at +10. 5 agreed:
        // +25. 50 + 20 + 10 + 25 = 105, held at 100.
        let best = Facts {
            days_seen: 365,
            loads: 40,
            rate_ratio: Some(2.0),
            reports: ReportCounts {
                agreed: 5,
                ..ReportCounts::default()
            },
            ..Facts::default()
        };
        assert_eq!(assess(&best).score, 100);
        assert_eq!(assess(&best).level, TrustLevel::Good);
        // Every load churned: −20. Half the median: −10. Two not paid: −40.
        // 50 − 20 − 10 − 40 = −20, held at 0.
        let worst = Facts {
            loads: 4,
            churned: 4,
            rate_ratio: Some(0.5),
            reports: ReportCounts {
                not_paid: 2,
                ..ReportCounts::default()
            },
            ..Facts::default()
        };
        assert_eq!(
            assess(&worst),
            Assessment {
                score: 0,
                level: TrustLevel::Poor
            }
        );
    }

    #[test]
    fn a_third_churned_rounds_and_a_rate_below_the_median_costs() {
        // 1 of 3 churned: −6.67. 5 % under the median: −1. 50 − 6.67 − 1 = 42.33 → 42: fair.
        let facts = Facts {
            loads: 3,
            churned: 1,
            rate_ratio: Some(0.95),
            ..Facts::default()
        };
        assert_eq!(assess(&facts).score, 42);
        assert_eq!(assess(&facts).level, TrustLevel::Fair);
        // One "already gone" on top: 37.33 → 37, poor.
        let reported = Facts {
            reports: ReportCounts {
                already_gone: 1,
                ..ReportCounts::default()
            },
            ..facts
        };
        assert_eq!(
            assess(&reported),
            Assessment {
                score: 37,
                level: TrustLevel::Poor
            }
        );
    }

    #[test]
    fn too_little_seen_is_new_whatever_the_score() {
        let facts = Facts {
            loads: 2,
            ..Facts::default()
        };
        assert_eq!(
            assess(&facts),
            Assessment {
                score: 50,
                level: TrustLevel::New
            }
        );
        let reported = Facts {
            reports: ReportCounts {
                agreed: 1,
                ..ReportCounts::default()
            },
            ..facts
        };
        assert_eq!(assess(&reported).level, TrustLevel::Fair);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[60.0, 40.0, 80.0]), Some(60.0));
        assert_eq!(median(&[60.0, 40.0, 60.0, 80.0]), Some(60.0));
        assert_eq!(median(&[50.0, 40.0, 60.0, 80.0]), Some(55.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn the_rate_ratio_compares_loads_with_their_routes_medians() {
        // Moscow → Kazan: 60, 40, 60, 80 ₽/km, median 60; the shipper's load there pays 60: 1.0.
        // Kazan → Moscow: 66, 60, 50, median 60; the shipper's pays 66: 1.1.
        // Samara → Ufa has two loads only: not compared. Median of 1.0 and 1.1: 1.05.
        let routes = HashMap::from([
            (route("Москва", "Казань"), vec![60.0, 40.0, 60.0, 80.0]),
            (route("Казань", "Москва"), vec![66.0, 60.0, 50.0]),
            (route("Самара", "Уфа"), vec![10.0, 90.0]),
        ]);
        let own = [
            (route("Москва", "Казань"), 60.0),
            (route("Казань", "Москва"), 66.0),
            (route("Самара", "Уфа"), 90.0),
        ];
        let ratio = rate_ratio(&own, &routes).unwrap();
        assert!((ratio - 1.05).abs() < 1e-9, "{ratio}");
        assert_eq!(rate_ratio(&own[2..], &routes), None);
    }
}

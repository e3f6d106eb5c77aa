//! How long drivers' list requests take on the server, apart by whether they waited on the
//! exchange: the figures behind "a cached list in under 10 ms" and "98 % of lists without
//! waiting", measured where they happen rather than by a client sharing the machine.

use std::{sync::Mutex, time::Duration};

use hdrhistogram::Histogram;

/// Microseconds, from 1 µs to a minute, to three significant figures.
const HIGHEST_US: u64 = 60_000_000;

pub struct ListTimings {
    from_cache: Mutex<Histogram<u64>>,
    waited: Mutex<Histogram<u64>>,
}

/// What the lists so far add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ListTimingsSummary {
    pub from_cache: u64,
    pub waited: u64,
    /// Of the lists served from the cache, in milliseconds.
    pub cached_p50_ms: f64,
    pub cached_p95_ms: f64,
    pub cached_p99_ms: f64,
}

impl Default for ListTimings {
    fn default() -> Self {
        let histogram =
            || Mutex::new(Histogram::new_with_max(HIGHEST_US, 3).expect("valid histogram bounds"));
        Self {
            from_cache: histogram(),
            waited: histogram(),
        }
    }
}

impl ListTimings {
    pub fn record(&self, waited: bool, took: Duration) {
        let histogram = if waited {
            &self.waited
        } else {
            &self.from_cache
        };
        let micros = u64::try_from(took.as_micros())
            .unwrap_or(HIGHEST_US)
            .clamp(1, HIGHEST_US);
        let _ = lock(histogram).record(micros);
    }

    pub fn summary(&self) -> ListTimingsSummary {
        let cached = lock(&self.from_cache);
        let at = |q: f64| cached.value_at_quantile(q) as f64 / 1000.0;
        ListTimingsSummary {
            from_cache: cached.len(),
            waited: lock(&self.waited).len(),
            cached_p50_ms: at(0.50),
            cached_p95_ms: at(0.95),
            cached_p99_ms: at(0.99),
        }
    }
}

fn lock(histogram: &Mutex<Histogram<u64>>) -> std::sync::MutexGuard<'_, Histogram<u64>> {
    histogram.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_that_waited_are_counted_apart_from_those_served_from_the_cache() {
        let timings = ListTimings::default();
        for ms in 1..=100 {
            timings.record(false, Duration::from_millis(ms));
        }
        timings.record(true, Duration::from_millis(700));
        let summary = timings.summary();
        assert_eq!((summary.from_cache, summary.waited), (100, 1));
        assert!(
            (49.9..=50.1).contains(&summary.cached_p50_ms),
            "{summary:?}"
        );
        assert!(
            (94.9..=95.1).contains(&summary.cached_p95_ms),
            "{summary:?}"
        );
    }
}

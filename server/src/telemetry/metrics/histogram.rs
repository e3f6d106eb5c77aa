//! A histogram of durations in fixed buckets, kept in atomics: recording one is a few relaxed
//! additions with no lock and no allocation, so it can sit on every request's path.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// Buckets (upper bounds, in seconds) for answers to requests: from a cached list (a few
/// milliseconds) to the request timeout (30 s).
pub const LATENCY: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Buckets for waits in line (a card waiting for the exchange), up to a minute.
pub const WAIT: &[f64] = &[0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0];

pub struct Histogram {
    /// Upper bounds in seconds, ascending.
    bounds: &'static [f64],
    /// Observations per bucket (not cumulative); the last one is above every bound.
    counts: Box<[AtomicU64]>,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = self
            .bounds
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(self.bounds.len());
        self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|n| n.load(Ordering::Relaxed)).sum()
    }

    /// The cumulative count at each bound (`None` is `+Inf`), the sum in seconds and the count,
    /// as Prometheus writes a histogram.
    pub fn cumulative(&self) -> (Vec<(Option<f64>, u64)>, f64, u64) {
        let mut running = 0;
        let buckets: Vec<(Option<f64>, u64)> = self
            .counts
            .iter()
            .enumerate()
            .map(|(n, count)| {
                running += count.load(Ordering::Relaxed);
                (self.bounds.get(n).copied(), running)
            })
            .collect();
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        (buckets, sum, running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_that_holds_them_and_add_up() {
        let histogram = Histogram::new(&[0.1, 1.0]);
        histogram.observe(Duration::from_millis(100));
        histogram.observe(Duration::from_millis(500));
        histogram.observe(Duration::from_secs(3));
        let (buckets, sum, count) = histogram.cumulative();
        assert_eq!(buckets, vec![(Some(0.1), 1), (Some(1.0), 2), (None, 3)]);
        assert!((sum - 3.6).abs() < 1e-9, "{sum}");
        assert_eq!(count, 3);
        assert_eq!(histogram.count(), 3);
    }
}

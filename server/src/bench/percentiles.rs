//! The median and the tail of a set of latencies, as the report prints them.

use std::time::Duration;

/// In milliseconds.
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

impl Percentiles {
    pub fn of(mut latencies: Vec<Duration>) -> Self {
        latencies.sort();
        let at = |q: f64| {
            if latencies.is_empty() {
                return 0.0;
            }
            let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
            latencies[index].as_secs_f64() * 1000.0
        };
        Self {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
        }
    }
}

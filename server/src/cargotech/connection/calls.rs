//! The calls an account made to the exchange, by kind and outcome, counted in atomics as each
//! answer arrives (every attempt counts: a call refused with 401 and made again is two), for
//! `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::cargotech::{client::UpstreamError, fair_share::UpstreamKind};

const OUTCOMES: [&str; 4] = ["ok", "throttled", "unauthorized", "failed"];

#[derive(Default)]
pub struct CallCounts {
    counts: [[AtomicU64; OUTCOMES.len()]; UpstreamKind::ALL.len()],
}

impl CallCounts {
    pub fn count<T>(&self, kind: UpstreamKind, outcome: &Result<T, UpstreamError>) {
        let outcome = match outcome {
            Ok(_) | Err(UpstreamError::NotFound) => 0,
            Err(UpstreamError::Throttled { .. }) => 1,
            Err(UpstreamError::Unauthorized | UpstreamError::WrongCredentials(_)) => 2,
            Err(_) => 3,
        };
        self.counts[kind.index()][outcome].fetch_add(1, Ordering::Relaxed);
    }

    /// Every (kind, outcome, calls) counted at least once.
    pub fn each(&self) -> impl Iterator<Item = (&'static str, &'static str, u64)> + '_ {
        UpstreamKind::ALL.into_iter().flat_map(move |kind| {
            OUTCOMES
                .iter()
                .zip(&self.counts[kind.index()])
                .map(move |(outcome, count)| {
                    (kind.as_str(), *outcome, count.load(Ordering::Relaxed))
                })
                .filter(|(_, _, count)| *count > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_count_by_kind_and_outcome_and_a_taken_load_is_an_answer() {
        let counts = CallCounts::default();
        counts.count(UpstreamKind::List, &Ok(()));
        counts.count::<()>(UpstreamKind::Detail, &Err(UpstreamError::NotFound));
        counts.count::<()>(UpstreamKind::Detail, &Err(UpstreamError::Unauthorized));
        counts.count::<()>(
            UpstreamKind::Login,
            &Err(UpstreamError::Unavailable("down".into())),
        );
        assert_eq!(
            counts.each().collect::<Vec<_>>(),
            [
                ("list", "ok", 1),
                ("detail", "ok", 1),
                ("detail", "unauthorized", 1),
                ("login", "failed", 1),
            ]
        );
    }
}

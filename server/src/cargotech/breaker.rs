//! A circuit breaker: after repeated failures the exchange is left alone for a while, then one
//! probe decides whether it is back. Drivers get cached data meanwhile instead of waiting.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use serde::Serialize;

const OPEN_AFTER_FAILURES: u32 = 5;
const OPEN_FOR: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    /// One probe is allowed through.
    HalfOpen,
}

pub struct Breaker {
    inner: Mutex<Inner>,
}

struct Inner {
    failures: u32,
    open_until: Option<Instant>,
    probing: bool,
}

impl Default for Breaker {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                failures: 0,
                open_until: None,
                probing: false,
            }),
        }
    }
}

impl Breaker {
    /// Whether a call may go out now.
    pub fn allow(&self) -> bool {
        let mut inner = self.lock();
        match inner.open_until {
            None => true,
            Some(until) if Instant::now() < until => false,
            Some(_) if inner.probing => false,
            Some(_) => {
                inner.probing = true;
                true
            }
        }
    }

    pub fn succeeded(&self) {
        let mut inner = self.lock();
        if inner.open_until.is_some() {
            tracing::info!("the exchange answers again: circuit closed");
        }
        *inner = Inner {
            failures: 0,
            open_until: None,
            probing: false,
        };
    }

    pub fn failed(&self) {
        let mut inner = self.lock();
        inner.failures += 1;
        if inner.probing || inner.failures >= OPEN_AFTER_FAILURES {
            if inner.open_until.is_none() {
                tracing::warn!(
                    failures = inner.failures,
                    "the exchange keeps failing: circuit open"
                );
            }
            inner.open_until = Some(Instant::now() + OPEN_FOR);
            inner.probing = false;
        }
    }

    pub fn state(&self) -> BreakerState {
        let inner = self.lock();
        match inner.open_until {
            None => BreakerState::Closed,
            Some(until) if Instant::now() < until => BreakerState::Open,
            Some(_) => BreakerState::HalfOpen,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_failures_open_the_circuit_and_one_probe_closes_it() {
        let breaker = Breaker::default();
        for _ in 0..OPEN_AFTER_FAILURES - 1 {
            breaker.failed();
            assert!(breaker.allow());
        }
        breaker.failed();
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(!breaker.allow());

        breaker.lock().open_until = Some(Instant::now());
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert!(breaker.allow(), "one probe goes through");
        assert!(!breaker.allow(), "and only one");
        breaker.succeeded();
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.allow());
    }

    #[test]
    fn a_failed_probe_opens_the_circuit_again() {
        let breaker = Breaker::default();
        for _ in 0..OPEN_AFTER_FAILURES {
            breaker.failed();
        }
        breaker.lock().open_until = Some(Instant::now());
        assert!(breaker.allow());
        breaker.failed();
        assert_eq!(breaker.state(), BreakerState::Open);
    }
}

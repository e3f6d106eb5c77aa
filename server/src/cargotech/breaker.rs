//! A circuit breaker: after repeated failures the exchange is left alone for a while, then one
//! probe decides whether it is back. Drivers get cached data meanwhile instead of waiting.
//!
//! Every call the breaker lets through carries a [`Pass`]. The probe's pass frees the probe when
//! it is dropped, whatever became of the call (no budget slot, asked to slow down, an account
//! that cannot log in, a cancelled request): a probe that never reports must not keep the
//! exchange shut until a restart.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use serde::Serialize;

use super::client::UpstreamError;

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

#[derive(Default)]
struct Inner {
    failures: u32,
    open_until: Option<Instant>,
    /// The probe in flight, by number: a pass frees only its own probe, never a later one.
    probe: Option<u64>,
    probes_sent: u64,
}

impl Default for Breaker {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
        }
    }
}

/// Leave for one call to go out; the probe's, when the circuit is half open.
#[must_use = "a call let through must report its outcome, or be dropped to free the probe"]
pub struct Pass<'a> {
    breaker: &'a Breaker,
    probe: Option<u64>,
}

impl Breaker {
    /// Leave for a call to go out now, or `None` while the circuit is open (or its probe is out).
    pub fn allow(&self) -> Option<Pass<'_>> {
        let mut inner = self.lock();
        let probe = match inner.open_until {
            None => None,
            Some(until) if Instant::now() < until => return None,
            Some(_) if inner.probe.is_some() => return None,
            Some(_) => {
                inner.probes_sent += 1;
                inner.probe = Some(inner.probes_sent);
                inner.probe
            }
        };
        Some(Pass {
            breaker: self,
            probe,
        })
    }

    pub fn state(&self) -> BreakerState {
        let inner = self.lock();
        match inner.open_until {
            None => BreakerState::Closed,
            Some(until) if Instant::now() < until => BreakerState::Open,
            Some(_) => BreakerState::HalfOpen,
        }
    }

    fn succeeded(&self) {
        let mut inner = self.lock();
        if inner.open_until.is_some() {
            tracing::info!("the exchange answers again: circuit closed");
        }
        *inner = Inner {
            probes_sent: inner.probes_sent,
            ..Inner::default()
        };
    }

    fn failed(&self, probe: Option<u64>) {
        let mut inner = self.lock();
        inner.failures += 1;
        let probe_failed = probe.is_some() && inner.probe == probe;
        if probe_failed || inner.failures >= OPEN_AFTER_FAILURES {
            if inner.open_until.is_none() {
                tracing::warn!(
                    failures = inner.failures,
                    "the exchange keeps failing: circuit open"
                );
            }
            inner.open_until = Some(Instant::now() + OPEN_FOR);
            inner.probe = None;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Pass<'_> {
    /// Records what the call's outcome says about the exchange: an answer closes the circuit, a
    /// failure of the exchange counts against it. Being asked to slow down, an account that
    /// cannot log in or a question the exchange refuses say nothing either way: the probe is
    /// only freed, for the next call to try.
    pub fn settle<T>(self, outcome: &Result<T, UpstreamError>) {
        match outcome {
            Ok(_) => self.breaker.succeeded(),
            Err(UpstreamError::Throttled { .. }) => {}
            Err(error) if error.is_transient() => self.breaker.failed(self.probe),
            Err(_) => {}
        }
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let Some(probe) = self.probe else { return };
        let mut inner = self.breaker.lock();
        if inner.probe == Some(probe) {
            inner.probe = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unavailable() -> Result<(), UpstreamError> {
        Err(UpstreamError::Unavailable("502 Bad Gateway".into()))
    }

    /// A breaker opened by repeated failures whose pause is over: the next call is the probe.
    fn half_open() -> Breaker {
        let breaker = Breaker::default();
        for _ in 0..OPEN_AFTER_FAILURES {
            breaker.allow().expect("closed").settle(&unavailable());
        }
        assert_eq!(breaker.state(), BreakerState::Open);
        breaker.lock().open_until = Some(Instant::now());
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        breaker
    }

    /// The probe is free again: the next call is let through as a probe, and an answer closes
    /// the circuit.
    fn recovers(breaker: &Breaker) {
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        let probe = breaker.allow().expect("the next call probes");
        assert!(breaker.allow().is_none(), "one probe at a time");
        probe.settle(&Ok(()));
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.allow().is_some());
    }

    #[test]
    fn repeated_failures_open_the_circuit_and_one_probe_closes_it() {
        let breaker = Breaker::default();
        for _ in 0..OPEN_AFTER_FAILURES - 1 {
            breaker.allow().expect("closed").settle(&unavailable());
            assert_eq!(breaker.state(), BreakerState::Closed);
        }
        breaker.allow().expect("closed").settle(&unavailable());
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.allow().is_none());

        breaker.lock().open_until = Some(Instant::now());
        recovers(&breaker);
    }

    #[test]
    fn a_failed_probe_opens_the_circuit_again() {
        let breaker = half_open();
        breaker.allow().expect("the probe").settle(&unavailable());
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.allow().is_none());
    }

    #[test]
    fn a_probe_that_gets_no_budget_slot_frees_the_probe() {
        let breaker = half_open();
        let probe = breaker.allow().expect("the probe");
        // No slot in time: the gateway answers "busy" and the pass goes out of scope unsettled.
        drop(probe);
        recovers(&breaker);
    }

    #[test]
    fn a_probe_the_exchange_asks_to_slow_down_frees_the_probe() {
        let breaker = half_open();
        breaker
            .allow()
            .expect("the probe")
            .settle::<()>(&Err(UpstreamError::Throttled {
                retry_after: Duration::from_secs(2),
                remaining: Some(0),
            }));
        recovers(&breaker);
    }

    #[test]
    fn a_probe_through_an_account_that_cannot_log_in_frees_the_probe() {
        let breaker = half_open();
        for problem in [
            UpstreamError::WrongCredentials("bad password".into()),
            UpstreamError::SmsCodeRequired,
            UpstreamError::LoginPaused("three refusals".into()),
            UpstreamError::Unauthorized,
        ] {
            breaker
                .allow()
                .expect("the probe")
                .settle::<()>(&Err(problem));
            assert_eq!(breaker.state(), BreakerState::HalfOpen);
        }
        recovers(&breaker);
    }

    #[tokio::test]
    async fn a_cancelled_probe_frees_the_probe() {
        let breaker = half_open();
        let mut request = Box::pin(async {
            let probe = breaker.allow().expect("the probe");
            // The exchange never answers; the driver gives up first.
            std::future::pending::<()>().await;
            probe.settle(&Ok(()));
        });
        let gave_up = tokio::time::timeout(Duration::from_millis(20), &mut request).await;
        assert!(
            gave_up.is_err(),
            "the probe is still waiting on the exchange"
        );
        assert!(
            breaker.allow().is_none(),
            "while it is out, nobody else calls"
        );
        drop(request);
        recovers(&breaker);
    }

    #[test]
    fn a_probe_outlived_by_a_reopening_does_not_free_the_next_probe() {
        let breaker = Breaker::default();
        let slow_call = breaker.allow().expect("closed");
        for _ in 0..OPEN_AFTER_FAILURES {
            breaker.allow().expect("closed").settle(&unavailable());
        }
        breaker.lock().open_until = Some(Instant::now());
        let first = breaker.allow().expect("the first probe");
        // A call sent before the circuit opened fails now and opens it again.
        slow_call.settle(&unavailable());
        assert_eq!(breaker.state(), BreakerState::Open);
        breaker.lock().open_until = Some(Instant::now());
        let second = breaker.allow().expect("the second probe");
        drop(first);
        assert!(
            breaker.allow().is_none(),
            "the second probe is still the only one out"
        );
        drop(second);
        recovers(&breaker);
    }
}

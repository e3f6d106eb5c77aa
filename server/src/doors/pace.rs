//! Each driver's pace on this instance. Every request a signed-in driver makes (lists, cards,
//! cities, their own data) draws from a bucket of `burst` requests that refills at `per_second`.
//! A person never empties it: opening the app takes a handful, scrolling a page or two a second.
//! A script asking in a loop does, and is refused `429 too_many_requests` with `Retry-After`
//! until the bucket refills, so one driver cannot take this instance's processors from the
//! others. Cached answers are what such a script gets most, and they cost no call to the exchange
//! (whose calls have a fair share of their own), only this instance's time: the pace is kept in
//! its memory, and a check costs no trip to the store.

use std::{
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use domain::DriverId;
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

use super::Refused;
use crate::config::PaceRules;

/// How many checks pass between two sweeps of drivers whose bucket is full again (who are
/// remembered no longer).
const SWEEP_EVERY: u64 = 16_384;

pub struct Pace {
    buckets: DefaultKeyedRateLimiter<DriverId>,
    checks: AtomicU64,
}

impl Pace {
    pub fn new(rules: PaceRules) -> Self {
        let whole = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(whole(rules.per_second)).allow_burst(whole(rules.burst));
        Self {
            buckets: RateLimiter::keyed(quota),
            checks: AtomicU64::new(0),
        }
    }

    /// One request of `driver`'s, or how long until they may make one.
    pub fn admit(&self, driver: DriverId) -> Result<(), Refused> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.buckets.retain_recent();
        }
        self.buckets
            .check_key(&driver)
            .map_err(|not_until| Refused {
                retry_after: not_until
                    .wait_time_from(DefaultClock::default().now())
                    .max(Duration::from_millis(1)),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_driver_past_the_burst_waits_for_the_bucket_while_others_are_let_in() {
        let pace = Pace::new(PaceRules {
            per_second: 2,
            burst: 3,
        });
        let (greedy, other) = (DriverId::from(1), DriverId::from(2));
        for _ in 0..3 {
            assert!(pace.admit(greedy).is_ok());
        }
        let refused = pace.admit(greedy).unwrap_err();
        assert!(
            refused.retry_after > Duration::ZERO
                && refused.retry_after <= Duration::from_millis(500),
            "one request refills in half a second at 2 a second: {:?}",
            refused.retry_after
        );
        assert!(
            pace.admit(other).is_ok(),
            "another driver has a bucket of their own"
        );
        std::thread::sleep(refused.retry_after);
        assert!(pace.admit(greedy).is_ok(), "the bucket refilled by one");
        assert!(pace.admit(greedy).is_err());
    }
}

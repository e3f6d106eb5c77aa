//! Login throttling, per account and per client address: four failures on an account are free
//! (twenty from one address, where several people may share an office's connection), then each
//! further one doubles the wait (30 s, 1 min, 2 min … up to an hour). A success clears the
//! account's count; the address keeps its count until it lapses.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::store::SharedStore;
use serde::{Deserialize, Serialize};

const FREE_FOR_ACCOUNT: u32 = 4;
const FREE_FOR_ADDRESS: u32 = 20;
const FIRST_WAIT: Duration = Duration::from_secs(30);
const LONGEST_WAIT: Duration = Duration::from_secs(3600);
/// How long a count of failures is remembered.
const MEMORY: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Failures {
    count: u32,
    blocked_until: Option<DateTime<Utc>>,
}

#[derive(Clone)]
pub struct LoginThrottle {
    pub store: SharedStore,
}

/// Each counter's key and how many failures it lets pass.
fn counters(email: &str, address: &str) -> [(String, u32); 2] {
    [
        (
            format!("admin-login-failures:account:{email}"),
            FREE_FOR_ACCOUNT,
        ),
        (
            format!("admin-login-failures:address:{address}"),
            FREE_FOR_ADDRESS,
        ),
    ]
}

/// The wait after `count` failures where `free` of them cost nothing.
pub fn wait_after(count: u32, free: u32) -> Duration {
    if count <= free {
        return Duration::ZERO;
    }
    let doublings = (count - free - 1).min(10);
    (FIRST_WAIT * 2u32.pow(doublings)).min(LONGEST_WAIT)
}

impl LoginThrottle {
    /// `Err(wait)` while the account or the address must wait.
    pub async fn check(&self, email: &str, address: &str) -> Result<(), Duration> {
        let now = Utc::now();
        let mut longest = Duration::ZERO;
        for (key, _) in counters(email, address) {
            let failures: Failures = self.store.get_json(&key).await.unwrap_or_default();
            if let Some(until) = failures.blocked_until.filter(|until| *until > now) {
                longest = longest.max((until - now).to_std().unwrap_or_default());
            }
        }
        if longest.is_zero() {
            Ok(())
        } else {
            Err(longest)
        }
    }

    /// Counts a failure; returns the wait it imposes (zero while failures are still free).
    pub async fn failed(&self, email: &str, address: &str) -> Duration {
        let mut longest = Duration::ZERO;
        for (key, free) in counters(email, address) {
            let mut failures: Failures = self.store.get_json(&key).await.unwrap_or_default();
            failures.count += 1;
            let wait = wait_after(failures.count, free);
            if !wait.is_zero() {
                failures.blocked_until = Some(Utc::now() + wait);
                longest = longest.max(wait);
            }
            self.store.set_json(&key, &failures, MEMORY).await;
        }
        longest
    }

    pub async fn succeeded(&self, email: &str) {
        let [(account, _), _] = counters(email, "");
        self.store.delete(&account).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_failures_are_free_then_each_doubles_the_wait() {
        assert_eq!(wait_after(4, FREE_FOR_ACCOUNT), Duration::ZERO);
        assert_eq!(wait_after(5, FREE_FOR_ACCOUNT), Duration::from_secs(30));
        assert_eq!(wait_after(6, FREE_FOR_ACCOUNT), Duration::from_secs(60));
        assert_eq!(wait_after(8, FREE_FOR_ACCOUNT), Duration::from_secs(240));
        assert_eq!(wait_after(40, FREE_FOR_ACCOUNT), Duration::from_secs(3600));
        assert_eq!(wait_after(20, FREE_FOR_ADDRESS), Duration::ZERO);
        assert_eq!(wait_after(21, FREE_FOR_ADDRESS), Duration::from_secs(30));
    }
}

//! Login throttling, built so that knowing an admin's email is not enough to lock that admin out.
//!
//! Every failure (a wrong password, or a wrong second-factor code) is counted three times, and
//! each count lets some failures pass before each further one doubles a wait (30 s, 1 min, 2 min
//! … up to an hour):
//! - **this address on this account**: 4 free. The guesser's own address is held back first.
//! - **this address on any account**: 20 free (several people may share an office's
//!   connection). Catches one address trying many emails.
//! - **this account from anywhere**: 10 free. Catches guessing spread over many addresses, but
//!   it holds back only addresses that have failed before: an address with no failures on
//!   record always gets its attempt checked, so the owner, from their own address with the
//!   right password (and code, when the second factor is on), always gets in. An address that
//!   fails during such a wait is held back from then on.
//!
//! A success clears the counts of that account and of that address on it; an address's count
//! on every account lapses by itself, so one's own login cannot buy more guesses at another's.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::store::SharedStore;
use serde::{Deserialize, Serialize};

const FREE_AT_ADDRESS_ON_ACCOUNT: u32 = 4;
const FREE_AT_ADDRESS: u32 = 20;
const FREE_ON_ACCOUNT: u32 = 10;
const FIRST_WAIT: Duration = Duration::from_secs(30);
const LONGEST_WAIT: Duration = Duration::from_secs(3600);
/// How long a count of failures is remembered.
const MEMORY: Duration = Duration::from_secs(24 * 3600);
// The guesser's address is held back before the account is.
const _: () = assert!(FREE_AT_ADDRESS_ON_ACCOUNT < FREE_ON_ACCOUNT);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Failures {
    count: u32,
    blocked_until: Option<DateTime<Utc>>,
}

impl Failures {
    /// How long these failures still hold an attempt back.
    fn wait(&self, now: DateTime<Utc>) -> Duration {
        self.blocked_until
            .and_then(|until| (until - now).to_std().ok())
            .unwrap_or_default()
    }
}

/// One of the three counts, by its key in the shared store and the failures it lets pass.
struct Counter {
    key: String,
    free: u32,
}

impl Counter {
    fn address_on_account(email: &str, address: &str) -> Self {
        Self {
            key: format!("admin-login-failures:address-on-account:{address}:{email}"),
            free: FREE_AT_ADDRESS_ON_ACCOUNT,
        }
    }

    fn address(address: &str) -> Self {
        Self {
            key: format!("admin-login-failures:address:{address}"),
            free: FREE_AT_ADDRESS,
        }
    }

    fn account(email: &str) -> Self {
        Self {
            key: format!("admin-login-failures:account:{email}"),
            free: FREE_ON_ACCOUNT,
        }
    }
}

/// The wait after `count` failures where `free` of them cost nothing.
pub fn wait_after(count: u32, free: u32) -> Duration {
    if count <= free {
        return Duration::ZERO;
    }
    let doublings = (count - free - 1).min(10);
    (FIRST_WAIT * 2u32.pow(doublings)).min(LONGEST_WAIT)
}

#[derive(Clone)]
pub struct LoginThrottle {
    pub store: SharedStore,
}

impl LoginThrottle {
    /// `Err(wait)` while this address must wait before trying this account again.
    pub async fn check(&self, email: &str, address: &str) -> Result<(), Duration> {
        let now = Utc::now();
        let on_account = self
            .failures(&Counter::address_on_account(email, address))
            .await;
        let at_address = self.failures(&Counter::address(address)).await;
        let mut wait = on_account.wait(now).max(at_address.wait(now));
        if at_address.count > 0 {
            wait = wait.max(self.failures(&Counter::account(email)).await.wait(now));
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts a failure; returns the wait it imposes on this address (zero while failures are
    /// still free).
    pub async fn failed(&self, email: &str, address: &str) -> Duration {
        let mut longest = Duration::ZERO;
        for counter in [
            Counter::address_on_account(email, address),
            Counter::address(address),
            Counter::account(email),
        ] {
            let mut failures = self.failures(&counter).await;
            failures.count += 1;
            let wait = wait_after(failures.count, counter.free);
            if !wait.is_zero() {
                failures.blocked_until = Some(Utc::now() + wait);
                longest = longest.max(wait);
            }
            self.store.set_json(&counter.key, &failures, MEMORY).await;
        }
        longest
    }

    /// The right password (and code): the account is no longer under guessing, nor is this
    /// address on it.
    pub async fn succeeded(&self, email: &str, address: &str) {
        for counter in [
            Counter::address_on_account(email, address),
            Counter::account(email),
        ] {
            self.store.delete(&counter.key).await;
        }
    }

    async fn failures(&self, counter: &Counter) -> Failures {
        self.store.get_json(&counter.key).await.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_free_failures_pass_then_each_doubles_the_wait() {
        assert_eq!(wait_after(4, FREE_AT_ADDRESS_ON_ACCOUNT), Duration::ZERO);
        assert_eq!(
            wait_after(5, FREE_AT_ADDRESS_ON_ACCOUNT),
            Duration::from_secs(30)
        );
        assert_eq!(
            wait_after(6, FREE_AT_ADDRESS_ON_ACCOUNT),
            Duration::from_secs(60)
        );
        assert_eq!(
            wait_after(8, FREE_AT_ADDRESS_ON_ACCOUNT),
            Duration::from_secs(240)
        );
        assert_eq!(
            wait_after(40, FREE_AT_ADDRESS_ON_ACCOUNT),
            Duration::from_secs(3600)
        );
        assert_eq!(wait_after(20, FREE_AT_ADDRESS), Duration::ZERO);
        assert_eq!(wait_after(21, FREE_AT_ADDRESS), Duration::from_secs(30));
    }
}

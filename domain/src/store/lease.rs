//! Leases held in this process, for the one instance that runs without Redis: the same rules as
//! the shared ones (only the holder renews or releases; a lapsed lease goes to whoever asks
//! next), kept apart from the cache so that no cache fallback can ever grant one.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

#[derive(Default)]
pub struct LocalLeases {
    held: Mutex<HashMap<String, Held>>,
}

struct Held {
    holder: String,
    until: Instant,
}

impl LocalLeases {
    /// Takes the lease if it is free (or lapsed), renews it if `holder` has it: `true` while
    /// `holder` holds it, until `now + ttl`.
    pub fn hold(&self, key: &str, holder: &str, ttl: Duration, now: Instant) -> bool {
        let mut held = self.lock();
        if let Some(lease) = held.get(key)
            && lease.holder != holder
            && now < lease.until
        {
            return false;
        }
        held.insert(
            key.to_owned(),
            Held {
                holder: holder.to_owned(),
                until: now + ttl,
            },
        );
        true
    }

    /// Lets the lease go if `holder` has it (a lease another took meanwhile stays theirs).
    pub fn release(&self, key: &str, holder: &str) {
        let mut held = self.lock();
        if held.get(key).is_some_and(|lease| lease.holder == holder) {
            held.remove(key);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Held>> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(10);
    const KEY: &str = "lease:job";

    #[test]
    fn the_first_holder_leads_and_renews_while_another_waits() {
        let leases = LocalLeases::default();
        let now = Instant::now();
        assert!(leases.hold(KEY, "a", TTL, now));
        assert!(!leases.hold(KEY, "b", TTL, now));
        assert!(leases.hold(KEY, "a", TTL, now + TTL / 2), "a renews");
        assert!(
            !leases.hold(KEY, "b", TTL, now + TTL),
            "the renewal pushed the end out"
        );
    }

    #[test]
    fn a_lapsed_lease_goes_to_the_next_holder_and_the_old_one_cannot_renew_it() {
        let leases = LocalLeases::default();
        let now = Instant::now();
        assert!(leases.hold(KEY, "a", TTL, now));
        let later = now + TTL;
        assert!(leases.hold(KEY, "b", TTL, later), "a's lease lapsed");
        assert!(!leases.hold(KEY, "a", TTL, later), "b holds it now");
    }

    #[test]
    fn a_released_lease_goes_to_the_next_holder_at_once_and_only_its_holder_releases_it() {
        let leases = LocalLeases::default();
        let now = Instant::now();
        assert!(leases.hold(KEY, "a", TTL, now));
        leases.release(KEY, "b");
        assert!(
            !leases.hold(KEY, "b", TTL, now),
            "b cannot release a's lease"
        );
        leases.release(KEY, "a");
        assert!(
            leases.hold(KEY, "b", TTL, now),
            "b takes it before it lapses"
        );
    }

    #[test]
    fn leases_under_different_keys_are_held_apart() {
        let leases = LocalLeases::default();
        let now = Instant::now();
        assert!(leases.hold("lease:one", "a", TTL, now));
        assert!(leases.hold("lease:two", "b", TTL, now));
    }
}

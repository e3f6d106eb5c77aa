//! How many live feeds (`/api/v1/live`) each driver holds open on this instance. A feed is a
//! connection kept open for as long as the Mini App is, so a script opening thousands would hold
//! thousands of sockets and subscriptions; past the cap a new one is refused and the open ones
//! keep flowing. A [`LiveTicket`] is held by the feed and gives its place back when the feed ends.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use domain::DriverId;

#[derive(Clone)]
pub struct LiveConnections {
    open: Arc<Mutex<HashMap<DriverId, u32>>>,
    per_driver: u32,
}

/// One open feed's place; dropping it (the feed ended) frees the place.
pub struct LiveTicket {
    open: Arc<Mutex<HashMap<DriverId, u32>>>,
    driver: DriverId,
}

impl LiveConnections {
    pub fn new(per_driver: u32) -> Self {
        Self {
            open: Arc::default(),
            per_driver,
        }
    }

    /// A place for one more feed of `driver`'s, or `None` when they hold as many as allowed.
    pub fn open(&self, driver: DriverId) -> Option<LiveTicket> {
        let mut open = lock(&self.open);
        let count = open.entry(driver).or_default();
        if *count >= self.per_driver {
            return None;
        }
        *count += 1;
        Some(LiveTicket {
            open: Arc::clone(&self.open),
            driver,
        })
    }

    /// Feeds open now, every driver's.
    pub fn total(&self) -> u64 {
        lock(&self.open).values().map(|&n| u64::from(n)).sum()
    }
}

impl Drop for LiveTicket {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        if let Some(count) = open.get_mut(&self.driver) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.driver);
            }
        }
    }
}

fn lock(open: &Mutex<HashMap<DriverId, u32>>) -> std::sync::MutexGuard<'_, HashMap<DriverId, u32>> {
    open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_driver_holds_up_to_the_cap_and_a_closed_feed_frees_its_place() {
        let live = LiveConnections::new(2);
        let (one, two) = (DriverId::from(1), DriverId::from(2));
        let first = live.open(one).unwrap();
        let _second = live.open(one).unwrap();
        assert!(live.open(one).is_none());
        assert!(
            live.open(two).is_some(),
            "another driver has places of their own"
        );
        assert_eq!(live.total(), 2, "the other driver's feed closed at once");
        drop(first);
        assert_eq!(live.total(), 1);
        assert!(live.open(one).is_some());
    }
}

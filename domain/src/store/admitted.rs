//! Drivers let in a moment ago, by session token: every cargo request checks a session and the
//! driver's access, and a driver scrolling asks several times a second. For a few seconds after
//! both checks passed, the same token is let in again from this instance's memory, without
//! reading the store or hashing the token; a lookup allocates nothing.
//!
//! What ends a session or changes access on this instance forgets the driver here at once
//! (`sessions::end`, `sessions::end_all`, `access::grant`); a change made on another instance is
//! seen here within [`ADMITTED_FOR`]. Access is never remembered past its own end.

use std::{
    sync::RwLock,
    time::{Duration, Instant},
};

use crate::{DriverId, lapsing::Lapsing};

/// How long a passed check is taken as passing again on this instance.
pub const ADMITTED_FOR: Duration = Duration::from_secs(5);

/// From this many remembered tokens, an insert first sweeps out the lapsed ones (see [`Lapsing`]).
const SWEEP_FROM: usize = 4_096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    pub driver_id: DriverId,
    pub telegram_id: i64,
    /// Whether access to loads was checked too (not only the session).
    pub with_access: bool,
}

#[derive(Default)]
pub struct RecentlyAdmitted {
    by_token: RwLock<Lapsing<Box<str>, (Admitted, Instant), SWEEP_FROM>>,
}

impl RecentlyAdmitted {
    /// Who this token let in a moment ago, if it did.
    pub fn recall(&self, token: &str) -> Option<Admitted> {
        let by_token = self.by_token.read().unwrap_or_else(|p| p.into_inner());
        let (admitted, until) = by_token.get(token)?;
        (Instant::now() < *until).then_some(*admitted)
    }

    /// Remembers that the token let the driver in, for [`ADMITTED_FOR`] at most (`lasts_for`
    /// shortens it: access that ends sooner).
    pub fn note(&self, token: &str, admitted: Admitted, lasts_for: Option<Duration>) {
        let now = Instant::now();
        let until = now + lasts_for.map_or(ADMITTED_FOR, |left| left.min(ADMITTED_FOR));
        let mut by_token = self.by_token.write().unwrap_or_else(|p| p.into_inner());
        by_token.sweep(|_, (_, until)| *until > now);
        by_token.insert(token.into(), (admitted, until));
    }

    pub fn forget_token(&self, token: &str) {
        let mut by_token = self.by_token.write().unwrap_or_else(|p| p.into_inner());
        by_token.remove(token);
    }

    pub fn forget_driver(&self, driver_id: DriverId) {
        let mut by_token = self.by_token.write().unwrap_or_else(|p| p.into_inner());
        by_token.retain(|_, (admitted, _)| admitted.driver_id != driver_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn driver(id: i64) -> Admitted {
        Admitted {
            driver_id: DriverId::from(id),
            telegram_id: id * 10,
            with_access: true,
        }
    }

    #[test]
    fn a_token_is_recalled_until_forgotten_with_its_driver() {
        let admitted = RecentlyAdmitted::default();
        admitted.note("token-a", driver(1), None);
        admitted.note("token-b", driver(2), None);
        assert_eq!(admitted.recall("token-a"), Some(driver(1)));
        admitted.forget_driver(DriverId::from(1));
        assert_eq!(admitted.recall("token-a"), None);
        assert_eq!(admitted.recall("token-b"), Some(driver(2)));
        admitted.forget_token("token-b");
        assert_eq!(admitted.recall("token-b"), None);
    }

    #[test]
    fn access_ending_sooner_is_not_remembered_past_its_end() {
        let admitted = RecentlyAdmitted::default();
        admitted.note("token", driver(1), Some(Duration::ZERO));
        assert_eq!(admitted.recall("token"), None);
    }
}

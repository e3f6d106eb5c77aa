//! What the exchange counts: requests by kind, refusals, and each account's admitted
//! requests, for tests and the bench to compare Hauler's upstream use against its budget.

use std::sync::atomic::Ordering;

use serde::Serialize;

use super::Exchange;

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub requests: u64,
    pub logins: u64,
    pub lists: u64,
    pub details: u64,
    pub points: u64,
    pub me: u64,
    pub throttled: u64,
    pub unauthorized: u64,
    /// The most requests one account had admitted in any 60-second window.
    pub peak_per_minute: u64,
    /// Requests admitted per account, the first account first.
    pub requests_by_account: Vec<u64>,
}

/// Indexes into the exchange's counters: every request, then by kind, then refusals.
pub(super) const REQUESTS: usize = 0;
pub(super) const LOGINS: usize = 1;
pub(super) const LISTS: usize = 2;
pub(super) const DETAILS: usize = 3;
pub(super) const POINTS: usize = 4;
pub(super) const ME: usize = 5;
pub(super) const THROTTLED: usize = 6;
pub(super) const UNAUTHORIZED: usize = 7;

impl Exchange {
    pub fn stats(&self) -> Stats {
        let count = |index: usize| self.inner.counters[index].load(Ordering::Relaxed);
        let book = self.book();
        Stats {
            requests: count(REQUESTS),
            logins: count(LOGINS),
            lists: count(LISTS),
            details: count(DETAILS),
            points: count(POINTS),
            me: count(ME),
            throttled: count(THROTTLED),
            unauthorized: count(UNAUTHORIZED),
            peak_per_minute: book.peak_per_minute,
            requests_by_account: book.admitted.clone(),
        }
    }

    /// Detail requests admitted for one load.
    pub fn details_of(&self, load_id: u64) -> u64 {
        self.book()
            .details_by_load
            .get(&load_id)
            .copied()
            .unwrap_or(0)
    }

    pub fn reset_stats(&self) {
        self.inner
            .counters
            .iter()
            .for_each(|counter| counter.store(0, Ordering::Relaxed));
        let mut book = self.book();
        book.admitted.iter_mut().for_each(|n| *n = 0);
        book.details_by_load.clear();
    }

    pub(super) fn count(&self, index: usize) {
        self.inner.counters[index].fetch_add(1, Ordering::Relaxed);
    }
}

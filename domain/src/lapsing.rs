//! Maps whose entries lapse (remembered for seconds), swept of the lapsed ones as they grow.
//!
//! Sweeping before every insert once the map holds more than a fixed number costs a scan of the
//! whole map per insert as soon as more entries than that are alive at once: with 20,000 drivers
//! each remembered for five seconds, every driver let in scanned 14,000 entries, and the sweeps
//! took 8 % of the server's time while the crowd arrived (`perf`). A [`Lapsing`] map is swept
//! once it has doubled since its last sweep (and holds at least `FROM`), so each sweep is paid
//! for by as many inserts as it scans.

use std::{
    collections::HashMap,
    hash::Hash,
    ops::{Deref, DerefMut},
};

/// A map swept of lapsed entries once it holds `FROM` entries, then whenever it has doubled.
pub struct Lapsing<K, V, const FROM: usize> {
    entries: HashMap<K, V>,
    sweep_at: usize,
}

impl<K, V, const FROM: usize> Default for Lapsing<K, V, FROM> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            sweep_at: FROM,
        }
    }
}

impl<K: Eq + Hash, V, const FROM: usize> Lapsing<K, V, FROM> {
    /// Keeps only the entries `alive` says are, if the map has grown enough to be swept.
    pub fn sweep(&mut self, alive: impl FnMut(&K, &mut V) -> bool) {
        if self.entries.len() >= self.sweep_at {
            self.sweep_now(alive);
        }
    }

    /// Keeps only the entries `alive` says are, now, however many there are (a map bounded by
    /// something else than its count, over that bound).
    pub fn sweep_now(&mut self, alive: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain(alive);
        self.sweep_at = (self.entries.len() * 2).max(FROM);
    }
}

impl<K, V, const FROM: usize> Deref for Lapsing<K, V, FROM> {
    type Target = HashMap<K, V>;

    fn deref(&self) -> &Self::Target {
        &self.entries
    }
}

impl<K, V, const FROM: usize> DerefMut for Lapsing<K, V, FROM> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries 0..n inserted one by one, sweeping before each; `alive` says which survive a
    /// sweep. Returns the map and how many entries the sweeps looked at in all.
    fn inserted(n: u32, alive: fn(u32) -> bool) -> (Lapsing<u32, (), 64>, usize) {
        let mut map = Lapsing::<u32, (), 64>::default();
        let mut looked_at = 0;
        for key in 0..n {
            map.sweep(|key, ()| {
                looked_at += 1;
                alive(*key)
            });
            map.insert(key, ());
        }
        (map, looked_at)
    }

    #[test]
    fn a_crowd_all_alive_is_not_scanned_on_every_insert() {
        let (map, looked_at) = inserted(20_000, |_| true);
        assert_eq!(map.len(), 20_000);
        // Each sweep at twice the size after the last: the scans add up to less than two per
        // insert, where sweeping on every insert past 64 would have looked at 200 million.
        assert!(looked_at < 2 * 20_000, "looked at {looked_at}");
    }

    #[test]
    fn lapsed_entries_go_once_the_map_has_grown() {
        let (map, _) = inserted(64, |_| false);
        assert_eq!(map.len(), 64, "not swept below its first size");
        let (map, _) = inserted(65, |_| false);
        assert_eq!(
            map.len(),
            1,
            "swept once it held 64: only the newest is left"
        );
        let (mut map, _) = inserted(10, |_| false);
        map.sweep_now(|key, ()| *key > 5);
        assert_eq!(map.len(), 4, "swept now, however few it holds");
        let (map, _) = inserted(1_000, |key| key % 2 == 0);
        assert!(
            map.len() < 1_000 && map.keys().filter(|key| *key % 2 == 1).count() < 200,
            "odd keys lapse as the map grows: {} left",
            map.len()
        );
    }
}

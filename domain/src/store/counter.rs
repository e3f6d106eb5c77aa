//! Counters of hits in fixed windows, held in this process: the whole story on an instance
//! without Redis, and the fallback while Redis is down (each instance then counts on its own,
//! which lets more through but never refuses everyone).

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use super::WindowCount;
use crate::lapsing::Lapsing;

/// Below this many counters nothing is swept; from it, lapsed windows are dropped now and then
/// (see [`Lapsing`]).
const SWEEP_FROM: usize = 1024;

#[derive(Default)]
pub struct LocalCounters {
    inner: Mutex<Counters>,
}

type Counters = Lapsing<String, Window, SWEEP_FROM>;

struct Window {
    hits: u64,
    ends: Instant,
}

impl LocalCounters {
    /// Counts one hit under `key`: a window of `window` opens with the first hit and the count
    /// starts again after it ends.
    pub fn hit(&self, key: &str, window: Duration, now: Instant) -> WindowCount {
        let mut counters = self.lock();
        counters.sweep(|_, open| open.ends > now);
        let entry = counters
            .entry(key.to_owned())
            .and_modify(|open| {
                if open.ends <= now {
                    *open = Window {
                        hits: 0,
                        ends: now + window,
                    };
                }
            })
            .or_insert(Window {
                hits: 0,
                ends: now + window,
            });
        entry.hits += 1;
        WindowCount {
            hits: entry.hits,
            resets_in: entry.ends - now,
        }
    }

    /// The hits counted under `key` in its open window, without counting one.
    pub fn peek(&self, key: &str, now: Instant) -> WindowCount {
        match self.lock().get(key) {
            Some(open) if open.ends > now => WindowCount {
                hits: open.hits,
                resets_in: open.ends - now,
            },
            _ => WindowCount::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn hits_add_up_within_a_window_and_start_again_after_it() {
        let counters = LocalCounters::default();
        let now = Instant::now();
        assert_eq!(counters.hit("door", MINUTE, now).hits, 1);
        let second = counters.hit("door", MINUTE, now + Duration::from_secs(20));
        assert_eq!(second.hits, 2);
        assert_eq!(
            second.resets_in,
            Duration::from_secs(40),
            "the window opened at the first hit"
        );
        let next = counters.hit("door", MINUTE, now + MINUTE);
        assert_eq!((next.hits, next.resets_in), (1, MINUTE), "a new window");
    }

    #[test]
    fn keys_count_apart_and_peeking_counts_nothing() {
        let counters = LocalCounters::default();
        let now = Instant::now();
        counters.hit("driver:1", MINUTE, now);
        counters.hit("driver:1", MINUTE, now);
        counters.hit("driver:2", MINUTE, now);
        assert_eq!(counters.peek("driver:1", now).hits, 2);
        assert_eq!(counters.peek("driver:1", now).hits, 2);
        assert_eq!(counters.peek("driver:2", now).hits, 1);
        assert_eq!(counters.peek("driver:3", now), WindowCount::default());
        assert_eq!(counters.peek("driver:1", now + MINUTE).hits, 0, "lapsed");
    }

    #[test]
    fn lapsed_windows_are_swept_once_there_are_many() {
        let counters = LocalCounters::default();
        let now = Instant::now();
        for n in 0..SWEEP_FROM {
            counters.hit(&format!("old:{n}"), MINUTE, now);
        }
        counters.hit("new", MINUTE, now + MINUTE);
        assert_eq!(counters.lock().len(), 1);
    }
}

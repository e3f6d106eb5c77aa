//! Whether a Redis is being left alone, shared by everything on an instance that asks it (the
//! store, the exchange's budget, the fair share). The first command to find Redis failing puts it
//! at rest; from then on nobody asks it until a ping in the background finds it answering again.
//!
//! A Redis that hangs (connections taken, never answered) costs each command its response
//! timeout, twice with the retry: had each part found that out on its own, a driver's request
//! would pay once for every part it passes through, and once more every time Redis was tried
//! again. Resting shared, and tried again only by the ping, a request pays at most once: the
//! ones already waiting on Redis when it stopped answering.

use std::{
    sync::{Mutex, MutexGuard},
    time::{Duration, Instant},
};

/// How long Redis is left alone after a failure before a ping tries it again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

pub(super) struct Resting {
    /// For logs: "Redis", or "the cache's Redis".
    name: &'static str,
    rest: Mutex<Option<Rest>>,
}

struct Rest {
    reason: String,
    /// When a ping may try it again.
    retry_at: Instant,
    /// A ping is on its way: until it answers, nobody else asks.
    probing: bool,
}

/// What the caller is to do about Redis now.
pub(super) enum Turn {
    Ask,
    LeaveAlone,
    /// Leave it alone, and ping it: its rest is over and nobody is pinging it yet.
    Probe,
}

impl Resting {
    pub(super) fn new(name: &'static str) -> Self {
        Self {
            name,
            rest: Mutex::new(None),
        }
    }

    pub(super) fn turn(&self) -> Turn {
        let mut rest = self.rest();
        match rest.as_mut() {
            None => Turn::Ask,
            Some(rest) if rest.probing || Instant::now() < rest.retry_at => Turn::LeaveAlone,
            Some(rest) => {
                rest.probing = true;
                Turn::Probe
            }
        }
    }

    /// Redis answered: whoever asks next asks it.
    pub(super) fn answered(&self) {
        if self.rest().take().is_some() {
            tracing::info!(redis = self.name, "Redis answers again and is asked again");
        }
    }

    /// Redis failed or did not answer in time: it is left alone for a moment.
    pub(super) fn failed(&self, reason: String) {
        let mut rest = self.rest();
        if rest.is_none() {
            tracing::warn!(
                redis = self.name,
                %reason,
                "Redis unavailable: left alone, and pinged in the background until it answers"
            );
        }
        *rest = Some(Rest {
            reason,
            retry_at: Instant::now() + RETRY_AFTER_FAILURE,
            probing: false,
        });
    }

    /// Why it is left alone; `None` while it answers.
    pub(super) fn reason(&self) -> Option<String> {
        self.rest().as_ref().map(|rest| rest.reason.clone())
    }

    fn rest(&self) -> MutexGuard<'_, Option<Rest>> {
        self.rest
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(resting: &Resting) -> &'static str {
        match resting.turn() {
            Turn::Ask => "ask",
            Turn::LeaveAlone => "leave alone",
            Turn::Probe => "ping",
        }
    }

    /// Redis fails: everyone leaves it alone. Once its rest is over one caller is told to ping
    /// it while the others still leave it alone; a failed ping rests it again, an answer makes
    /// everyone ask it again.
    #[test]
    fn a_failed_redis_is_left_alone_then_pinged_by_one_and_asked_by_all_once_it_answers() {
        let resting = Resting::new("Redis");
        assert_eq!(turn(&resting), "ask");

        resting.failed("connection refused".into());
        assert_eq!(turn(&resting), "leave alone");
        assert_eq!(resting.reason().as_deref(), Some("connection refused"));

        std::thread::sleep(RETRY_AFTER_FAILURE + Duration::from_millis(50));
        assert_eq!(turn(&resting), "ping");
        assert_eq!(turn(&resting), "leave alone", "one ping at a time");
        resting.failed("timed out".into());
        assert_eq!(
            turn(&resting),
            "leave alone",
            "a failed ping rests it again"
        );

        std::thread::sleep(RETRY_AFTER_FAILURE + Duration::from_millis(50));
        assert_eq!(turn(&resting), "ping");
        resting.answered();
        assert_eq!(turn(&resting), "ask");
        assert_eq!(turn(&resting), "ask");
        assert_eq!(resting.reason(), None);
    }
}

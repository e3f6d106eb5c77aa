//! How fresh what a driver sees is: each card's age, a card the exchange has taken said so as
//! soon as Hauler can know it, and the loads that left a list since the driver last looked.
//!
//! **Age.** Every card served carries `age_seconds`, from the exchange's own `created_at` of the
//! load (`wire::posted_instant`), worked out as the answer leaves (cached windows keep only the
//! timestamp), so a card cached for minutes still tells its true age.
//!
//! **Taken at once.** A load the exchange has taken answers its detail with 404 and leaves the
//! lists; nothing else tells. A detail in the cache was true when fetched, so serving it as it is
//! can show a load that was taken a second later (a detail prefetched for a list, or opened by
//! another driver). So a held detail older than `CACHE_DETAIL_CONFIRM_AFTER_SECONDS` (15 s; a
//! younger one is served as it is, which bounds the calls to one per card per quarter-minute) is
//! not served without a look at the exchange first: the detail is asked again (drivers opening the same card at the same moment share the one call),
//! charged to the background share of the budget (`Priority::Background`: it never queues ahead
//! of drivers' lists and cards, nor spends the driver's fair share), and the driver waits for it
//! at most as long as for a first card ([`CONFIRM_WAIT`]). A 404 is the answer at once. Only when
//! the budget has no background slot in that time, or the exchange fails, is the held detail
//! served as it was, the same as before this check existed. A fresh detail costs the exchange
//! one call per opening, which is what opening a card would cost without the cache, and only
//! from the budget's spare share.
//!
//! **Gone since last looked.** The first page of a list a driver gets is remembered per driver
//! and per question (up to [`QUESTIONS_KEPT`] questions, [`SEEN_KEPT`] loads each, for a week).
//! When the driver opens the same list again, a load remembered that the exchange no longer lists
//! is marked gone. "No longer lists" is judged from the first window of the question held in the
//! shared cache, without a call: a load absent from it is gone when the window holds the whole
//! answer, or when the load was posted after the oldest load of the window (the exchange lists
//! newest first, so a load still listed that late would be in it). A load older than the window
//! reaches, that newer loads merely pushed further down, is not marked. A driver asking the same
//! first page again within [`LOOK_AGAIN_AFTER`] (or the list's freshness, if shorter) of the last
//! look on this instance is not looking anew: nothing is read or written for it, which keeps the
//! cached list as cheap as it was.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use app::cargo::{
    card::{CargoCard, CargoDetail, CargoPage, GoneLoad},
    filter::CargoFilter,
};
use chrono::{DateTime, Utc};
use domain::{DriverId, lapsing::Lapsing, store::SharedStore};
use serde::{Deserialize, Serialize};

use super::{Gateway, list::first_window_question};
use crate::cargotech::{
    budget::Priority, cache::FetchError, fair_share::UpstreamKind, narrowing::Narrowing,
    wire::posted_instant,
};

/// How long a driver waits for the exchange to confirm a held detail before it is served as held.
pub const CONFIRM_WAIT: Duration = Duration::from_millis(1500);
/// The questions remembered per driver (the latest ones).
pub const QUESTIONS_KEPT: usize = 5;
/// The loads remembered per question: a first page at most.
pub const SEEN_KEPT: usize = 100;
/// The gone loads a page tells of, newest first.
pub const GONE_SHOWN: usize = 20;
/// How long a driver's last look is remembered.
const SEEN_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
/// A first page asked again sooner than this after a look is the same look.
pub const LOOK_AGAIN_AFTER: Duration = Duration::from_secs(30);
/// From this many recent looks held on an instance, holding another sweeps out the old ones
/// (see [`Lapsing`]).
const RECENT_SWEEP_FROM: usize = 50_000;

/// The card with its age as of `now`.
pub fn aged(mut card: CargoCard, now: DateTime<Utc>) -> CargoCard {
    card.age_seconds = age_of(&card, now);
    card
}

fn age_of(card: &CargoCard, now: DateTime<Utc>) -> Option<u64> {
    let posted = posted_instant(card.posted_at.as_deref()?)?;
    // A clock a little ahead of ours is "just now", not an error.
    Some(u64::try_from((now - posted).num_seconds()).unwrap_or(0))
}

/// A load as the driver last saw it on a first page.
#[derive(Serialize, Deserialize)]
struct Seen {
    load: GoneLoad,
    posted_at: Option<String>,
}

/// A driver's last looks, the latest question last.
#[derive(Default, Serialize, Deserialize)]
struct LastLooks {
    looks: Vec<(String, Vec<Seen>)>,
}

/// What Hauler knows the exchange lists now for a question, without asking it.
struct Listed {
    ids: HashSet<u64>,
    /// The window holds the whole answer.
    whole: bool,
    /// The oldest load's posting moment in the window.
    oldest: Option<DateTime<Utc>>,
}

impl Listed {
    fn of(window: &CargoPage) -> Self {
        Self {
            ids: window.cards.iter().map(|card| card.id).collect(),
            whole: window.total <= window.cards.len() as u64,
            oldest: window
                .cards
                .iter()
                .filter_map(|card| posted_instant(card.posted_at.as_deref()?))
                .min(),
        }
    }

    fn lost(&self, seen: &Seen) -> bool {
        if self.ids.contains(&seen.load.id) {
            return false;
        }
        if self.whole {
            return true;
        }
        let posted = seen.posted_at.as_deref().and_then(posted_instant);
        matches!((posted, self.oldest), (Some(posted), Some(oldest)) if posted > oldest)
    }
}

pub struct LastSeen {
    store: SharedStore,
    /// When each driver last looked at each question on this instance.
    recent: Mutex<Lapsing<(DriverId, String), Instant, RECENT_SWEEP_FROM>>,
}

impl LastSeen {
    pub fn new(store: SharedStore) -> Self {
        Self {
            store,
            recent: Mutex::default(),
        }
    }

    /// Whether this is a new look (the last one on this instance was `again_after` ago or more);
    /// notes it if so.
    fn new_look(&self, driver: DriverId, question: &str, again_after: Duration) -> bool {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let key = (driver, question.to_owned());
        if recent
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < again_after)
        {
            return false;
        }
        recent.sweep(|_, at| now.duration_since(*at) < again_after);
        recent.insert(key, now);
        true
    }

    fn key(driver: DriverId) -> String {
        format!("last-seen:{}", i64::from(driver))
    }
}

impl Gateway {
    /// The loads the driver saw on the first page of this list last time that the exchange no
    /// longer lists (see the module's doc); then remembers `shown`, this first page, as the
    /// driver's latest look at it.
    pub async fn gone_since_last_look(
        &self,
        driver: DriverId,
        filter: &CargoFilter,
        shown: &[CargoCard],
    ) -> Vec<GoneLoad> {
        let question = first_window_question(filter);
        if !self
            .seen
            .new_look(driver, &question, LOOK_AGAIN_AFTER.min(self.ttls.list))
        {
            return Vec::new();
        }
        let key = LastSeen::key(driver);
        let mut looks: LastLooks = self.seen.store.get_json(&key).await.unwrap_or_default();
        let before = looks
            .looks
            .iter()
            .position(|(asked, _)| *asked == question)
            .map(|at| looks.looks.remove(at).1)
            .unwrap_or_default();
        let gone = match self.listed_now(filter).await {
            Some(listed) => before
                .into_iter()
                .filter(|seen| listed.lost(seen))
                .take(GONE_SHOWN)
                .map(|seen| seen.load)
                .collect(),
            None => Vec::new(),
        };
        let now_seen = shown
            .iter()
            .take(SEEN_KEPT)
            .map(|card| Seen {
                load: GoneLoad::of(card),
                posted_at: card.posted_at.clone(),
            })
            .collect();
        looks.looks.push((question, now_seen));
        let excess = looks.looks.len().saturating_sub(QUESTIONS_KEPT);
        looks.looks.drain(..excess);
        self.seen.store.set_json(&key, &looks, SEEN_FOR).await;
        gone
    }

    /// What the exchange lists for the question, from its first window held in the cache (or
    /// the broader question's it is narrowed from, which lists all its loads too).
    async fn listed_now(&self, filter: &CargoFilter) -> Option<Listed> {
        if let Some((window, _)) = self.lists.peek(&first_window_question(filter)).await {
            return Some(Listed::of(&window));
        }
        let broad = Narrowing::of(filter)?.broad;
        let (window, _) = self.lists.peek(&first_window_question(&broad)).await?;
        Some(Listed::of(&window))
    }

    /// The detail of a load as the exchange answers it now, when the budget's background share
    /// has a slot for the call within [`CONFIRM_WAIT`] (see the module's doc); `None` when it
    /// could not be asked in time. The answer refreshes the cache for everyone.
    pub(super) async fn confirmed(self: &Arc<Self>, id: u64) -> Option<Option<CargoDetail>> {
        let gateway = Arc::clone(self);
        let (answer, answered) = tokio::sync::oneshot::channel();
        // The check runs on even if the driver goes: its answer is everyone's.
        tokio::spawn(async move {
            let client = gateway.client.clone();
            let fetched = gateway
                .details
                .fill(&id.to_string(), || {
                    gateway.call_within(
                        UpstreamKind::Detail,
                        true,
                        Priority::Background,
                        CONFIRM_WAIT,
                        move |token| {
                            let client = client.clone();
                            async move { client.detail(&token, id).await }
                        },
                    )
                })
                .await;
            if let Ok(detail) = &fetched
                && let Some(detail) = detail.as_ref()
            {
                gateway.sightings.detailed(detail);
            }
            let _ = answer.send(fetched);
        });
        match tokio::time::timeout(CONFIRM_WAIT, answered).await {
            Ok(Ok(Ok(detail))) => Some(detail.as_ref().clone()),
            Ok(Ok(Err(FetchError::Upstream(_) | FetchError::OverShare(_)))) | Ok(Err(_)) => None,
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests;

//! Cards waiting for the exchange. A card the budget cannot fetch at once is not refused: it
//! waits here in line, and the driver is told their place and when to expect it, while the
//! Mini App shows what the list already knew. Cards drivers are looking at stand in one line
//! (first come, first fetched); speculative prefetches in another, fetched only when no driver
//! waits and dropped when there is no slot for them.
//!
//! The line never refuses a driver. It is bounded in memory (`limit` cards, a card asked by many
//! drivers being one entry) and fair: each driver holds at most `per_driver` places (their oldest
//! card gives its place up when they open one more, as a driver reads one card at a time); the
//! driver who puts a card in line is charged for its call against their fair share (the gateway
//! does that before claiming), and a driver joining a card someone else is already waiting for
//! costs nothing. A claim lives while its driver keeps asking: it ends `max_wait` after the
//! driver last asked (they left: the app stopped polling). When the line is full, prefetches give
//! way first, then the cards whose drivers all left; a driver still asking never loses their
//! place. Should the line still be full, a new card waits outside it (the driver is told it
//! waits, behind the whole line) and gets in as soon as there is room.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use app::cargo::card::CargoDetail;
use domain::DriverId;
use tokio::sync::watch;

use super::GatewayError;
use crate::telemetry::metrics::{Histogram, WAIT};

/// How a card's fetch ended: the detail (`None` when taken), or why there is none.
pub type Fetched = Result<Arc<Option<CargoDetail>>, GatewayError>;

/// Why a card could not be put in line now: the line is full of cards drivers still ask for.
/// Not a refusal: the driver is told the card waits, behind the whole line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outside {
    /// Cards ahead of it.
    pub ahead: usize,
}

/// How often a full line looks for cards whose drivers left.
const FULL_SCAN_EVERY: Duration = Duration::from_secs(1);
/// Prefetches waiting at most (the oldest give way).
const PREFETCH_LIMIT: usize = 300;
/// The longest a waiting driver is told to stay away before asking again.
const LONGEST_PAUSE: Duration = Duration::from_secs(10);
/// How long a claim's outcome is kept for its driver after its wait ended.
const CLAIM_GRACE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy)]
pub struct QueueRules {
    /// Cards held at most (drivers' and prefetches; a card many drivers wait for is one).
    pub limit: usize,
    /// Places one driver may hold.
    pub per_driver: usize,
    /// How long a claim outlives its driver's last ask (the driver left).
    pub max_wait: Duration,
    /// Calls a second the budget allows (every account together), for the estimates.
    pub calls_per_second: f64,
    /// Cards fetched at once.
    pub fetchers: usize,
}

/// Which line a card waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// A driver is looking at it.
    Driver,
    /// Warmed in case someone opens it.
    Prefetch,
}

/// One card on its way from the exchange, shared by everyone waiting for it.
pub struct Entry {
    pub id: u64,
    done: watch::Sender<Option<Fetched>>,
}

impl Entry {
    fn new(id: u64) -> Arc<Self> {
        Arc::new(Self {
            id,
            done: watch::Sender::new(None),
        })
    }

    /// The outcome, once there is one, waiting at most `within`.
    pub async fn outcome(&self, within: Duration) -> Option<Fetched> {
        let mut done = self.done.subscribe();
        let arrived = tokio::time::timeout(within, done.wait_for(Option::is_some)).await;
        match arrived {
            Ok(Ok(outcome)) => outcome.clone(),
            _ => None,
        }
    }
}

/// A driver's place for a card.
#[derive(Clone)]
pub struct Claim {
    pub entry: Arc<Entry>,
    /// When the driver is taken to have left, unless they ask again.
    pub deadline: Instant,
    /// What the driver was last told of the card's place.
    told: Option<Told>,
}

/// What a waiting driver was told: their place, when the card was due and when to ask again.
#[derive(Debug, Clone, Copy)]
struct Told {
    position: u32,
    due: Instant,
    again_at: Instant,
}

/// A card's place in line as a driver is told it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// 1 for the next card to be fetched.
    pub position: u32,
    /// About how long until it is fetched.
    pub estimate: Duration,
    /// When to ask again.
    pub again: Duration,
}

/// What a fetcher is to do next.
pub struct Job {
    pub entry: Arc<Entry>,
    pub lane: Lane,
    /// How long the fetch may wait for a budget slot.
    pub wait: Duration,
}

struct Waiting {
    entry: Arc<Entry>,
    lane: Lane,
    /// Its turn among the drivers' cards (given when it joined their line).
    ticket: u64,
    /// The drivers waiting for it and until when (moved on by each ask).
    claimants: Vec<(DriverId, Instant)>,
    /// A fetcher has it in hand.
    fetching: bool,
    /// When it joined the drivers' line.
    joined: Instant,
}

#[derive(Default)]
struct Line {
    waiting: HashMap<u64, Waiting>,
    drivers: VecDeque<u64>,
    prefetch: VecDeque<u64>,
    /// Each driver's claims, by card: a driver's own are found without walking everyone's.
    claims: HashMap<DriverId, HashMap<u64, Claim>>,
    next_ticket: u64,
    fetchers: usize,
    last_sweep: Option<Instant>,
    last_full_scan: Option<Instant>,
}

pub struct CardQueue {
    rules: QueueRules,
    line: Mutex<Line>,
    /// How the line went, for `/metrics`.
    pub figures: QueueFigures,
}

/// How long drivers' cards waited, and how many left the line unfetched.
pub struct QueueFigures {
    /// From joining the drivers' line to the card's outcome.
    pub waits: Histogram,
    /// Asks for a new card that found the line full of cards drivers still ask for, and waited
    /// outside it.
    pub outside: AtomicU64,
    /// Cards whose drivers all left before they were fetched.
    pub expired: AtomicU64,
}

impl CardQueue {
    pub fn new(rules: QueueRules) -> Self {
        Self {
            rules,
            line: Mutex::new(Line::default()),
            figures: QueueFigures {
                waits: Histogram::new(WAIT),
                outside: AtomicU64::new(0),
                expired: AtomicU64::new(0),
            },
        }
    }

    /// Cards waiting now: drivers', then prefetches.
    pub fn lengths(&self) -> (usize, usize) {
        let line = self.line();
        (line.drivers.len(), line.prefetch.len())
    }

    /// The driver asks again for a card they have a claim on: the claim lives on until
    /// `max_wait` after this ask has waited `patience`. `None` when they have none, or when the
    /// line let the card go meanwhile because they had stopped asking (asking again, they take
    /// a new place).
    pub fn renew(&self, driver: DriverId, id: u64, patience: Duration) -> Option<Claim> {
        let until = Instant::now() + patience + self.rules.max_wait;
        let mut guard = self.line();
        let line = &mut *guard;
        let claim = line.claim_mut(driver, id)?;
        if matches!(
            &*claim.entry.done.borrow(),
            Some(Err(GatewayError::NotFetchedInTime))
        ) {
            line.drop_claim(driver, id);
            return None;
        }
        claim.deadline = until;
        let claim = claim.clone();
        if let Some(waiting) = line.waiting.get_mut(&id) {
            for (claimant, at) in &mut waiting.claimants {
                if *claimant == driver {
                    *at = until;
                }
            }
        }
        Some(claim)
    }

    /// Puts the driver in line for the card (joining whoever waits for it already), for an ask
    /// that waits `patience`; a full line makes room (see the module's note), or, full of cards
    /// drivers still ask for, keeps the card `Outside`. Over their places, the driver's oldest
    /// other card gives its place up. Says whether the claim put the card in the drivers' line
    /// (nobody waited for it, or only as a prefetch): the driver then causes its call.
    pub fn claim(
        &self,
        driver: DriverId,
        id: u64,
        patience: Duration,
    ) -> Result<(Claim, bool), Outside> {
        let now = Instant::now();
        let deadline = now + patience + self.rules.max_wait;
        let mut line = self.line();
        line.sweep(now);
        let causes_call = match line.waiting.get(&id) {
            Some(waiting) => waiting.lane == Lane::Prefetch && !waiting.fetching,
            None => true,
        };
        if !line.waiting.contains_key(&id)
            && line.waiting.len() >= self.rules.limit
            && !self.make_room(&mut line, now)
        {
            self.figures.outside.fetch_add(1, Ordering::Relaxed);
            return Err(Outside {
                ahead: line.drivers.len(),
            });
        }
        line.make_room_for(driver, self.rules.per_driver.max(1));
        line.next_ticket += 1;
        let ticket = line.next_ticket;
        let waiting = line.waiting.entry(id).or_insert_with(|| Waiting {
            entry: Entry::new(id),
            lane: Lane::Driver,
            ticket,
            claimants: Vec::new(),
            fetching: false,
            joined: now,
        });
        let promoted = waiting.lane == Lane::Prefetch;
        if promoted {
            waiting.ticket = ticket;
            waiting.joined = now;
        }
        waiting.lane = Lane::Driver;
        waiting.claimants.push((driver, deadline));
        let entry = Arc::clone(&waiting.entry);
        let fetching = waiting.fetching;
        if promoted {
            line.prefetch.retain(|queued| *queued != id);
        }
        if causes_call || (promoted && !fetching) {
            line.drivers.push_back(id);
        }
        let claim = Claim {
            entry,
            deadline,
            told: None,
        };
        line.claims
            .entry(driver)
            .or_default()
            .insert(id, claim.clone());
        Ok((claim, causes_call))
    }

    /// Room for one more card in a full line: the oldest prefetches give way first, then every
    /// card whose drivers all left (looked for once a second at most); whether there is room.
    fn make_room(&self, line: &mut Line, now: Instant) -> bool {
        let full = |line: &Line| line.waiting.len() >= self.rules.limit;
        while full(line)
            && let Some(oldest) = line.prefetch.pop_front()
        {
            line.waiting.remove(&oldest);
        }
        if !full(line)
            || line
                .last_full_scan
                .is_some_and(|at| now.duration_since(at) < FULL_SCAN_EVERY)
        {
            return !full(line);
        }
        line.last_full_scan = Some(now);
        let left: Vec<u64> = line
            .waiting
            .values()
            .filter(|w| {
                w.lane == Lane::Driver
                    && !w.fetching
                    && w.claimants.iter().all(|(_, until)| *until <= now)
            })
            .map(|w| w.entry.id)
            .collect();
        for id in left {
            self.finish_locked(line, id, Err(GatewayError::NotFetchedInTime));
        }
        line.drivers.retain(|id| line.waiting.contains_key(id));
        !full(line)
    }

    /// Puts a card in the prefetch line, unless it waits already; the oldest prefetch gives
    /// way when the prefetch line is full, and a full line takes no prefetch at all.
    pub fn prefetch(&self, id: u64) {
        let mut line = self.line();
        if line.waiting.contains_key(&id) || line.waiting.len() >= self.rules.limit {
            return;
        }
        if line.prefetch.len() >= PREFETCH_LIMIT
            && let Some(oldest) = line.prefetch.pop_front()
        {
            line.waiting.remove(&oldest);
        }
        line.waiting.insert(
            id,
            Waiting {
                entry: Entry::new(id),
                lane: Lane::Prefetch,
                ticket: u64::MAX,
                claimants: Vec::new(),
                fetching: false,
                joined: Instant::now(),
            },
        );
        line.prefetch.push_back(id);
    }

    /// The driver's claim is answered (or given up): it leaves the line, and so does the card
    /// when nobody else waits for it and no fetch has it in hand.
    pub fn release(&self, driver: DriverId, id: u64) {
        let mut line = self.line();
        line.drop_claim(driver, id);
        line.unclaim(driver, id);
    }

    /// The card's place for a driver waiting for it, with the estimate and when to ask again (an
    /// ask that waits `poll` for a card due by then need not come before); `None` when the driver
    /// holds no place for it (asking, they take one). Counting a place walks the whole line, so a
    /// driver is counted anew only once the time they were told to come back has come: asking
    /// earlier (a script that ignores `Retry-After`), they are told the place they were last
    /// told, due and to come back when they were.
    pub fn place_for(&self, driver: DriverId, id: u64, poll: Duration) -> Option<Place> {
        let now = Instant::now();
        let mut guard = self.line();
        let line = &mut *guard;
        let told = line.claims.get(&driver)?.get(&id)?.told;
        if let Some(told) = told
            && now < told.again_at
        {
            return Some(Place {
                position: told.position,
                estimate: told.due.saturating_duration_since(now),
                again: told.again_at - now,
            });
        }
        let position = line.position(id);
        let place = self.place_at(position, poll);
        if let Some(claim) = line.claim_mut(driver, id) {
            claim.told = Some(Told {
                position,
                due: now + place.estimate,
                again_at: now + place.again,
            });
        }
        Some(place)
    }

    /// What a driver whose card is `position` in line is told, for an ask that waits `poll`.
    pub fn place_at(&self, position: u32, poll: Duration) -> Place {
        let estimate = self.estimate(position);
        Place {
            position,
            estimate,
            again: self.ask_again_after(estimate.saturating_sub(poll)),
        }
    }

    /// About how long until the card at `position` is fetched, in whole seconds.
    pub fn estimate(&self, position: u32) -> Duration {
        Duration::from_secs_f64((f64::from(position) / self.per_second()).ceil().max(1.0))
    }

    /// How long the budget takes to make `calls` calls at its rate (every account together).
    pub fn time_for(&self, calls: u32) -> Duration {
        Duration::from_secs_f64(f64::from(calls) / self.per_second())
    }

    fn per_second(&self) -> f64 {
        self.rules.calls_per_second.max(0.01)
    }

    /// When a driver waiting for a card is told to ask again, `due_in` being how long until the
    /// card is worth waiting for: then, but a second on at least, at most `LONGEST_PAUSE`, and
    /// within half the time their place outlives an ask (`max_wait`), so that it is kept.
    pub fn ask_again_after(&self, due_in: Duration) -> Duration {
        let one = Duration::from_secs(1);
        let longest = (self.rules.max_wait / 2).min(LONGEST_PAUSE).max(one);
        due_in.clamp(one, longest)
    }

    /// Whether any card waits to be fetched.
    pub fn has_work(&self) -> bool {
        let line = self.line();
        !line.drivers.is_empty() || !line.prefetch.is_empty()
    }

    /// Whether one more fetcher should start (the caller then runs [`CardQueue::next`] until it
    /// says stop).
    pub fn wants_fetcher(&self) -> bool {
        let mut line = self.line();
        let work = line.drivers.len() + line.prefetch.len();
        if work > 0 && line.fetchers < self.rules.fetchers.min(work.max(1)) {
            line.fetchers += 1;
            true
        } else {
            false
        }
    }

    /// The next card to fetch: drivers' cards first, prefetches only when no driver waits.
    /// `None` ends the fetcher (it is counted out in the same step, so no card is left behind).
    pub fn next(&self) -> Option<Job> {
        let now = Instant::now();
        let mut line = self.line();
        while let Some(id) = line.drivers.pop_front() {
            let Some(waiting) = line.waiting.get_mut(&id) else {
                continue;
            };
            let Some(deadline) = waiting.claimants.iter().map(|(_, at)| *at).max() else {
                continue;
            };
            if deadline <= now {
                // Its drivers left.
                self.finish_locked(&mut line, id, Err(GatewayError::NotFetchedInTime));
                continue;
            }
            waiting.fetching = true;
            return Some(Job {
                entry: Arc::clone(&waiting.entry),
                lane: Lane::Driver,
                wait: deadline - now,
            });
        }
        while let Some(id) = line.prefetch.pop_front() {
            let Some(waiting) = line.waiting.get_mut(&id) else {
                continue;
            };
            waiting.fetching = true;
            return Some(Job {
                entry: Arc::clone(&waiting.entry),
                lane: Lane::Prefetch,
                wait: Duration::ZERO,
            });
        }
        line.fetchers = line.fetchers.saturating_sub(1);
        None
    }

    /// A fetch found no slot in time: a driver's card goes back to the head of the line while
    /// someone still waits for it (a prefetch someone claimed meanwhile, too); otherwise it ends
    /// with `outcome`.
    pub fn put_back(&self, id: u64, outcome: GatewayError) {
        let now = Instant::now();
        let mut line = self.line();
        let Some(waiting) = line.waiting.get_mut(&id) else {
            return;
        };
        waiting.fetching = false;
        let still_waited_for = waiting.claimants.iter().any(|(_, until)| *until > now);
        if waiting.lane == Lane::Driver && still_waited_for {
            line.drivers.push_front(id);
        } else {
            self.finish_locked(&mut line, id, Err(outcome));
        }
    }

    /// The card's fetch ended: everyone waiting for it gets the outcome.
    pub fn finish(&self, id: u64, outcome: Fetched) {
        let mut line = self.line();
        self.finish_locked(&mut line, id, outcome);
    }

    fn finish_locked(&self, line: &mut Line, id: u64, outcome: Fetched) {
        if let Some(waiting) = line.waiting.remove(&id) {
            if waiting.lane == Lane::Driver {
                self.figures.waits.observe(waiting.joined.elapsed());
                if matches!(outcome, Err(GatewayError::NotFetchedInTime)) {
                    self.figures.expired.fetch_add(1, Ordering::Relaxed);
                }
            }
            waiting.entry.done.send_replace(Some(outcome));
        }
    }

    fn line(&self) -> std::sync::MutexGuard<'_, Line> {
        self.line.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Line {
    /// The card's place among the drivers' cards someone waits for (those in a fetcher's hands
    /// included; a card its driver gave up on stands in nobody's way): 1 for the next to be
    /// fetched. Walks the whole line.
    fn position(&self, id: u64) -> u32 {
        let mine = self.waiting.get(&id).map_or(u64::MAX, |w| w.ticket);
        let ahead = self
            .waiting
            .values()
            .filter(|w| w.lane == Lane::Driver && w.ticket < mine && !w.claimants.is_empty())
            .count();
        u32::try_from(ahead + 1).unwrap_or(u32::MAX)
    }

    /// The driver keeps at most `places - 1` other cards in line, so the new one fits.
    fn make_room_for(&mut self, driver: DriverId, places: usize) {
        let Some(mine) = self.claims.get(&driver) else {
            return;
        };
        let mut held: Vec<(u64, Instant)> = mine
            .iter()
            .filter(|(id, claim)| {
                claim.entry.done.borrow().is_none() && self.waiting.contains_key(id)
            })
            .map(|(id, claim)| (*id, claim.deadline))
            .collect();
        if held.len() < places {
            return;
        }
        held.sort_by_key(|(_, deadline)| *deadline);
        for (id, _) in held.iter().take(held.len() + 1 - places) {
            self.drop_claim(driver, *id);
            self.unclaim(driver, *id);
        }
    }

    fn claim_mut(&mut self, driver: DriverId, id: u64) -> Option<&mut Claim> {
        self.claims.get_mut(&driver)?.get_mut(&id)
    }

    /// Forgets the driver's claim on the card (and the driver, once they hold none).
    fn drop_claim(&mut self, driver: DriverId, id: u64) {
        if let Some(mine) = self.claims.get_mut(&driver) {
            mine.remove(&id);
            if mine.is_empty() {
                self.claims.remove(&driver);
            }
        }
    }

    /// The driver no longer waits for the card; it leaves the line when nobody does.
    fn unclaim(&mut self, driver: DriverId, id: u64) {
        let Some(waiting) = self.waiting.get_mut(&id) else {
            return;
        };
        waiting
            .claimants
            .retain(|(claimant, _)| *claimant != driver);
        if waiting.claimants.is_empty() && !waiting.fetching && waiting.lane == Lane::Driver {
            self.waiting.remove(&id);
            self.drivers.retain(|queued| *queued != id);
        }
    }

    /// Forgets claims whose wait ended long ago (their drivers went away).
    fn sweep(&mut self, now: Instant) {
        if self
            .last_sweep
            .is_some_and(|at| now.duration_since(at) < Duration::from_secs(5))
        {
            return;
        }
        self.last_sweep = Some(now);
        let gone: Vec<(DriverId, u64)> = self
            .claims
            .iter()
            .flat_map(|(driver, mine)| {
                mine.iter()
                    .filter(|(_, claim)| claim.deadline + CLAIM_GRACE <= now)
                    .map(|(id, _)| (*driver, *id))
            })
            .collect();
        for (driver, id) in gone {
            self.drop_claim(driver, id);
            self.unclaim(driver, id);
        }
    }
}

#[cfg(test)]
mod tests;

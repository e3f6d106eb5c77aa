//! The global upstream budget: at most `per_minute` calls to the exchange in any 60-second
//! window, summed over every server instance.
//!
//! The window is a log of grant times: in Redis a sorted set updated by one atomic script (with
//! Redis's own clock, so instances with skewed clocks agree), in-process a queue of instants.
//!
//! When Redis, the shared counter, is not configured or cannot be reached, each instance counts
//! alone but takes only its part: `per_minute / live instances` (rounded down), the instances
//! counted from their heartbeats in the database, and the others' calls it last saw in the
//! shared window still counted against it until they leave, so the total stays within the
//! budget. When Redis answers again this instance's own calls of the window are written back into
//! it first (a restarted Redis remembers nothing), and for one more window it keeps to its part
//! as well, until every instance has written its calls back.
//! Priorities share the window by ceilings, so lower priorities slow down first as it fills:
//! background work (prefetching, refreshing, the points dictionary) stops at 80 % of it, detail
//! cards at 90 %, and a driver waiting on a list page may use all of it: a card can wait in line
//! with the list's data on screen, a list cannot, so the top tenth of every window is kept for
//! lists however many cards wait. Waiting is bounded twice: by a queue limit (the next caller is
//! refused at once) and by each caller's deadline.

use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use domain::store::{Fleet, RedisStore};
use redis::Script;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    List,
    Detail,
    Background,
}

impl Priority {
    /// Every priority, in the order of [`BudgetSnapshot`]'s `granted` and `refused`.
    pub const ALL: [Self; 3] = [Self::List, Self::Detail, Self::Background];

    /// Its name in metrics, as in its JSON form.
    pub fn label(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Detail => "detail",
            Self::Background => "background",
        }
    }

    /// The share of the window this priority may fill, in per cent.
    fn ceiling_percent(self) -> u64 {
        match self {
            Self::List => 100,
            Self::Detail => 90,
            Self::Background => 80,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    #[error("upstream queue is full")]
    QueueFull,
    #[error("no upstream slot within the deadline")]
    Timeout,
}

#[derive(Debug, Clone)]
pub struct BudgetConfig {
    pub per_minute: u32,
    pub queue_limit: usize,
    /// The Redis key shared by the instances using one account.
    pub key: String,
    /// 60 s in production; shorter in tests.
    pub window: Duration,
}

impl BudgetConfig {
    /// A minute's budget. The window is a second longer than the exchange's: a call granted here
    /// reaches the exchange a little later, and must have left its window before the slot returns.
    pub fn new(per_minute: u32, queue_limit: usize, key: impl Into<String>) -> Self {
        Self {
            per_minute,
            queue_limit,
            key: key.into(),
            window: Duration::from_secs(61),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BudgetSnapshot {
    pub limit: u32,
    pub used_in_window: u32,
    pub queue_depth: usize,
    pub paused_for_ms: u64,
    pub granted: [u64; 3],
    pub refused: [u64; 3],
}

#[derive(Clone)]
pub struct UpstreamBudget {
    inner: Arc<Inner>,
}

struct Inner {
    config: BudgetConfig,
    redis: Option<RedisStore>,
    /// The instances the budget is split between when it is counted here.
    fleet: Fleet,
    local: Mutex<Local>,
    waiting: AtomicUsize,
    /// Of those, how many wait at each priority.
    waiting_at: [AtomicUsize; 3],
    /// The exchange's own count of calls left, when it says; u32::MAX when unknown.
    remaining: AtomicU32,
    redis_failing: AtomicBool,
    granted: [AtomicU64; 3],
    refused: [AtomicU64; 3],
}

#[derive(Default)]
struct Local {
    /// This instance's grants in the window, oldest first, however they were granted.
    grants: VecDeque<Grant>,
    paused_until: Option<Instant>,
    /// The other instances' grants in the shared window when Redis last told: they count here
    /// until the window has moved past them.
    others: Option<(u64, Instant)>,
    /// Until then this instance keeps to its part even though Redis answers again.
    split_until: Option<Instant>,
}

/// One call granted, by the member that names it in the shared log.
#[derive(Clone, Copy)]
struct Grant {
    at: Instant,
    member: u64,
}

/// Longest single sleep of a waiter before it looks again.
const MAX_NAP: Duration = Duration::from_millis(250);

/// KEYS[1] grant log, KEYS[2] pause flag; ARGV: limit for this priority, window ms, member.
/// Returns {granted (0/1), ms until a slot can come at this priority (new grants aside: when
/// enough of the oldest have left the window to be under its limit), grants in the window}. A
/// member already in the log was granted by an earlier attempt whose answer was lost: granted
/// again, counted once.
const ACQUIRE: &str = r"
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window = tonumber(ARGV[2])
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then
  return {0, pause, redis.call('ZCOUNT', KEYS[1], now_ms - window, '+inf')}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - window)
local used = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  return {1, 0, used}
end
if used < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_ms, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0, used + 1}
end
local rank = used - tonumber(ARGV[1])
local leaving = redis.call('ZRANGE', KEYS[1], rank, rank, 'WITHSCORES')
local wait = window
if leaving[2] then wait = tonumber(leaving[2]) + window - now_ms end
return {0, math.max(wait, 1), used}
";

/// KEYS[1] grant log; ARGV[1] window ms, then each grant's age in ms and member. Writes this
/// instance's grants of the window back into the shared log (those it still holds stay as they
/// are).
const WRITE_BACK: &str = r"
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], 'NX', now_ms - tonumber(ARGV[i]), ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
";

impl UpstreamBudget {
    /// Counted in this process, split between the live instances of `fleet`.
    pub fn in_process(config: BudgetConfig, fleet: Fleet) -> Self {
        Self::build(config, None, fleet)
    }

    /// Shared by every instance through Redis; a failing Redis falls back to this process's
    /// window and this instance's part of the budget, so an outage refuses no more than it must.
    pub fn shared(config: BudgetConfig, redis: RedisStore, fleet: Fleet) -> Self {
        Self::build(config, Some(redis), fleet)
    }

    fn build(config: BudgetConfig, redis: Option<RedisStore>, fleet: Fleet) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                redis,
                fleet,
                local: Mutex::new(Local::default()),
                waiting: AtomicUsize::new(0),
                waiting_at: Default::default(),
                remaining: AtomicU32::new(u32::MAX),
                redis_failing: AtomicBool::new(false),
                granted: Default::default(),
                refused: Default::default(),
            }),
        }
    }

    /// Waits up to `wait_at_most` for a slot at this priority; refused at once when none can
    /// come by then (a card confirmed from a busy budget's spare share waited its 1.5 s in vain).
    pub async fn acquire(
        &self,
        priority: Priority,
        wait_at_most: Duration,
    ) -> Result<(), BudgetError> {
        let inner = &self.inner;
        let deadline = Instant::now() + wait_at_most;
        let mut queued = None;
        let member = rand::random();
        loop {
            match self.try_take(priority, member).await {
                Ok(()) => {
                    inner.granted[priority.index()].fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                Err(wait) => {
                    let now = Instant::now();
                    // No slot can come at this priority before the caller stops waiting (new
                    // grants only put it off): refused now, as it would be at the deadline.
                    if now + wait > deadline {
                        return Err(self.refuse(priority, BudgetError::Timeout));
                    }
                    if queued.is_none() {
                        if inner.waiting.fetch_add(1, Ordering::AcqRel) >= inner.config.queue_limit
                        {
                            inner.waiting.fetch_sub(1, Ordering::AcqRel);
                            return Err(self.refuse(priority, BudgetError::QueueFull));
                        }
                        inner.waiting_at[priority.index()].fetch_add(1, Ordering::AcqRel);
                        queued = Some((
                            Waiting(&inner.waiting),
                            Waiting(&inner.waiting_at[priority.index()]),
                        ));
                    }
                    let nap = wait.min(MAX_NAP).min(deadline - now);
                    tokio::time::sleep(nap + jitter()).await;
                }
            }
        }
    }

    /// Takes a slot at this priority if one is free right now: no queueing, and no refusal is
    /// counted (the caller has other accounts to try).
    pub async fn try_acquire(&self, priority: Priority) -> bool {
        let granted = self.try_take(priority, rand::random()).await.is_ok();
        if granted {
            self.inner.granted[priority.index()].fetch_add(1, Ordering::Relaxed);
        }
        granted
    }

    /// How many callers wait for a slot at this priority now (on this instance).
    pub fn waiting_at(&self, priority: Priority) -> usize {
        self.inner.waiting_at[priority.index()].load(Ordering::Acquire)
    }

    /// Whether a slot at this priority looks free now, as this process saw the window (no slot
    /// is taken): a hint for work that should wait in its own line rather than in the budget's.
    pub fn room_for(&self, priority: Priority) -> bool {
        let ceiling = self.ceiling(priority, u64::from(self.inner.config.per_minute));
        let mut local = self.local();
        if local
            .paused_until
            .is_some_and(|until| Instant::now() < until)
        {
            return false;
        }
        prune(&mut local.grants, self.inner.config.window);
        (local.grants.len() as u64) < ceiling
    }

    /// The exchange answered 429 with Retry-After: nobody gets a slot until it has passed.
    pub async fn pause_for(&self, duration: Duration) {
        {
            let mut local = self.local();
            let until = Instant::now() + duration;
            local.paused_until = Some(
                local
                    .paused_until
                    .map_or(until, |current| current.max(until)),
            );
        }
        if let Some(redis) = &self.inner.redis {
            let millis = u64::try_from(duration.as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            let mut pause = redis::cmd("SET");
            pause.arg(self.pause_key()).arg(1).arg("PX").arg(millis);
            let outcome = redis.query::<()>(&pause).await;
            self.note_redis(outcome.is_ok());
        }
        tracing::warn!(
            ?duration,
            "the exchange asked to slow down; all upstream calls wait"
        );
    }

    /// How long until the exchange's last "slow down" has passed, as this instance knows it.
    pub fn paused_for(&self) -> Duration {
        self.local().paused_until.map_or(Duration::ZERO, |until| {
            until.saturating_duration_since(Instant::now())
        })
    }

    /// The exchange's `X-RateLimit-Remaining`: when few calls are left, lower priorities wait.
    pub fn observe_remaining(&self, remaining: u32) {
        self.inner.remaining.store(remaining, Ordering::Relaxed);
    }

    pub async fn snapshot(&self) -> BudgetSnapshot {
        let window = self.inner.config.window;
        let paused = self.paused_for();
        let used = {
            let mut local = self.local();
            prune(&mut local.grants, window);
            local.grants.len() as u32
        };
        let counts = |counters: &[AtomicU64; 3]| {
            Priority::ALL.map(|p| counters[p.index()].load(Ordering::Relaxed))
        };
        BudgetSnapshot {
            limit: self.inner.config.per_minute,
            used_in_window: used,
            queue_depth: self.inner.waiting.load(Ordering::Relaxed),
            paused_for_ms: paused.as_millis() as u64,
            granted: counts(&self.inner.granted),
            refused: counts(&self.inner.refused),
        }
    }

    /// Takes a slot now, or says how long to wait before trying again. `member` names the call in
    /// the shared log, the same on every attempt: when Redis took an attempt but its answer was
    /// lost (a timeout), the call is still counted once, by the next attempt in Redis or by the
    /// write-back of the slot taken here instead.
    async fn try_take(&self, priority: Priority, member: u64) -> Result<(), Duration> {
        let part = self.ceiling(priority, self.part());
        if let Some(redis) = &self.inner.redis
            && self.redis_is_back(redis).await
        {
            // For a window after an outage this instance keeps to its part as well.
            let in_part = self.keeps_to_its_part();
            if in_part {
                self.room_in_part(part, None)?;
            }
            let ceiling = self.ceiling(priority, u64::from(self.inner.config.per_minute));
            let script = Script::new(ACQUIRE);
            let mut acquire = script.key(&self.inner.config.key);
            acquire
                .key(self.pause_key())
                .arg(ceiling)
                .arg(millis(self.inner.config.window))
                .arg(member);
            let outcome = redis.invoke::<(u8, u64, u64)>(&acquire).await;
            match outcome {
                Ok((granted, wait_ms, used)) => {
                    self.note_redis(true);
                    // Mirrored here, so that an outage starts from what this instance did.
                    let mut local = self.local();
                    let now = Instant::now();
                    if granted == 1 {
                        local.grants.push_back(Grant { at: now, member });
                    }
                    prune(&mut local.grants, self.inner.config.window);
                    if !in_part {
                        let others = used.saturating_sub(local.grants.len() as u64);
                        local.others = Some((others, now));
                    }
                    return if granted == 1 {
                        Ok(())
                    } else {
                        Err(Duration::from_millis(wait_ms))
                    };
                }
                Err(_) => self.note_redis(false),
            }
        }
        self.room_in_part(part, Some(member))
    }

    /// This instance's calls a minute while the budget is counted here: its part of the whole.
    fn part(&self) -> u64 {
        u64::from(self.inner.config.per_minute) / u64::from(self.inner.fleet.live())
    }

    /// Whether this instance's part has room now, with the others' calls Redis last told of
    /// counted against it while they last; takes the slot for the call `take` names, if any.
    /// Without room, how long until there can be: the others' calls lapse, or enough of this
    /// instance's oldest leave the window.
    fn room_in_part(&self, part: u64, take: Option<u64>) -> Result<(), Duration> {
        let window = self.inner.config.window;
        let mut local = self.local();
        let now = Instant::now();
        if let Some(until) = local.paused_until {
            if now < until {
                return Err(until - now);
            }
            local.paused_until = None;
        }
        prune(&mut local.grants, window);
        let others = match local.others {
            Some((others, seen)) if others > 0 && now < seen + window => Some((others, seen)),
            _ => None,
        };
        if local.grants.len() as u64 + others.map_or(0, |(others, _)| others) < part {
            if let Some(member) = take {
                local.grants.push_back(Grant { at: now, member });
            }
            return Ok(());
        }
        let over = (local.grants.len() as u64 + others.map_or(0, |(others, _)| others))
            .saturating_sub(part);
        let leaving = usize::try_from(over)
            .ok()
            .and_then(|over| local.grants.get(over))
            .map(|grant| grant.at);
        let next = [others.map(|(_, seen)| seen), leaving]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now);
        Err((next + window)
            .saturating_duration_since(now)
            .max(Duration::from_millis(1)))
    }

    /// Whether Redis can be asked: not while it is left alone after a failure (here or by any
    /// other part of this instance); at once when it answered last time; after an outage, once
    /// this instance's calls of the window are written back into it.
    async fn redis_is_back(&self, redis: &RedisStore) -> bool {
        if !redis.answering() {
            self.note_redis(false);
            return false;
        }
        if !self.inner.redis_failing.load(Ordering::Relaxed) {
            return true;
        }
        let window = self.inner.config.window;
        let grants: Vec<Grant> = {
            let mut local = self.local();
            prune(&mut local.grants, window);
            local.grants.iter().copied().collect()
        };
        let script = Script::new(WRITE_BACK);
        let mut write_back = script.key(&self.inner.config.key);
        write_back.arg(millis(window));
        for grant in grants {
            write_back.arg(millis(grant.at.elapsed())).arg(grant.member);
        }
        if redis.invoke::<u8>(&write_back).await.is_err() {
            return false;
        }
        self.local().split_until = Some(Instant::now() + window);
        self.note_redis(true);
        true
    }

    /// For one window after Redis came back, the calls another instance made without it may not
    /// be written back yet: this instance keeps to its part, the others' calls it saw before the
    /// outage counted, as during it.
    fn keeps_to_its_part(&self) -> bool {
        self.local()
            .split_until
            .is_some_and(|until| Instant::now() < until)
    }

    /// This priority's ceiling of `limit`, lowered further when the exchange says few calls
    /// remain.
    fn ceiling(&self, priority: Priority, limit: u64) -> u64 {
        let share = limit * priority.ceiling_percent() / 100;
        let remaining = self.inner.remaining.load(Ordering::Relaxed);
        if remaining != u32::MAX
            && priority != Priority::List
            && u64::from(remaining) < u64::from(self.inner.config.per_minute) / 10
        {
            // Almost nothing left upstream: keep what there is for drivers' lists.
            return 0;
        }
        if limit == 0 { 0 } else { share.max(1) }
    }

    fn refuse(&self, priority: Priority, error: BudgetError) -> BudgetError {
        self.inner.refused[priority.index()].fetch_add(1, Ordering::Relaxed);
        error
    }

    fn note_redis(&self, ok: bool) {
        let was_failing = self.inner.redis_failing.swap(!ok, Ordering::Relaxed);
        if !ok && !was_failing {
            tracing::warn!("Redis unavailable: the upstream budget counts in this process only");
        } else if ok && was_failing {
            tracing::info!("Redis is back: the upstream budget is shared again");
        }
    }

    fn pause_key(&self) -> String {
        format!("{}:paused", self.inner.config.key)
    }

    fn local(&self) -> std::sync::MutexGuard<'_, Local> {
        self.inner.local.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Counts a waiter for as long as it waits, however its wait ends.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn prune(grants: &mut VecDeque<Grant>, window: Duration) {
    let now = Instant::now();
    while grants
        .front()
        .is_some_and(|grant| now.duration_since(grant.at) >= window)
    {
        grants.pop_front();
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn jitter() -> Duration {
    Duration::from_millis(rand::random::<u64>() % 20)
}

#[cfg(test)]
mod tests;

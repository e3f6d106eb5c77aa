//! Fair shares of the upstream budget: every call to the exchange a driver causes (a list window,
//! a card's detail, a city lookup missing from the cache) is charged to that driver, and a driver
//! who has spent their share is refused before the call is made, so one greedy driver cannot
//! crowd everyone else out of the account's calls. Only misses are charged or refused: a cached
//! answer costs nothing and is always served. A fetch shared by several drivers (single flight)
//! is charged to the one whose request started it. Background work (prefetching details,
//! refreshing entries, the new-loads watch) and the accounts' own upkeep (logins, health checks)
//! are charged to nobody but counted by kind, for the dashboard.
//!
//! A driver's share, in calls a minute (any 60 seconds):
//!
//! ```text
//! share = min(cap, clamp(⌊budget × percent / 100 / active⌋, floor, ceiling))
//! ```
//!
//! where `budget` is every account's calls a minute added up, `active` the drivers charged a call
//! in the last `active_for` (5 minutes; at least 1), `percent` the part of the budget that goes
//! round them (50 %: the rest is headroom for background work and bursts), `floor` what every
//! driver keeps however many are active (6), `ceiling` what a lone driver may spend (60), and
//! `cap` an admin's cut for this driver (none unless set; 0 leaves cached answers only). A call
//! is charged once however many attempts it takes. A refusal says when the oldest of the driver's
//! charges that stands in the way leaves the minute (`Retry-After`).
//!
//! Counted in Redis when there is one (so shares hold across instances), by one atomic script on
//! Redis's own clock; in this process otherwise. A failing Redis falls back to this process's
//! count, which only ever holds fewer charges than the shared one: nobody is refused wrongly.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::Duration,
};

use domain::{DriverId, store::RedisStore, upstream_shares};
use sea_orm::DatabaseConnection;

mod ledger;
mod shared;

use self::{ledger::Ledger, shared::SharedLedger};

/// Who an upstream call is charged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payer {
    /// The driver whose request needs the call.
    Driver(DriverId),
    /// Nobody waits on it: prefetching, refreshing, watching for new loads.
    Background,
}

/// What an upstream call was for, as the dashboard counts the budget's use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpstreamKind {
    List,
    Detail,
    Cities,
    /// An account's own upkeep: logging in, renewing the token, the health check.
    Login,
    Background,
}

impl UpstreamKind {
    pub const ALL: [Self; 5] = [
        Self::List,
        Self::Detail,
        Self::Cities,
        Self::Login,
        Self::Background,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Detail => "detail",
            Self::Cities => "cities",
            Self::Login => "login",
            Self::Background => "background",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The terms every share is worked out from.
#[derive(Debug, Clone, Copy)]
pub struct ShareRules {
    /// The calls a minute that go round the active drivers: budget × percent / 100.
    pub pool_per_minute: u32,
    pub floor_per_minute: u32,
    pub ceiling_per_minute: u32,
    /// How long a driver counts as active after a call charged to them.
    pub active_for: Duration,
}

/// The window a share is counted over.
const MINUTE: Duration = Duration::from_secs(60);
/// The dashboard's "last hour" is counted in steps of five minutes.
const STEP: Duration = Duration::from_secs(300);
const STEPS_IN_AN_HOUR: u64 = 12;

impl ShareRules {
    /// A driver's calls a minute, when `active` drivers share the pool and an admin may have cut
    /// this one's to `cap`.
    pub fn share_per_minute(&self, active: u32, cap: Option<u32>) -> u32 {
        let even = self.pool_per_minute / active.max(1);
        let fair = even.clamp(
            self.floor_per_minute,
            self.ceiling_per_minute.max(self.floor_per_minute),
        );
        cap.map_or(fair, |cap| fair.min(cap))
    }
}

/// A driver has spent their share: they may call again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverShare {
    pub retry_after: Duration,
}

/// The budget's use over the last hour, for the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpstreamUse {
    /// Calls by kind, in the order of `UpstreamKind::ALL`.
    pub by_kind: [u64; 5],
    /// Each driver's calls, the costliest first.
    pub drivers: Vec<(DriverId, u64)>,
}

impl UpstreamUse {
    pub fn of(&self, kind: UpstreamKind) -> u64 {
        self.by_kind[kind.index()]
    }
}

pub struct FairShare {
    rules: ShareRules,
    db: DatabaseConnection,
    shared: Option<SharedLedger>,
    local: Mutex<Ledger>,
    redis_failing: AtomicBool,
    /// Active drivers as last counted (in Redis, by the script of the previous charge).
    active: AtomicU32,
    /// Admins' cuts, read from the database at most every few seconds per driver.
    caps: moka::future::Cache<DriverId, Option<u32>>,
    /// Calls each driver caused through this process since it started.
    caused: Mutex<HashMap<DriverId, u64>>,
}

/// How soon an admin's cut reaches the other instances.
const CAPS_READ_EVERY: Duration = Duration::from_secs(10);

impl FairShare {
    /// Counted in this process, or across instances when given Redis and the key prefix.
    pub fn new(
        rules: ShareRules,
        db: DatabaseConnection,
        redis: Option<(RedisStore, String)>,
    ) -> Self {
        Self {
            rules,
            db,
            shared: redis.map(|(redis, prefix)| SharedLedger::new(redis, prefix)),
            local: Mutex::new(Ledger::default()),
            redis_failing: AtomicBool::new(false),
            active: AtomicU32::new(1),
            caps: moka::future::Cache::builder()
                .time_to_live(CAPS_READ_EVERY)
                .max_capacity(100_000)
                .build(),
            caused: Mutex::new(HashMap::new()),
        }
    }

    /// Charges a call of this kind to the driver, or refuses it when their share is spent.
    pub async fn admit(&self, driver: DriverId, kind: UpstreamKind) -> Result<(), OverShare> {
        let share = self.share_of(driver).await;
        if let Some(shared) = &self.shared {
            match shared
                .admit(driver, kind, share, self.rules.active_for)
                .await
            {
                Ok((outcome, active)) => {
                    self.note_redis(true);
                    self.active.store(active, Ordering::Relaxed);
                    if outcome.is_ok() {
                        // Mirrored here, so that a Redis outage starts from what this instance did.
                        self.local().charge(driver, kind, self.rules.active_for);
                        self.note_caused(driver);
                    }
                    return outcome;
                }
                Err(error) => {
                    self.note_redis(false);
                    tracing::debug!(%error, "the fair share could not be counted in Redis");
                }
            }
        }
        let mut local = self.local();
        let outcome = local.admit(driver, kind, share, self.rules.active_for);
        self.active.store(local.active(), Ordering::Relaxed);
        drop(local);
        if outcome.is_ok() {
            self.note_caused(driver);
        }
        outcome
    }

    /// Counts a call charged to nobody (background work, an account's upkeep).
    pub async fn record(&self, kind: UpstreamKind) {
        self.local().record(kind);
        if let Some(shared) = &self.shared {
            let counted = shared.record(kind).await;
            self.note_redis(counted.is_ok());
        }
    }

    /// The driver's share now: the fair one, under their cap if an admin cut it.
    pub async fn share_of(&self, driver: DriverId) -> u32 {
        let active = self.active.load(Ordering::Relaxed);
        self.rules
            .share_per_minute(active, self.cap_of(driver).await)
    }

    /// An admin's cut, as stored (a database that cannot be read cuts nothing).
    pub async fn cap_of(&self, driver: DriverId) -> Option<u32> {
        let db = self.db.clone();
        self.caps
            .get_with(driver, async move {
                upstream_shares::cap(&db, driver)
                    .await
                    .unwrap_or_else(|error| {
                        tracing::warn!(%error, "a driver's upstream cap could not be read");
                        None
                    })
            })
            .await
    }

    /// An admin changed the driver's cap: this instance reads it again at once.
    pub async fn forget_cap(&self, driver: DriverId) {
        self.caps.invalidate(&driver).await;
    }

    /// The last hour's use, shared by every instance when Redis answers.
    pub async fn last_hour(&self) -> UpstreamUse {
        if let Some(shared) = &self.shared {
            match shared.last_hour().await {
                Ok(used) => return used,
                Err(error) => {
                    tracing::warn!(%error, "the budget's use could not be read from Redis")
                }
            }
        }
        self.local().last_hour()
    }

    /// Calls each driver caused through this process since it started.
    pub fn calls_by_driver(&self) -> HashMap<DriverId, u64> {
        lock(&self.caused).clone()
    }

    fn note_caused(&self, driver: DriverId) {
        *lock(&self.caused).entry(driver).or_default() += 1;
    }

    fn note_redis(&self, ok: bool) {
        let was_failing = self.redis_failing.swap(!ok, Ordering::Relaxed);
        if !ok && !was_failing {
            tracing::warn!("Redis unavailable: fair shares are counted in this process only");
        } else if ok && was_failing {
            tracing::info!("Redis is back: fair shares are shared again");
        }
    }

    fn local(&self) -> std::sync::MutexGuard<'_, Ledger> {
        lock(&self.local)
    }
}

/// Drivers by their calls, the costliest first (ties by id, so the order holds still).
fn costliest_first(drivers: HashMap<DriverId, u64>) -> Vec<(DriverId, u64)> {
    let mut drivers: Vec<_> = drivers.into_iter().collect();
    drivers.sort_by_key(|&(driver, calls)| (std::cmp::Reverse(calls), driver));
    drivers
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests;

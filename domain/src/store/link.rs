//! One Redis the store talks to, and what traffic last learnt of it: answering, down (left alone
//! until a ping finds it answering again, by everything on this instance that asks it), or full.

use std::{
    sync::{Mutex, MutexGuard},
    time::{Duration, Instant},
};

use super::{RedisStore, StoreError};

/// A Redis that keeps refusing writes for memory is logged at most this often.
const FULL_LOGGED_EVERY: Duration = Duration::from_secs(60);

/// Which Redis a link is: the one for everything, or the cached answers' own.
#[derive(Clone, Copy)]
pub(super) enum Role {
    Shared,
    Cache,
}

impl Role {
    /// For logs and health.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Shared => "Redis",
            Self::Cache => "the cache's Redis",
        }
    }

    /// For metrics.
    fn label(self) -> &'static str {
        match self {
            Self::Shared => "shared",
            Self::Cache => "cache",
        }
    }
}

pub(super) struct Link {
    redis: RedisStore,
    role: Role,
    /// When a refusal for memory was last logged.
    full_logged: Mutex<Option<Instant>>,
}

impl Link {
    pub(super) fn new(redis: RedisStore, role: Role) -> Self {
        Self {
            redis,
            role,
            full_logged: Mutex::new(None),
        }
    }

    pub(super) fn redis(&self) -> &RedisStore {
        &self.redis
    }

    /// The Redis, unless it failed a moment ago and is being left alone.
    pub(super) fn trying(&self) -> Option<&RedisStore> {
        self.redis.answering().then_some(&self.redis)
    }

    /// Notes a failed command. A Redis that refused a write because it is full (`maxmemory` under
    /// the `noeviction` policy) still answers reads, so it is not down: the write goes to this
    /// instance's memory (as the caller does with any failed write) and every other command keeps
    /// going to Redis. Anything else is an outage: Redis is left alone for a moment.
    pub(super) fn failed(&self, error: StoreError) {
        if matches!(error, StoreError::Full) {
            self.refused_for_memory();
        }
        self.redis.failed(&error);
    }

    pub(super) fn recovered<T>(&self, value: T) -> T {
        self.redis.answered();
        value
    }

    /// Why it is down, as last observed; `None` while it answers.
    pub(super) fn outage_reason(&self) -> Option<String> {
        self.redis
            .rest_reason()
            .map(|reason| format!("{}: {reason}", self.role.name()))
    }

    fn refused_for_memory(&self) {
        metrics::counter!("hauler_store_writes_refused_total", "redis" => self.role.label())
            .increment(1);
        let mut logged = lock(&self.full_logged);
        if logged.is_none_or(|at| at.elapsed() >= FULL_LOGGED_EVERY) {
            *logged = Some(Instant::now());
            tracing::error!(
                redis = self.role.name(),
                "Redis is full (maxmemory) and refuses writes: what it refused is kept in this \
                 instance's memory only; give it more memory, or keep the cached answers in a \
                 Redis of their own (REDIS_CACHE_URL)"
            );
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

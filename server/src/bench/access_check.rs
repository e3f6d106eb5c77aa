//! The paywall check every cargo request makes (`access::ends_at`: a cached end date in the store,
//! in front of the database), timed directly once the drivers are done: against the run's own
//! database, with a fresh in-process store, and with Redis too when `REDIS_URL` is set.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use domain::{
    access, database, drivers,
    store::{SharedStore, StoreHealth},
};
use sea_orm::DatabaseConnection;

use super::{drivers::Habits, percentiles::Percentiles};

/// Cached checks timed per store, at least; more when there are many drivers.
const CHECKS: usize = 10_000;

pub struct AccessCheck {
    pub checks: usize,
    pub in_process: Timings,
    /// Why Redis was not measured, when it was not.
    pub redis: Result<Timings, String>,
}

pub struct Timings {
    /// A driver's first check: nothing cached, so the database answers and fills the cache.
    pub uncached: Percentiles,
    /// Every later check within the cache's lifetime: what nearly every cargo request pays.
    pub cached: Percentiles,
}

/// `sqlite` is the run's database file; `telegram_ids` are the signed-in drivers'.
pub async fn measure(sqlite: &Path, telegram_ids: impl IntoIterator<Item = i64>) -> AccessCheck {
    let db = database::connect(&format!("sqlite://{}?mode=rwc", sqlite.display()))
        .await
        .expect("the bench opens Hauler's database");
    let mut driver_ids = Vec::new();
    for telegram_id in telegram_ids {
        let driver = drivers::by_telegram_id(&db, telegram_id)
            .await
            .expect("the database answers")
            .expect("a signed-in driver is in the database");
        driver_ids.push(driver.id);
    }
    let checks = if driver_ids.is_empty() {
        0
    } else {
        CHECKS.max(driver_ids.len() * 2)
    };
    let in_process = time(&db, &SharedStore::in_process(), &driver_ids, checks).await;
    let redis = match std::env::var("REDIS_URL") {
        Ok(url) => with_redis(&db, &url, &driver_ids, checks).await,
        Err(_) => Err("not measured: REDIS_URL is unset".to_owned()),
    };
    AccessCheck {
        checks,
        in_process,
        redis,
    }
}

async fn with_redis(
    db: &DatabaseConnection,
    url: &str,
    driver_ids: &[i64],
    checks: usize,
) -> Result<Timings, String> {
    // A prefix of its own, so a Redis shared with a running Hauler is left untouched; the bench's
    // entries expire with the access cache (five minutes at most).
    let prefix = format!("bench-{:016x}", rand::random::<u64>());
    let store =
        SharedStore::with_redis(url, &prefix).map_err(|error| format!("not measured: {error}"))?;
    // The store quietly falls back to its in-process copy when Redis fails: that would be
    // timing the wrong store, so Redis must answer before and throughout.
    if let StoreHealth::Degraded { reason } = store.check().await {
        return Err(format!("not measured: Redis does not answer ({reason})"));
    }
    let timings = time(db, &store, driver_ids, checks).await;
    match store.health() {
        StoreHealth::Degraded { reason } => Err(format!(
            "not measured: Redis failed during the measurement ({reason})"
        )),
        _ => Ok(timings),
    }
}

async fn time(
    db: &DatabaseConnection,
    store: &SharedStore,
    driver_ids: &[i64],
    checks: usize,
) -> Timings {
    let mut uncached = Vec::with_capacity(driver_ids.len());
    for &driver_id in driver_ids {
        uncached.push(timed(db, store, driver_id).await);
    }
    // Drivers in a mixed order, as their requests arrive.
    let mut order = Habits::seeded(0x5DEE_CE66_D1CE_4E5B);
    let mut cached = Vec::with_capacity(checks);
    for _ in 0..checks {
        let driver_id = driver_ids[order.below(driver_ids.len() as u64) as usize];
        cached.push(timed(db, store, driver_id).await);
    }
    Timings {
        uncached: Percentiles::of(uncached),
        cached: Percentiles::of(cached),
    }
}

async fn timed(db: &DatabaseConnection, store: &SharedStore, driver_id: i64) -> Duration {
    let started = Instant::now();
    let ends_at = access::ends_at(db, store, driver_id.into())
        .await
        .expect("the database answers");
    let elapsed = started.elapsed();
    assert!(
        ends_at.is_some(),
        "driver {driver_id} began the trial, so has an end date"
    );
    elapsed
}

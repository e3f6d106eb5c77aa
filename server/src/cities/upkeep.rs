//! Keeping every instance's copy of the points dictionary current: each minute an instance
//! reloads the database's dictionary if another instance refreshed it, and the one instance that
//! holds the lease refreshes it from the exchange when it is missing or old. The first look is
//! at start-up; once the instance stops it looks no more and lets the lease go.

use std::{sync::Arc, time::Duration};

use domain::store::SharedStore;
use tokio_util::sync::CancellationToken;

use super::Cities;

const LOOK_EVERY: Duration = Duration::from_secs(60);
const LEASE: &str = "hauler:lease:cities-refresh";
/// After a failed refresh, the next waits this long (a fresh install keeps trying).
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(300);

pub async fn keep_up(cities: Arc<Cities>, store: SharedStore, stop: CancellationToken) {
    let holder = format!("{:016x}", rand::random::<u64>());
    loop {
        look(&cities, &store, &holder).await;
        if stop
            .run_until_cancelled(tokio::time::sleep(LOOK_EVERY))
            .await
            .is_none()
        {
            break;
        }
    }
    store.release_lease(LEASE, &holder).await;
}

async fn look(cities: &Arc<Cities>, store: &SharedStore, holder: &str) {
    if let Err(error) = cities.reload_if_changed().await {
        tracing::warn!(%error, "the points dictionary could not be read from the database");
    }
    let running = cities.is_refreshing();
    if !running && !cities.is_due(RETRY_AFTER_FAILURE) {
        return;
    }
    // The leader renews its lease while its refresh runs, so no other instance starts one.
    let leads = store.hold_lease(LEASE, holder, LOOK_EVERY * 3).await;
    if leads && !running {
        let _ = cities.start_refresh("system".to_owned());
    }
}

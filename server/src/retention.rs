//! The retention job: every little while, on one instance at a time (a lease), it deletes what
//! is kept only for a while (see `domain::retention`) in batches, each kind by the age its
//! configuration gives. Told to stop, it finishes the batch in hand and lets the lease go.

use std::time::Duration;

use chrono::Utc;
use domain::{
    retention::{self, Expiring},
    store::SharedStore,
};
use sea_orm::{DatabaseConnection, DbErr};
use tokio_util::sync::CancellationToken;

use crate::config::RetentionConfig;

const LEASE: &str = "lease:retention";

pub struct Retention {
    db: DatabaseConnection,
    store: SharedStore,
    /// Each kind with the age after which it goes.
    ages: Vec<(Expiring, Duration)>,
    every: Duration,
}

impl Retention {
    pub fn new(config: &RetentionConfig, db: DatabaseConnection, store: SharedStore) -> Self {
        let mut ages = vec![
            (Expiring::SentMessages, config.sent_messages),
            (Expiring::PaymentNotifications, config.payment_notifications),
            (Expiring::ShipperLoads, config.shipper_loads),
            (Expiring::EndedPasses, config.ended_passes),
        ];
        ages.extend(
            config
                .audit_entries
                .map(|age| (Expiring::AuditEntries, age)),
        );
        Self {
            db,
            store,
            ages,
            every: config.check_every,
        }
    }

    /// Every `every`, until `stop` is cancelled.
    pub async fn run(self, stop: CancellationToken) {
        let holder = format!("{:016x}", rand::random::<u64>());
        while stop
            .run_until_cancelled(tokio::time::sleep(self.every))
            .await
            .is_some()
        {
            let lease = self.every * 3 + Duration::from_secs(5);
            if !self.store.hold_lease(LEASE, &holder, lease).await {
                continue;
            }
            for &(what, age) in &self.ages {
                if let Err(error) = self.expire(what, age, &stop).await {
                    tracing::warn!(%error, what = what.name(), "old rows could not be deleted");
                }
            }
        }
        self.store.release_lease(LEASE, &holder).await;
    }

    /// Deletes every row of `what` older than `age`, batch after batch, until none is left or
    /// the instance stops.
    async fn expire(
        &self,
        what: Expiring,
        age: Duration,
        stop: &CancellationToken,
    ) -> Result<(), DbErr> {
        let before = chrono::Duration::from_std(age)
            .ok()
            .and_then(|age| Utc::now().checked_sub_signed(age));
        // An age beyond what the calendar can count: nothing is that old.
        let Some(before) = before else {
            return Ok(());
        };
        let mut deleted = 0;
        while !stop.is_cancelled() {
            let batch = retention::delete_batch(&self.db, what, before).await?;
            deleted += batch;
            if batch < retention::BATCH {
                break;
            }
        }
        if deleted > 0 {
            metrics::counter!("retention_deleted_total", "what" => what.name()).increment(deleted);
            tracing::info!(what = what.name(), deleted, "old rows deleted");
        }
        Ok(())
    }
}

//! The money path's clockwork, run by one instance at a time (a lease in the shared store):
//! reminders before a driver's access ends (three days and one day ahead) and when it has
//! ended, each once per end date; and pending payments re-read from YooKassa, so a notification
//! that never arrived strands no one. Told to stop, it ends the round in hand (no payment is left
//! half re-read) and lets the lease go.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::{access, autopay, drivers, outbox, payments};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use tokio_util::sync::CancellationToken;

use super::Billing;
use crate::bot::messages::{self, Reminder};

const LEASE: &str = "lease:payments-clockwork";

/// Pending payments younger than this are left to their notification; older than a day,
/// YooKassa has given up on them too.
const RECHECK_AFTER: chrono::Duration = chrono::Duration::minutes(2);
const RECHECK_UNTIL: chrono::Duration = chrono::Duration::days(1);

impl Billing {
    /// Every `every`, until `stop` is cancelled.
    pub async fn run_clockwork(self, every: Duration, stop: CancellationToken) {
        let holder = format!("{:016x}", rand::random::<u64>());
        while stop
            .run_until_cancelled(tokio::time::sleep(every))
            .await
            .is_some()
        {
            if !self
                .store
                .hold_lease(LEASE, &holder, every * 3 + Duration::from_secs(5))
                .await
            {
                continue;
            }
            if let Err(error) = self.remind(Utc::now()).await {
                tracing::warn!(%error, "access reminders could not be sent");
            }
            if let Err(error) = self.recheck_pending(Utc::now(), &stop).await {
                tracing::warn!(%error, "pending payments could not be rechecked");
            }
        }
        self.store.release_lease(LEASE, &holder).await;
    }

    /// Queues the reminders due at `now`; returns how many were new.
    pub async fn remind(&self, now: DateTime<Utc>) -> Result<usize, DbErr> {
        let window = access::subscription::Entity::find()
            .filter(access::subscription::Column::EndsAt.gt(now - chrono::Duration::days(1)))
            .filter(access::subscription::Column::EndsAt.lte(now + chrono::Duration::days(3)))
            .all(&self.db)
            .await?;
        let mut queued = 0;
        for subscription in window {
            let Some(reminder) = Reminder::due(subscription.ends_at, subscription.updated_at, now)
            else {
                continue;
            };
            // Autopay renews before the end, after a warning of its own.
            if reminder != Reminder::Ended
                && autopay::get(&self.db, subscription.driver_id.into())
                    .await?
                    .is_some_and(|row| row.state == autopay::ON)
            {
                continue;
            }
            let Some(driver) = drivers::by_id(&self.db, subscription.driver_id.into()).await?
            else {
                continue;
            };
            let fresh = outbox::enqueue(
                &self.db,
                outbox::Outgoing {
                    chat_id: driver.telegram_id,
                    dedupe_key: format!(
                        "reminder:{}:{}:{}",
                        driver.id,
                        subscription.ends_at.timestamp(),
                        reminder.key()
                    ),
                    payload: messages::access_reminder(
                        driver.telegram_id,
                        reminder,
                        subscription.ends_at,
                        driver.language_code.as_deref(),
                        &self.bot.link,
                    ),
                },
            )
            .await?;
            queued += usize::from(fresh);
        }
        if queued > 0 {
            self.bot.doorbell.ring();
        }
        Ok(queued)
    }

    async fn recheck_pending(
        &self,
        now: DateTime<Utc>,
        stop: &CancellationToken,
    ) -> Result<(), DbErr> {
        let pending = payments::entity::Entity::find()
            .filter(payments::entity::Column::Status.eq("pending"))
            .filter(payments::entity::Column::Provider.eq(payments::YOOKASSA))
            .filter(payments::entity::Column::CreatedAt.lt(now - RECHECK_AFTER))
            .filter(payments::entity::Column::CreatedAt.gt(now - RECHECK_UNTIL))
            .all(&self.db)
            .await?;
        for payment in pending.iter().take_while(|_| !stop.is_cancelled()) {
            self.refresh(payment).await;
        }
        Ok(())
    }
}

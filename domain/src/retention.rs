//! What is deleted once old enough: bot messages already delivered, raw payment notifications
//! past the time the law keeps accounting evidence, loads noted for shippers' pages that the
//! exchange has not shown for long, cabinet passes long ended (with their sessions' records), and
//! audit entries when an age is set for them. In batches, oldest first, so that no delete holds a
//! table for long. A message still to be sent is never deleted, whatever its age; payments and
//! the rest of their history are kept.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::{audit, cabinet::passes, outbox, payments, shippers::sightings};

/// Rows deleted by one call of [`delete_batch`].
pub const BATCH: u64 = 500;

/// A kind of row kept only for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiring {
    /// Bot messages Telegram took, by when they were sent.
    SentMessages,
    /// Notification bodies as YooKassa and Telegram sent them, by when they arrived.
    PaymentNotifications,
    /// The audit log, by when each action happened.
    AuditEntries,
    /// Loads noted for shippers' pages, by when the exchange last showed them.
    ShipperLoads,
    /// Cabinet passes, by when they expired or were revoked (or, never started because their
    /// payment never came, by when they were made); their sessions' records go with them.
    EndedPasses,
}

impl Expiring {
    pub fn name(self) -> &'static str {
        match self {
            Self::SentMessages => "sent_messages",
            Self::PaymentNotifications => "payment_notifications",
            Self::AuditEntries => "audit_entries",
            Self::ShipperLoads => "shipper_loads",
            Self::EndedPasses => "ended_passes",
        }
    }
}

/// Deletes up to [`BATCH`] rows of `what` from before `before`, oldest first; how many it
/// deleted. Fewer than [`BATCH`] means none is left.
pub async fn delete_batch(
    db: &DatabaseConnection,
    what: Expiring,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    match what {
        Expiring::SentMessages => {
            use outbox::entity::{Column, Entity};
            let sent = Condition::all()
                .add(Column::Status.eq(outbox::SENT))
                .add(Column::SentAt.lt(before));
            delete_oldest::<Entity>(db, Column::Id, sent).await
        }
        Expiring::PaymentNotifications => {
            use payments::events::{Column, Entity};
            let raw = Condition::any()
                .add(Column::Kind.starts_with("notification."))
                .add(Column::Kind.starts_with("telegram."));
            let old = Condition::all().add(raw).add(Column::CreatedAt.lt(before));
            delete_oldest::<Entity>(db, Column::Id, old).await
        }
        Expiring::AuditEntries => {
            use audit::entity::{Column, Entity};
            let old = Condition::all().add(Column::OccurredAt.lt(before));
            delete_oldest::<Entity>(db, Column::Id, old).await
        }
        Expiring::ShipperLoads => {
            use sightings::entity::{Column, Entity};
            let old = Condition::all().add(Column::LastSeenAt.lt(before));
            delete_oldest::<Entity>(db, Column::CargoId, old).await
        }
        Expiring::EndedPasses => {
            use passes::entity::{Column, Entity};
            let ended = Condition::any()
                .add(Column::ExpiresAt.lt(before))
                .add(Column::RevokedAt.lt(before))
                .add(
                    Condition::all()
                        .add(Column::ExpiresAt.is_null())
                        .add(Column::CreatedAt.lt(before)),
                );
            delete_oldest::<Entity>(db, Column::Id, ended).await
        }
    }
}

/// The first [`BATCH`] rows by `id` that meet `condition`, deleted; the condition is asked again
/// as they are deleted.
async fn delete_oldest<E: EntityTrait>(
    db: &DatabaseConnection,
    id: E::Column,
    condition: Condition,
) -> Result<u64, DbErr> {
    let ids: Vec<i64> = E::find()
        .select_only()
        .column(id)
        .filter(condition.clone())
        .order_by_asc(id)
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let deleted = E::delete_many()
        .filter(id.is_in(ids))
        .filter(condition)
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

//! The durable outbox every bot message passes through: written in the same breath as the event
//! that causes it, sent later by a worker, so nothing is lost when Telegram is slow or down.
//! A dedupe key makes enqueueing idempotent; a conditional claim makes each message go out from
//! one instance only. Senders claim a message or a few at a time, for a hold far longer than one
//! send takes, so a claim never lapses while its message is on its way. A message Telegram took
//! is marked sent in the store before the database (see [`mark_delivered`]), so a sender that
//! could not record it (the database was down) leaves a mark that stops anyone sending it again.

use chrono::{DateTime, Duration, Utc};

use crate::store::SharedStore;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_messages")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub chat_id: i64,
        #[sea_orm(unique)]
        pub dedupe_key: String,
        /// The Bot API `sendMessage` parameters, as JSON.
        pub payload: String,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub claimed_until: Option<DateTimeUtc>,
        pub sent_at: Option<DateTimeUtc>,
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
/// Telegram refused for good (the driver blocked the bot, the chat is gone): never retried.
pub const UNDELIVERABLE: &str = "undeliverable";

/// A message to send: `sendMessage` parameters for one chat.
pub struct Outgoing {
    pub chat_id: i64,
    /// What makes it unique, e.g. `response:<driver>:<cargo>`; the same key twice is one message.
    pub dedupe_key: String,
    pub payload: serde_json::Value,
}

/// Queues a message; `false` when one with the same key was queued before.
pub async fn enqueue(db: &impl ConnectionTrait, message: Outgoing) -> Result<bool, DbErr> {
    enqueue_held(db, message, Utc::now()).await
}

/// Queues a message that waits until `not_before` (an alert in the driver's quiet hours).
pub async fn enqueue_held(
    db: &impl ConnectionTrait,
    message: Outgoing,
    not_before: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let row = entity::ActiveModel {
        chat_id: Set(message.chat_id),
        dedupe_key: Set(message.dedupe_key),
        payload: Set(message.payload.to_string()),
        status: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(Ord::max(not_before, now)),
        claimed_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    let inserted = entity::Entity::insert(row)
        .on_conflict(
            OnConflict::column(entity::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

/// Claims up to `limit` due messages for `hold` (another instance may take them only after that),
/// oldest first. Each row is claimed by a conditional update, so two instances never both win;
/// a few more candidates than asked for are read, so one that lost a race to another instance
/// still comes away with work.
pub async fn claim_due(
    db: &DatabaseConnection,
    limit: u64,
    hold: Duration,
) -> Result<Vec<entity::Model>, DbErr> {
    let now = Utc::now();
    let candidates = entity::Entity::find()
        .filter(entity::Column::Status.eq(PENDING))
        .filter(entity::Column::NextAttemptAt.lte(now))
        .filter(unclaimed(now))
        .order_by_asc(entity::Column::Id)
        .limit(limit.saturating_mul(4))
        .all(db)
        .await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for mut row in candidates {
        if claimed.len() as u64 >= limit {
            break;
        }
        let until = now + hold;
        let won = entity::Entity::update_many()
            .col_expr(entity::Column::ClaimedUntil, Expr::value(until))
            .filter(entity::Column::Id.eq(row.id))
            .filter(entity::Column::Status.eq(PENDING))
            .filter(unclaimed(now))
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if won {
            row.claimed_until = Some(until);
            claimed.push(row);
        }
    }
    Ok(claimed)
}

fn unclaimed(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(entity::Column::ClaimedUntil.is_null())
        .add(entity::Column::ClaimedUntil.lt(now))
}

/// Gives claimed messages back unsent: any sender may take them at once. A message settled
/// meanwhile is left as it is.
pub async fn release(db: &DatabaseConnection, ids: &[i64]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    entity::Entity::update_many()
        .col_expr(
            entity::Column::ClaimedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(entity::Column::Id.is_in(ids.iter().copied()))
        .filter(entity::Column::Status.eq(PENDING))
        .exec(db)
        .await
        .map(drop)
}

pub async fn mark_sent(db: &DatabaseConnection, id: i64) -> Result<(), DbErr> {
    settle(db, id, SENT, None, None).await
}

/// How long the store remembers that Telegram took a message: far longer than any outage a
/// sender waits out before it records the send in the database.
const DELIVERED_MARK_TTL: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

fn delivered_key(id: i64) -> String {
    format!("outbox-delivered:{id}")
}

/// Notes in the store, before the database, that Telegram took the message: if the database
/// cannot record it, whoever claims the message next finds the note and records it unsent again.
pub async fn mark_delivered(store: &SharedStore, id: i64) {
    store
        .set_mirrored(&delivered_key(id), b"1", DELIVERED_MARK_TTL)
        .await;
}

/// Whether Telegram took this message already (as the store remembers).
pub async fn was_delivered(store: &SharedStore, id: i64) -> bool {
    store.get(&delivered_key(id)).await.is_some()
}

/// Tries again at `retry_at` (Telegram slow, down, or asking to wait).
pub async fn retry_later(
    db: &DatabaseConnection,
    id: i64,
    retry_at: DateTime<Utc>,
    error: &str,
) -> Result<(), DbErr> {
    settle(db, id, PENDING, Some(retry_at), Some(error)).await
}

pub async fn mark_undeliverable(
    db: &DatabaseConnection,
    id: i64,
    error: &str,
) -> Result<(), DbErr> {
    settle(db, id, UNDELIVERABLE, None, Some(error)).await
}

async fn settle(
    db: &DatabaseConnection,
    id: i64,
    status: &str,
    retry_at: Option<DateTime<Utc>>,
    error: Option<&str>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let mut update = entity::Entity::update_many()
        .col_expr(entity::Column::Status, Expr::value(status))
        .col_expr(
            entity::Column::Attempts,
            Expr::col(entity::Column::Attempts).add(1),
        )
        .col_expr(
            entity::Column::ClaimedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(
            entity::Column::LastError,
            Expr::value(error.map(str::to_owned)),
        );
    if status == SENT {
        update = update.col_expr(entity::Column::SentAt, Expr::value(Some(now)));
    }
    if let Some(retry_at) = retry_at {
        update = update.col_expr(entity::Column::NextAttemptAt, Expr::value(retry_at));
    }
    update
        .filter(entity::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// Messages queued since `since` whose key starts with `prefix` (e.g. one driver's alerts).
pub async fn count_since(
    db: &DatabaseConnection,
    prefix: &str,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::DedupeKey.starts_with(prefix))
        .filter(entity::Column::CreatedAt.gt(since))
        .count(db)
        .await
}

/// Messages under `prefix` queued since `since`, or still held for later.
pub async fn count_since_or_held(
    db: &DatabaseConnection,
    prefix: &str,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::DedupeKey.starts_with(prefix))
        .filter(
            Condition::any()
                .add(entity::Column::CreatedAt.gt(since))
                .add(held(Utc::now())),
        )
        .count(db)
        .await
}

/// Held messages under `prefix` (never yet tried) go out at `at` instead; `now` sends them now.
pub async fn retime_held(
    db: &DatabaseConnection,
    prefix: &str,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(entity::Entity::update_many()
        .col_expr(entity::Column::NextAttemptAt, Expr::value(at))
        .filter(entity::Column::DedupeKey.starts_with(prefix))
        .filter(held(Utc::now()))
        .exec(db)
        .await?
        .rows_affected)
}

/// Sandbox mode's passing of time: a chat's held messages due within `by` go out now instead,
/// as if that long had passed. How many.
pub async fn bring_forward(
    db: &DatabaseConnection,
    chat_id: i64,
    by: Duration,
) -> Result<u64, DbErr> {
    let now = Utc::now();
    Ok(entity::Entity::update_many()
        .col_expr(entity::Column::NextAttemptAt, Expr::value(now))
        .filter(entity::Column::ChatId.eq(chat_id))
        .filter(entity::Column::NextAttemptAt.lte(now + by))
        .filter(held(now))
        .exec(db)
        .await?
        .rows_affected)
}

/// Held messages under `prefix` are dropped (the driver turned them off meanwhile).
pub async fn drop_held(db: &DatabaseConnection, prefix: &str) -> Result<u64, DbErr> {
    Ok(entity::Entity::delete_many()
        .filter(entity::Column::DedupeKey.starts_with(prefix))
        .filter(held(Utc::now()))
        .exec(db)
        .await?
        .rows_affected)
}

/// Waiting for a later time, never tried yet (a retry's wait is not a hold).
fn held(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(entity::Column::Status.eq(PENDING))
        .add(entity::Column::Attempts.eq(0))
        .add(entity::Column::NextAttemptAt.gt(now))
}

/// Messages waiting to go out.
pub async fn backlog(db: &DatabaseConnection) -> Result<u64, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::Status.eq(PENDING))
        .count(db)
        .await
}

/// How far behind the outbox is: messages not yet sent (held ones included), those due now,
/// and when the oldest due one became due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depth {
    pub pending: u64,
    pub due: u64,
    pub oldest_due_since: Option<DateTime<Utc>>,
}

pub async fn depth(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Depth, DbErr> {
    let due = || {
        entity::Entity::find()
            .filter(entity::Column::Status.eq(PENDING))
            .filter(entity::Column::NextAttemptAt.lte(now))
    };
    Ok(Depth {
        pending: backlog(db).await?,
        due: due().count(db).await?,
        oldest_due_since: due()
            .order_by_asc(entity::Column::NextAttemptAt)
            .one(db)
            .await?
            .map(|row| row.next_attempt_at),
    })
}

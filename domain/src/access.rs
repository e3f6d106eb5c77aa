//! A driver's access to loads: one end date per driver, moved only by grants (a trial, a payment,
//! a promo code, an admin's gift, a refund taking days back). Each grant names its source
//! (`payment:<id>`, `trial:<driver>`…) under a unique key and is applied inside a transaction
//! that holds the driver's row, so the same source never counts twice, however many instances
//! receive it at once.
//!
//! The check every cargo request makes reads a cached end date (Redis or in-process) in front of
//! the database, while that date lies ahead; every grant writes its new answer there the moment
//! it commits. A second, longer-lived copy (the last known end date) answers only while the
//! database cannot, so a driver with access keeps browsing through an outage; it too is
//! replaced by every grant (a payment, a gift, a refund taking days back) and never outlives the
//! end date it holds.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, QueryFilter, QuerySelect, TransactionTrait, sea_query::OnConflict,
};

use super::store::SharedStore;
use app::subscription::Access;

use crate::DriverId;

pub mod subscription {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "subscriptions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub driver_id: i64,
        pub ends_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod grant {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_grants")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub driver_id: i64,
        pub source: String,
        #[sea_orm(unique)]
        pub source_ref: String,
        /// Negative when days are taken back (a refund).
        pub days: i32,
        pub ends_before: DateTimeUtc,
        pub ends_after: DateTimeUtc,
        pub granted_by: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Where a grant comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantSource {
    Trial,
    Payment,
    Promo,
    Gift,
    Refund,
}

impl GrantSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trial => "trial",
            Self::Payment => "payment",
            Self::Promo => "promo",
            Self::Gift => "gift",
            Self::Refund => "refund",
        }
    }
}

pub struct Grant {
    pub driver_id: DriverId,
    pub source: GrantSource,
    /// Unique across all grants: the same reference is applied once.
    pub source_ref: String,
    /// Days added; negative takes days back (never past now).
    pub days: i32,
    /// `system`, `driver:<telegram id>`, `admin:<email>`…
    pub granted_by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granted {
    /// This call moved the end date.
    Applied { ends_at: DateTime<Utc> },
    /// The source had been applied before: nothing changed.
    AlreadyApplied { ends_at: DateTime<Utc> },
}

impl Granted {
    pub fn ends_at(self) -> DateTime<Utc> {
        match self {
            Self::Applied { ends_at } | Self::AlreadyApplied { ends_at } => ends_at,
        }
    }
}

/// How long an end date is cached at most; grants replace it at once, so this bounds only
/// staleness after a change made behind the application's back (or by another instance without
/// Redis).
const CACHE_TTL: Duration = Duration::from_secs(300);

/// How long an end date may be cached: never past the end itself, and not at all once it has
/// come. "No access" is always read from the database, so a payment recorded by any instance opens
/// loads on every instance at once.
fn cache_ttl(ends_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<Duration> {
    let left = (ends_at? - now).to_std().ok()?;
    (!left.is_zero()).then(|| left.min(CACHE_TTL))
}

fn cache_key(driver_id: DriverId) -> String {
    format!("access:{driver_id}")
}

/// How long the last known end date answers for a database that cannot: long enough to ride out
/// a restart or a failover, short enough that a change made behind the application's back is
/// not honoured for long.
const LAST_KNOWN_TTL: Duration = Duration::from_secs(15 * 60);

fn last_known_key(driver_id: DriverId) -> String {
    format!("access-last-known:{driver_id}")
}

/// Remembers an end date still ahead as the last known one (or forgets it once passed).
async fn remember(store: &SharedStore, driver_id: DriverId, ends_at: Option<DateTime<Utc>>) {
    let key = last_known_key(driver_id);
    let left = ends_at.and_then(|ends_at| (ends_at - Utc::now()).to_std().ok());
    match left.filter(|left| !left.is_zero()) {
        Some(left) => {
            store
                .set_json(&key, &ends_at, left.min(LAST_KNOWN_TTL))
                .await
        }
        None => store.delete(&key).await,
    }
}

/// The end date last read from the database or written by a grant, if it still lies ahead: what
/// the access check answers while the database cannot.
pub async fn last_known(store: &SharedStore, driver_id: DriverId) -> Option<DateTime<Utc>> {
    store
        .get_json::<Option<DateTime<Utc>>>(&last_known_key(driver_id))
        .await
        .flatten()
        .filter(|ends_at| *ends_at > Utc::now())
}

/// The driver's access now: cached, then the database.
pub async fn access(
    db: &DatabaseConnection,
    store: &SharedStore,
    driver_id: DriverId,
) -> Result<Access, DbErr> {
    Ok(describe(ends_at(db, store, driver_id).await?, Utc::now()))
}

/// The end date of the driver's access, if they ever had any.
pub async fn ends_at(
    db: &DatabaseConnection,
    store: &SharedStore,
    driver_id: DriverId,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    match cached_ends_at(store, driver_id).await {
        Some(cached) => Ok(cached),
        None => read_through(db, store, driver_id).await,
    }
}

/// The cached end date, if the cache holds one.
pub async fn cached_ends_at(
    store: &SharedStore,
    driver_id: DriverId,
) -> Option<Option<DateTime<Utc>>> {
    store.get_json(&cache_key(driver_id)).await
}

/// The end date from the database, cached on the way back.
pub async fn read_through(
    db: &DatabaseConnection,
    store: &SharedStore,
    driver_id: DriverId,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let key = cache_key(driver_id);
    let ends_at = stored_ends_at(db, driver_id).await?;
    // Only fills an empty entry: a grant that committed meanwhile has written its own answer,
    // which an older read must not overwrite.
    if let (Some(ttl), Ok(bytes)) = (cache_ttl(ends_at, Utc::now()), serde_json::to_vec(&ends_at))
        && store.set_if_absent(&key, &bytes, ttl).await
    {
        remember(store, driver_id, ends_at).await;
    }
    Ok(ends_at)
}

/// The end date as the database holds it, past any cache.
pub async fn stored_ends_at(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(subscription::Entity::find_by_id(driver_id)
        .one(db)
        .await?
        .map(|row| row.ends_at))
}

/// Access as clients see it, at `now`.
pub fn describe(ends_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Access {
    let Some(ends_at) = ends_at else {
        return Access::default();
    };
    let left = (ends_at - now).num_seconds().max(0);
    Access {
        active: ends_at > now,
        until: Some(ends_at.to_rfc3339()),
        days_left: u32::try_from((left + 86_399) / 86_400).unwrap_or(u32::MAX),
    }
}

/// Applies a grant exactly once (by its `source_ref`), moving the driver's end date: added days
/// count from the later of now and the current end; days taken back never end access before now.
pub async fn grant(
    db: &DatabaseConnection,
    store: &SharedStore,
    grant: Grant,
) -> Result<Granted, DbErr> {
    let txn = db.begin().await?;
    let now = Utc::now();
    // The first statement writes, so on SQLite this transaction holds the write lock from the
    // start; on PostgreSQL the row is then locked, serializing every grant for this driver.
    subscription::Entity::insert(subscription::ActiveModel {
        driver_id: Set(grant.driver_id.into()),
        ends_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(subscription::Column::DriverId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let mut current = subscription::Entity::find_by_id(grant.driver_id);
    if txn.get_database_backend() == DbBackend::Postgres {
        current = current.lock_exclusive();
    }
    let current = current
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the subscription row just ensured".into()))?;

    if grant::Entity::find()
        .filter(grant::Column::SourceRef.eq(&grant.source_ref))
        .one(&txn)
        .await?
        .is_some()
    {
        txn.commit().await?;
        return Ok(Granted::AlreadyApplied {
            ends_at: current.ends_at,
        });
    }

    let days = chrono::Duration::days(grant.days.into());
    let ends_after = if grant.days >= 0 {
        current.ends_at.max(now) + days
    } else {
        (current.ends_at + days).max(now.min(current.ends_at))
    };
    grant::Entity::insert(grant::ActiveModel {
        driver_id: Set(grant.driver_id.into()),
        source: Set(grant.source.as_str().to_owned()),
        source_ref: Set(grant.source_ref),
        days: Set(grant.days),
        ends_before: Set(current.ends_at),
        ends_after: Set(ends_after),
        granted_by: Set(grant.granted_by),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    subscription::Entity::update(subscription::ActiveModel {
        driver_id: Set(grant.driver_id.into()),
        ends_at: Set(ends_after),
        updated_at: Set(now),
    })
    .exec(&txn)
    .await?;
    txn.commit().await?;
    store.admitted().forget_driver(grant.driver_id);
    // The new answer replaces the cached one at once (a read that raced this grant fills only
    // an empty entry, so it cannot put the old end date back).
    let key = cache_key(grant.driver_id);
    match cache_ttl(Some(ends_after), Utc::now()) {
        Some(ttl) => store.set_json(&key, &Some(ends_after), ttl).await,
        None => store.delete(&key).await,
    }
    remember(store, grant.driver_id, Some(ends_after)).await;
    Ok(Granted::Applied {
        ends_at: ends_after,
    })
}

/// The trial's grant reference: one per driver, ever.
pub fn trial_ref(driver_id: DriverId) -> String {
    format!("trial:{driver_id}")
}

pub async fn has_grant(db: &impl ConnectionTrait, source_ref: &str) -> Result<bool, DbErr> {
    Ok(grant::Entity::find()
        .filter(grant::Column::SourceRef.eq(source_ref))
        .one(db)
        .await?
        .is_some())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn days_left_count_a_started_day_as_one() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert_eq!(describe(None, now), Access::default());
        let in_two_and_a_bit = describe(Some(now + chrono::Duration::hours(49)), now);
        assert!(in_two_and_a_bit.active);
        assert_eq!(in_two_and_a_bit.days_left, 3);
        let ended = describe(Some(now - chrono::Duration::hours(1)), now);
        assert!(!ended.active);
        assert_eq!(ended.days_left, 0);
        assert!(ended.until.is_some());
    }

    #[test]
    fn only_an_end_still_ahead_is_cached_and_never_past_itself() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        assert_eq!(cache_ttl(None, now), None, "no access is read afresh");
        assert_eq!(cache_ttl(Some(now - chrono::Duration::hours(1)), now), None);
        assert_eq!(cache_ttl(Some(now), now), None);
        assert_eq!(
            cache_ttl(Some(now + chrono::Duration::seconds(40)), now),
            Some(Duration::from_secs(40))
        );
        assert_eq!(
            cache_ttl(Some(now + chrono::Duration::days(30)), now),
            Some(CACHE_TTL)
        );
    }
}

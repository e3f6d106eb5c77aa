//! What a driver has done with the loads of a page (hidden them, responded to them), read in one
//! query: every list a driver opens asks it, so it costs one round trip to the database.
//!
//! A driver scrolling asks for pages several times a second: [`RecentMarks`] (held by the store)
//! keeps each driver's marks as read a moment ago on this instance, so a page costs no query at
//! all; every change made here (through [`remember`]) forgets them at once, one made on another
//! instance shows within a few seconds.
//!
//! A copy of all of a driver's marks is also kept in the store, written when they sign in and
//! whenever they hide, show again or respond to a load, and read only while the database cannot
//! answer: cached lists and cards then keep flowing with the driver's marks laid over them.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Alias, Expr, Query, UnionType},
};
use serde::{Deserialize, Serialize};

use super::{hidden, responses, store::SharedStore};

use crate::{DriverId, cargo_key};

/// A driver's marks among a page's loads.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Marks {
    pub hidden: HashSet<u64>,
    pub responded: HashSet<u64>,
}

const HIDDEN: i32 = 0;
const RESPONDED: i32 = 1;

/// The driver's marks among these loads.
pub async fn among(
    db: &DatabaseConnection,
    driver_id: DriverId,
    cargo_ids: impl IntoIterator<Item = u64>,
) -> Result<Marks, DbErr> {
    // An id beyond the database's range can never have been hidden or answered.
    let ids: Vec<i64> = cargo_ids
        .into_iter()
        .filter_map(|id| cargo_key(id).ok())
        .collect();
    if ids.is_empty() {
        return Ok(Marks::default());
    }
    let kind = Alias::new("kind");
    let responded = Query::select()
        .column(responses::entity::Column::CargoId)
        .expr_as(Expr::val(RESPONDED), kind.clone())
        .from(responses::entity::Entity)
        .and_where(responses::entity::Column::DriverId.eq(driver_id))
        .and_where(responses::entity::Column::CargoId.is_in(ids.clone()))
        .to_owned();
    let marked = Query::select()
        .column(hidden::entity::Column::CargoId)
        .expr_as(Expr::val(HIDDEN), kind)
        .from(hidden::entity::Entity)
        .and_where(hidden::entity::Column::DriverId.eq(driver_id))
        .and_where(hidden::entity::Column::CargoId.is_in(ids))
        .union(UnionType::All, responded)
        .to_owned();
    let mut marks = Marks::default();
    for row in db.query_all(&marked).await? {
        let id: i64 = row.try_get_by_index(0)?;
        let kind: i32 = row.try_get_by_index(1)?;
        let Ok(id) = u64::try_from(id) else { continue };
        if kind == HIDDEN {
            marks.hidden.insert(id);
        } else {
            marks.responded.insert(id);
        }
    }
    Ok(marks)
}

/// How long a driver's marks read on this instance are used again.
const RECENT_FOR: Duration = Duration::from_secs(5);
/// Past this many drivers held, a read first sweeps out the lapsed ones.
const SWEEP_ABOVE: usize = 4_096;

/// Each driver's marks (all of them) as read from the database a moment ago on this instance.
#[derive(Default)]
pub struct RecentMarks {
    by_driver: RwLock<HashMap<DriverId, (Arc<Marks>, Instant)>>,
}

impl RecentMarks {
    /// All of the driver's marks, read a moment ago or now; `None` for a driver with more than
    /// this instance holds (the caller then asks for a page's loads alone, with [`among`]).
    pub async fn of(
        &self,
        db: &DatabaseConnection,
        driver_id: DriverId,
    ) -> Result<Option<Arc<Marks>>, DbErr> {
        if let Some(marks) = self.recall(driver_id) {
            return Ok(Some(marks));
        }
        let hidden = ids_of_kind(db, driver_id, HIDDEN).await?;
        let responded = ids_of_kind(db, driver_id, RESPONDED).await?;
        if hidden.len() as u64 > REMEMBERED_AT_MOST || responded.len() as u64 > REMEMBERED_AT_MOST {
            return Ok(None);
        }
        let marks = Arc::new(Marks { hidden, responded });
        let now = Instant::now();
        let mut by_driver = self.by_driver.write().unwrap_or_else(|p| p.into_inner());
        if by_driver.len() >= SWEEP_ABOVE {
            by_driver.retain(|_, (_, at)| now.duration_since(*at) < RECENT_FOR);
        }
        by_driver.insert(driver_id, (Arc::clone(&marks), now));
        Ok(Some(marks))
    }

    /// Forgets the driver's marks after a change made here.
    pub fn forget(&self, driver_id: DriverId) {
        let mut by_driver = self.by_driver.write().unwrap_or_else(|p| p.into_inner());
        by_driver.remove(&driver_id);
    }

    fn recall(&self, driver_id: DriverId) -> Option<Arc<Marks>> {
        let by_driver = self.by_driver.read().unwrap_or_else(|p| p.into_inner());
        let (marks, at) = by_driver.get(&driver_id)?;
        (at.elapsed() < RECENT_FOR).then(|| Arc::clone(marks))
    }
}

/// The driver's loads of one kind of mark, one more than the most held (to tell "too many").
async fn ids_of_kind(
    db: &DatabaseConnection,
    driver_id: DriverId,
    kind: i32,
) -> Result<HashSet<u64>, DbErr> {
    let ids: Vec<i64> = if kind == HIDDEN {
        hidden::entity::Entity::find()
            .select_only()
            .column(hidden::entity::Column::CargoId)
            .filter(hidden::entity::Column::DriverId.eq(driver_id))
            .limit(REMEMBERED_AT_MOST + 1)
            .into_tuple::<i64>()
            .all(db)
            .await?
    } else {
        responses::entity::Entity::find()
            .select_only()
            .column(responses::entity::Column::CargoId)
            .filter(responses::entity::Column::DriverId.eq(driver_id))
            .limit(REMEMBERED_AT_MOST + 1)
            .into_tuple::<i64>()
            .all(db)
            .await?
    };
    Ok(ids
        .into_iter()
        .filter_map(|id| u64::try_from(id).ok())
        .collect())
}

/// How long the store keeps a driver's marks: as long as a session lasts.
const REMEMBERED_TTL: Duration = crate::sessions::SESSION_TTL;
/// The most recent marks of each kind kept; a driver with more sees older ones again during an
/// outage only.
const REMEMBERED_AT_MOST: u64 = 5_000;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Remembered {
    hidden: Vec<i64>,
    responded: Vec<i64>,
}

fn remembered_key(driver_id: DriverId) -> String {
    format!("marks:{driver_id}")
}

/// Copies all of the driver's marks into the store (at sign-in, and after each change), and
/// forgets those this instance read a moment ago.
pub async fn remember(
    db: &DatabaseConnection,
    store: &SharedStore,
    driver_id: DriverId,
) -> Result<(), DbErr> {
    store.recent_marks().forget(driver_id);
    let hidden = hidden::entity::Entity::find()
        .select_only()
        .column(hidden::entity::Column::CargoId)
        .filter(hidden::entity::Column::DriverId.eq(driver_id))
        .order_by_desc(hidden::entity::Column::HiddenAt)
        .limit(REMEMBERED_AT_MOST)
        .into_tuple::<i64>()
        .all(db)
        .await?;
    let responded = responses::entity::Entity::find()
        .select_only()
        .column(responses::entity::Column::CargoId)
        .filter(responses::entity::Column::DriverId.eq(driver_id))
        .order_by_desc(responses::entity::Column::CreatedAt)
        .limit(REMEMBERED_AT_MOST)
        .into_tuple::<i64>()
        .all(db)
        .await?;
    let remembered = Remembered { hidden, responded };
    store
        .set_json(&remembered_key(driver_id), &remembered, REMEMBERED_TTL)
        .await;
    Ok(())
}

/// The driver's marks among these loads as the store remembers them (none when it has no copy).
pub async fn remembered_among(
    store: &SharedStore,
    driver_id: DriverId,
    cargo_ids: impl IntoIterator<Item = u64>,
) -> Marks {
    let remembered: Remembered = store
        .get_json(&remembered_key(driver_id))
        .await
        .unwrap_or_default();
    let wanted: HashSet<u64> = cargo_ids.into_iter().collect();
    let among = |ids: Vec<i64>| -> HashSet<u64> {
        ids.into_iter()
            .filter_map(|id| u64::try_from(id).ok())
            .filter(|id| wanted.contains(id))
            .collect()
    };
    Marks {
        hidden: among(remembered.hidden),
        responded: among(remembered.responded),
    }
}

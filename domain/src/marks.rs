//! What a driver has done with the loads of a page (hidden them, responded to them), read in one
//! query: every list a driver opens asks it, so it costs one round trip to the database.
//!
//! A driver scrolling asks for pages several times a second: [`RecentMarks`] (held by the store)
//! keeps each driver's marks as read a moment ago on this instance, so a page costs no query at
//! all; every change made here (through [`remember`]) forgets them at once, one made on another
//! instance shows within a few seconds. Drivers missing at the same moment are read together, in
//! one query.
//!
//! A copy of all of a driver's marks is also kept in the store, written when they sign in and
//! whenever they hide, show again or respond to a load, and read only while the database cannot
//! answer: cached lists and cards then keep flowing with the driver's marks laid over them.

use std::{collections::HashSet, time::Duration};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Alias, Expr, Query, UnionType},
};
use serde::{Deserialize, Serialize};

use super::{hidden, responses, store::SharedStore};

mod recent;
pub use recent::RecentMarks;

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

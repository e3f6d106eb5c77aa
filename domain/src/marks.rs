//! What a driver has done with the loads of a page (hidden them, responded to them), read in one
//! query: every list a driver opens asks it, so it costs one round trip to the database.

use std::collections::HashSet;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    sea_query::{Alias, Expr, Query, UnionType},
};

use super::{hidden, responses};

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

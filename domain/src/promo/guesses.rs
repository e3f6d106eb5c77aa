//! Wrong promo codes, counted per driver: a code that does not exist is a guess, and admins see
//! who guesses and how often. The count is one row per driver, bumped in one statement.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect,
    sea_query::{Alias, Expr, ExprTrait, OnConflict},
};

use crate::DriverId;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "promo_guesses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub driver_id: i64,
        pub wrong: i64,
        pub last_code: String,
        pub last_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One driver's wrong codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guesser {
    pub driver_id: DriverId,
    pub wrong: u64,
    pub last_code: String,
    pub last_at: DateTime<Utc>,
}

/// Counts a code that does not exist, tried by `driver_id`.
pub async fn record_wrong(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    code: &str,
) -> Result<(), DbErr> {
    let code: String = code.chars().take(32).collect();
    entity::Entity::insert(entity::ActiveModel {
        driver_id: Set(driver_id.into()),
        wrong: Set(1),
        last_code: Set(code),
        last_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(entity::Column::DriverId)
            .value(
                entity::Column::Wrong,
                Expr::col((entity::Entity, entity::Column::Wrong)).add(1),
            )
            .update_columns([entity::Column::LastCode, entity::Column::LastAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The drivers with the most wrong codes, most first, and the wrong codes of all drivers.
pub async fn top(db: &impl ConnectionTrait, limit: u64) -> Result<(Vec<Guesser>, u64), DbErr> {
    let rows = entity::Entity::find()
        .order_by_desc(entity::Column::Wrong)
        .order_by_desc(entity::Column::LastAt)
        .limit(limit)
        .all(db)
        .await?;
    let total: Option<i64> = entity::Entity::find()
        .select_only()
        // PostgreSQL sums a bigint into a numeric: read it back as a bigint on both databases.
        .column_as(
            Expr::col(entity::Column::Wrong)
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "total",
        )
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let guessers = rows
        .into_iter()
        .map(|row| Guesser {
            driver_id: row.driver_id.into(),
            wrong: u64::try_from(row.wrong).unwrap_or(0),
            last_code: row.last_code,
            last_at: row.last_at,
        })
        .collect();
    Ok((guessers, u64::try_from(total.unwrap_or(0)).unwrap_or(0)))
}

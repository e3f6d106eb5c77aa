//! The list questions drivers ask most, as every instance counts them: a question is one window
//! of loads the exchange is asked for (its cache key), with the filter and first load to ask it
//! again by. Kept in the database, so an instance that starts after a restart or a deploy warms
//! the most asked first, whether or not the cache itself survived.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Alias, Expr, ExprTrait, OnConflict},
};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "hot_questions")]
    pub struct Model {
        /// The question as the cache keys it.
        #[sea_orm(primary_key, auto_increment = false)]
        pub question: String,
        /// The driver's filter that asked it, as JSON.
        pub filter: String,
        /// The window's first load.
        pub start: i32,
        pub asks: i64,
        pub asked_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{Column, Entity};

/// A question and how often it was asked since an instance last said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub question: String,
    pub filter: String,
    pub start: u32,
    pub asks: u64,
}

/// Adds an instance's counts to everyone's, noting when each question was asked last.
pub async fn add(
    db: &DatabaseConnection,
    asked: Vec<Asked>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if asked.is_empty() {
        return Ok(());
    }
    let rows = asked.into_iter().map(|asked| entity::ActiveModel {
        question: Set(asked.question),
        filter: Set(asked.filter),
        start: Set(i32::try_from(asked.start).unwrap_or(i32::MAX)),
        asks: Set(i64::try_from(asked.asks).unwrap_or(i64::MAX)),
        asked_at: Set(now),
    });
    let excluded = |column: Column| Expr::col((Alias::new("excluded"), column));
    Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(Column::Question)
                .value(
                    Column::Asks,
                    Expr::col((Entity, Column::Asks)).add(excluded(Column::Asks)),
                )
                .value(Column::AskedAt, excluded(Column::AskedAt))
                .value(Column::Filter, excluded(Column::Filter))
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The questions asked since `since`, the most asked first.
pub async fn most_asked(
    db: &DatabaseConnection,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<entity::Model>, DbErr> {
    Entity::find()
        .filter(Column::AskedAt.gte(since))
        .order_by_desc(Column::Asks)
        .limit(limit)
        .all(db)
        .await
}

/// Forgets the questions nobody asked since `before`.
pub async fn forget_before(db: &DatabaseConnection, before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::AskedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

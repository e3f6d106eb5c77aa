//! Loads a driver has hidden from their list.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "hidden_cargos")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub driver_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub cargo_id: i64,
        pub hidden_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Hides a load; hiding it twice is the same as once.
pub async fn hide(db: &DatabaseConnection, driver_id: i64, cargo_id: u64) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        driver_id: Set(driver_id),
        cargo_id: Set(cargo_id as i64),
        hidden_at: Set(Utc::now()),
    };
    entity::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([entity::Column::DriverId, entity::Column::CargoId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map(drop)
}

pub async fn unhide(db: &DatabaseConnection, driver_id: i64, cargo_id: u64) -> Result<(), DbErr> {
    entity::Entity::delete_many()
        .filter(entity::Column::DriverId.eq(driver_id))
        .filter(entity::Column::CargoId.eq(cargo_id as i64))
        .exec(db)
        .await
        .map(drop)
}

/// Which of these loads the driver has hidden.
pub async fn among(
    db: &DatabaseConnection,
    driver_id: i64,
    cargo_ids: impl IntoIterator<Item = u64>,
) -> Result<HashSet<u64>, DbErr> {
    let ids: Vec<i64> = cargo_ids.into_iter().map(|id| id as i64).collect();
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(entity::Entity::find()
        .filter(entity::Column::DriverId.eq(driver_id))
        .filter(entity::Column::CargoId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.cargo_id as u64)
        .collect())
}

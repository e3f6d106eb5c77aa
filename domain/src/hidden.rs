//! Loads a driver has hidden from their list.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::OnConflict,
};

pub use app::profile::HiddenLoad;

use crate::{DriverId, cargo_key};

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
pub async fn hide(
    db: &DatabaseConnection,
    driver_id: DriverId,
    cargo_id: u64,
) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        driver_id: Set(driver_id.into()),
        cargo_id: Set(cargo_key(cargo_id)?),
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

pub async fn unhide(
    db: &DatabaseConnection,
    driver_id: DriverId,
    cargo_id: u64,
) -> Result<(), DbErr> {
    entity::Entity::delete_many()
        .filter(entity::Column::DriverId.eq(driver_id))
        .filter(entity::Column::CargoId.eq(cargo_key(cargo_id)?))
        .exec(db)
        .await
        .map(drop)
}

/// The loads the driver hid, the latest first (at most `limit`).
pub async fn list(
    db: &DatabaseConnection,
    driver_id: DriverId,
    limit: u64,
) -> Result<Vec<HiddenLoad>, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::DriverId.eq(driver_id))
        .order_by_desc(entity::Column::HiddenAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(HiddenLoad {
                cargo_id: u64::try_from(row.cargo_id).ok()?,
                hidden_at: row.hidden_at.to_rfc3339(),
            })
        })
        .collect())
}

//! A driver's share of the CargoTech budget, cut by an admin: at most `per_minute` upstream calls
//! a minute, whatever the fair share would give them (0: cached answers only). Without a row the
//! fair share alone decides.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, sea_query::OnConflict};

use crate::DriverId;

pub mod entity {
    use sea_orm::entity::prelude::*;

    use crate::DriverId;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "upstream_share_caps")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub driver_id: DriverId,
        pub per_minute: i32,
        /// The admin who cut it, as the audit log names them.
        pub set_by: String,
        pub set_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The most upstream calls a minute an admin allows this driver, if they cut it.
pub async fn cap(db: &DatabaseConnection, driver_id: DriverId) -> Result<Option<u32>, DbErr> {
    Ok(entity::Entity::find_by_id(driver_id)
        .one(db)
        .await?
        .map(|row| u32::try_from(row.per_minute).unwrap_or(0)))
}

/// Cuts the driver's share to `per_minute` (replacing an earlier cut), or lifts the cut (`None`).
pub async fn set_cap(
    db: &DatabaseConnection,
    driver_id: DriverId,
    per_minute: Option<u32>,
    set_by: &str,
) -> Result<(), DbErr> {
    let Some(per_minute) = per_minute else {
        entity::Entity::delete_by_id(driver_id).exec(db).await?;
        return Ok(());
    };
    let row = entity::ActiveModel {
        driver_id: Set(driver_id),
        per_minute: Set(i32::try_from(per_minute).unwrap_or(i32::MAX)),
        set_by: Set(set_by.to_owned()),
        set_at: Set(Utc::now()),
    };
    entity::Entity::insert(row)
        .on_conflict(
            OnConflict::column(entity::Column::DriverId)
                .update_columns([
                    entity::Column::PerMinute,
                    entity::Column::SetBy,
                    entity::Column::SetAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map(drop)
}

//! The plans drivers can buy. They are data: admins edit them, the paywall lists the active ones.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::subscription::Plan;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plans")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub days: i32,
        pub price_kopecks: i64,
        pub stars_price: Option<i32>,
        pub active: bool,
        pub position: i32,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn to_plan(row: entity::Model) -> Plan {
    Plan {
        id: row.id,
        days: row.days.max(0) as u32,
        price_kopecks: row.price_kopecks.max(0) as u64,
        stars: row.stars_price.and_then(|stars| u32::try_from(stars).ok()),
    }
}

/// The plans on sale, in the order the paywall shows them.
pub async fn on_sale(db: &impl ConnectionTrait) -> Result<Vec<Plan>, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Active.eq(true))
        .order_by_asc(entity::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(to_plan)
        .collect())
}

/// A plan on sale by id.
pub async fn on_sale_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Plan>, DbErr> {
    Ok(entity::Entity::find_by_id(id)
        .filter(entity::Column::Active.eq(true))
        .one(db)
        .await?
        .map(to_plan))
}

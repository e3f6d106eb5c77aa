//! The plans drivers can buy. They are data: admins edit them, the paywall lists the active ones.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use app::subscription::Plan;

use crate::PlanId;

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
pub async fn on_sale_by_id(db: &impl ConnectionTrait, id: PlanId) -> Result<Option<Plan>, DbErr> {
    Ok(entity::Entity::find_by_id(id)
        .filter(entity::Column::Active.eq(true))
        .one(db)
        .await?
        .map(to_plan))
}

/// Every plan, on sale or not, in the paywall's order (for the admin dashboard).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<entity::Model>, DbErr> {
    entity::Entity::find()
        .order_by_asc(entity::Column::Position)
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await
}

pub async fn row(db: &impl ConnectionTrait, id: PlanId) -> Result<Option<entity::Model>, DbErr> {
    entity::Entity::find_by_id(id).one(db).await
}

/// What an admin sets on a plan.
pub struct PlanTerms {
    pub days: i32,
    pub price_kopecks: i64,
    pub stars_price: Option<i32>,
    pub active: bool,
    /// After the last plan when `None` (creating) or unchanged (editing).
    pub position: Option<i32>,
}

pub async fn create(db: &impl ConnectionTrait, terms: PlanTerms) -> Result<entity::Model, DbErr> {
    use sea_orm::{ActiveValue::Set, QuerySelect};
    let position = match terms.position {
        Some(position) => position,
        None => {
            let last: Option<Option<i32>> = entity::Entity::find()
                .select_only()
                .column_as(entity::Column::Position.max(), "position")
                .into_tuple()
                .one(db)
                .await?;
            last.flatten().map_or(1, |last| last.saturating_add(1))
        }
    };
    entity::Entity::insert(entity::ActiveModel {
        days: Set(terms.days),
        price_kopecks: Set(terms.price_kopecks),
        stars_price: Set(terms.stars_price),
        active: Set(terms.active),
        position: Set(position),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await
}

/// Changes a plan; `None` when there is no such plan.
pub async fn update(
    db: &impl ConnectionTrait,
    id: PlanId,
    terms: PlanTerms,
) -> Result<Option<entity::Model>, DbErr> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    let Some(current) = row(db, id).await? else {
        return Ok(None);
    };
    let mut changed = current.into_active_model();
    changed.days = Set(terms.days);
    changed.price_kopecks = Set(terms.price_kopecks);
    changed.stars_price = Set(terms.stars_price);
    changed.active = Set(terms.active);
    if let Some(position) = terms.position {
        changed.position = Set(position);
    }
    changed.update(db).await.map(Some)
}

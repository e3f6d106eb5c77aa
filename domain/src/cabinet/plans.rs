//! The pass plans: so many hours of the cabinet for a price in roubles (and in Stars, where the
//! plan is sold for them). Data, like the subscription plans: admins price and switch them.

use app::cabinet::PassPlan;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cabinet_pass_plans")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub hours: i32,
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

pub fn to_plan(row: &entity::Model) -> PassPlan {
    PassPlan {
        id: row.id,
        hours: row.hours.max(0) as u32,
        price_kopecks: row.price_kopecks.max(0) as u64,
        stars: row.stars_price.and_then(|stars| u32::try_from(stars).ok()),
    }
}

/// The plans on sale, in the order the Mini App shows them.
pub async fn on_sale(db: &impl ConnectionTrait) -> Result<Vec<PassPlan>, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Active.eq(true))
        .order_by_asc(entity::Column::Position)
        .all(db)
        .await?
        .iter()
        .map(to_plan)
        .collect())
}

pub async fn on_sale_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<PassPlan>, DbErr> {
    Ok(entity::Entity::find_by_id(id)
        .filter(entity::Column::Active.eq(true))
        .one(db)
        .await?
        .as_ref()
        .map(to_plan))
}

/// Every plan, on sale or not (the dashboard).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<entity::Model>, DbErr> {
    entity::Entity::find()
        .order_by_asc(entity::Column::Position)
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await
}

/// What an admin sets on a pass plan.
pub struct PlanTerms {
    pub hours: i32,
    pub price_kopecks: i64,
    pub stars_price: Option<i32>,
    pub active: bool,
}

pub async fn create(db: &impl ConnectionTrait, terms: PlanTerms) -> Result<entity::Model, DbErr> {
    let last: Option<Option<i32>> = entity::Entity::find()
        .select_only()
        .column_as(entity::Column::Position.max(), "position")
        .into_tuple()
        .one(db)
        .await?;
    entity::Entity::insert(entity::ActiveModel {
        hours: Set(terms.hours),
        price_kopecks: Set(terms.price_kopecks),
        stars_price: Set(terms.stars_price),
        active: Set(terms.active),
        position: Set(last.flatten().map_or(1, |last| last.saturating_add(1))),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await
}

/// Changes a plan; `None` when there is no such plan. A pass bought before keeps its hours.
pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    terms: PlanTerms,
) -> Result<Option<entity::Model>, DbErr> {
    let Some(current) = entity::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let mut changed = current.into_active_model();
    changed.hours = Set(terms.hours);
    changed.price_kopecks = Set(terms.price_kopecks);
    changed.stars_price = Set(terms.stars_price);
    changed.active = Set(terms.active);
    changed.update(db).await.map(Some)
}

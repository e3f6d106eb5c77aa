//! The plans drivers can buy: so long for a price in roubles (and in Stars, where a plan is sold
//! for them). They are data: admins price them and put them on and off sale, drivers are offered
//! the ones on sale. Two tables hold them, alike but for what their length counts: the
//! subscription's days of loads (`plans`, here) and the cabinet pass's hours
//! (`cabinet_pass_plans`, in `cabinet::plans`). What reads and writes them is written once, over
//! [`PlanTable`].

use std::str::FromStr;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    ModelTrait, QueryFilter, QueryOrder, QuerySelect, Value,
};

use app::subscription::Plan;

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

/// The subscription's plans: days of loads.
pub type Subscriptions = entity::Entity;

/// A table of plans: `id`, its length, `price_kopecks`, `stars_price`, `active`, `position` and
/// `created_at`.
pub trait PlanTable:
    EntityTrait<
        ActiveModel: ActiveModelTrait<Entity = Self> + Send,
        Model: IntoActiveModel<<Self as EntityTrait>::ActiveModel>,
    >
{
    /// The column of a plan's length (`days`, `hours`).
    const LENGTH: &'static str;
    /// A plan on sale as drivers are offered it.
    type Plan;
    fn offered(row: PlanRow) -> Self::Plan;
}

impl PlanTable for Subscriptions {
    const LENGTH: &'static str = "days";
    type Plan = Plan;

    fn offered(row: PlanRow) -> Plan {
        Plan {
            id: row.id,
            days: row.length,
            price_kopecks: row.price_kopecks,
            stars: row.stars_price,
        }
    }
}

/// A plan as kept, on sale or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    pub id: i64,
    /// Days or hours, as the table counts.
    pub length: u32,
    pub price_kopecks: u64,
    pub stars_price: Option<u32>,
    pub active: bool,
    pub position: i32,
}

/// What an admin sets on a plan.
pub struct PlanTerms {
    /// Days or hours, as the table counts.
    pub length: i32,
    pub price_kopecks: i64,
    pub stars_price: Option<i32>,
    pub active: bool,
    /// After the last plan when `None` (creating) or unchanged (editing).
    pub position: Option<i32>,
}

fn column<T: PlanTable>(name: &str) -> T::Column {
    T::Column::from_str(name).unwrap_or_else(|_| panic!("a plan table without the column {name}"))
}

fn read<T: PlanTable>(model: &T::Model) -> PlanRow {
    let number = |name: &str| match model.get(column::<T>(name)) {
        Value::BigInt(Some(n)) => Some(n),
        Value::Int(Some(n)) => Some(n.into()),
        _ => None,
    };
    let clamped = |name: &str| u32::try_from(number(name).unwrap_or(0).max(0)).unwrap_or(u32::MAX);
    PlanRow {
        id: number("id").unwrap_or(0),
        length: clamped(T::LENGTH),
        price_kopecks: number("price_kopecks").unwrap_or(0).max(0) as u64,
        stars_price: number("stars_price").and_then(|stars| u32::try_from(stars).ok()),
        active: matches!(model.get(column::<T>("active")), Value::Bool(Some(true))),
        position: number("position").map_or(0, |position| position as i32),
    }
}

/// The plans on sale, in the order drivers are offered them.
pub async fn on_sale<T: PlanTable>(db: &impl ConnectionTrait) -> Result<Vec<T::Plan>, DbErr> {
    Ok(T::find()
        .filter(column::<T>("active").eq(true))
        .order_by_asc(column::<T>("position"))
        .all(db)
        .await?
        .iter()
        .map(|model| T::offered(read::<T>(model)))
        .collect())
}

/// A plan on sale by id.
pub async fn on_sale_by_id<T: PlanTable>(
    db: &impl ConnectionTrait,
    id: impl Into<i64>,
) -> Result<Option<T::Plan>, DbErr> {
    Ok(T::find()
        .filter(column::<T>("id").eq(id.into()))
        .filter(column::<T>("active").eq(true))
        .one(db)
        .await?
        .map(|model| T::offered(read::<T>(&model))))
}

/// Every plan, on sale or not, in the order drivers are offered them (the dashboard).
pub async fn all<T: PlanTable>(db: &impl ConnectionTrait) -> Result<Vec<PlanRow>, DbErr> {
    Ok(T::find()
        .order_by_asc(column::<T>("position"))
        .order_by_asc(column::<T>("id"))
        .all(db)
        .await?
        .iter()
        .map(read::<T>)
        .collect())
}

async fn model<T: PlanTable>(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<T::Model>, DbErr> {
    T::find().filter(column::<T>("id").eq(id)).one(db).await
}

/// A plan by id, on sale or not.
pub async fn row<T: PlanTable>(
    db: &impl ConnectionTrait,
    id: impl Into<i64>,
) -> Result<Option<PlanRow>, DbErr> {
    Ok(model::<T>(db, id.into()).await?.as_ref().map(read::<T>))
}

/// The terms written into a plan's row; the position only when set.
fn write<T: PlanTable>(row: &mut T::ActiveModel, terms: PlanTerms) {
    row.set(column::<T>(T::LENGTH), terms.length.into());
    row.set(column::<T>("price_kopecks"), terms.price_kopecks.into());
    row.set(column::<T>("stars_price"), terms.stars_price.into());
    row.set(column::<T>("active"), terms.active.into());
    if let Some(position) = terms.position {
        row.set(column::<T>("position"), position.into());
    }
}

pub async fn create<T: PlanTable>(
    db: &impl ConnectionTrait,
    terms: PlanTerms,
) -> Result<PlanRow, DbErr> {
    let position = match terms.position {
        Some(position) => position,
        None => {
            let last: Option<Option<i32>> = T::find()
                .select_only()
                .column_as(column::<T>("position").max(), "position")
                .into_tuple()
                .one(db)
                .await?;
            last.flatten().map_or(1, |last| last.saturating_add(1))
        }
    };
    let mut row = <T::ActiveModel as ActiveModelTrait>::default();
    write::<T>(
        &mut row,
        PlanTerms {
            position: Some(position),
            ..terms
        },
    );
    row.set(column::<T>("created_at"), chrono::Utc::now().into());
    let created = T::insert(row).exec_with_returning(db).await?;
    Ok(read::<T>(&created))
}

/// Changes a plan; `None` when there is no such plan. What was bought before keeps its terms.
pub async fn update<T: PlanTable>(
    db: &impl ConnectionTrait,
    id: impl Into<i64>,
    terms: PlanTerms,
) -> Result<Option<PlanRow>, DbErr> {
    let Some(current) = model::<T>(db, id.into()).await? else {
        return Ok(None);
    };
    let mut changed = current.into_active_model();
    write::<T>(&mut changed, terms);
    Ok(Some(read::<T>(&changed.update(db).await?)))
}

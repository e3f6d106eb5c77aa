//! The pass plans: so many hours of the cabinet for a price in roubles (and in Stars, where the
//! plan is sold for them). Data, like the subscription plans, and read and written by the same
//! code (`crate::plans`): admins price and switch them.

use app::cabinet::PassPlan;

use crate::plans::{PlanRow, PlanTable};

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

/// The cabinet's pass plans: hours of the exchange's web cabinet.
pub type Passes = entity::Entity;

impl PlanTable for Passes {
    const LENGTH: &'static str = "hours";
    type Plan = PassPlan;

    fn offered(row: PlanRow) -> PassPlan {
        PassPlan {
            id: row.id,
            hours: row.length,
            price_kopecks: row.price_kopecks,
            stars: row.stars_price,
        }
    }
}

//! Autopay: a driver's consent to renew by itself with the card YooKassa saved on a payment they
//! made with autopay asked for. One row per driver: `on` (the renewal job charges the card a
//! little before access ends), `off` (switched off; the card stays, so switching on again is one
//! tap), or `failed` (the bank declined a renewal; the card is forgotten, and only a new payment
//! with autopay asked for brings it back).
//!
//! A renewal is one payment per period, the period being the end date it extends: the payment's
//! idempotence key is made of the driver and that end date ([`renewal_key`]), unique among
//! payments and sent to YooKassa as its `Idempotence-Key`, so a renewal tried twice (two
//! instances, a retry after a crash) charges once.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, OnConflict},
};

use crate::{DriverId, PlanId, access};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "autopay")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub driver_id: i64,
        /// `on`, `off` or `failed`.
        pub state: String,
        /// YooKassa's saved payment method; `None` once a renewal failed.
        pub payment_method_id: Option<String>,
        /// How YooKassa names the card (`Bank card *4444`).
        pub card_title: Option<String>,
        /// The plan each renewal buys.
        pub plan_id: i64,
        /// Why the last renewal failed (YooKassa's cancellation reason).
        pub failure: Option<String>,
        pub failed_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub type Autopay = entity::Model;

pub const ON: &str = "on";
pub const OFF: &str = "off";
pub const FAILED: &str = "failed";

/// Renewal payments' idempotence keys begin so.
const RENEWAL_PREFIX: &str = "autopay-";

/// The idempotence key of the renewal that extends access ending at `ends_at`: the same for
/// every try of that renewal, different for the next one.
pub fn renewal_key(driver_id: DriverId, ends_at: DateTime<Utc>) -> String {
    format!("{RENEWAL_PREFIX}{driver_id}-{}", ends_at.timestamp())
}

/// Whether a payment (by its idempotence key) is a renewal rather than a purchase.
pub fn is_renewal(idempotence_key: &str) -> bool {
    idempotence_key.starts_with(RENEWAL_PREFIX)
}

pub async fn get(db: &impl ConnectionTrait, driver_id: DriverId) -> Result<Option<Autopay>, DbErr> {
    entity::Entity::find_by_id(i64::from(driver_id))
        .one(db)
        .await
}

/// A card saved on a payment made with autopay asked for: autopay is on, renewing `plan_id`.
pub async fn card_saved(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    plan_id: PlanId,
    payment_method_id: &str,
    card_title: Option<&str>,
) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        driver_id: Set(driver_id.into()),
        state: Set(ON.to_owned()),
        payment_method_id: Set(Some(payment_method_id.to_owned())),
        card_title: Set(card_title.map(str::to_owned)),
        plan_id: Set(plan_id.into()),
        failure: Set(None),
        failed_at: Set(None),
        updated_at: Set(Utc::now()),
    };
    entity::Entity::insert(row)
        .on_conflict(
            OnConflict::column(entity::Column::DriverId)
                .update_columns([
                    entity::Column::State,
                    entity::Column::PaymentMethodId,
                    entity::Column::CardTitle,
                    entity::Column::PlanId,
                    entity::Column::Failure,
                    entity::Column::FailedAt,
                    entity::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map(drop)
}

/// Switches autopay on (only with a saved card) or off; `false` when there was nothing to switch
/// on with.
pub async fn switch(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    on: bool,
) -> Result<bool, DbErr> {
    let mut update = entity::Entity::update_many()
        .col_expr(
            entity::Column::State,
            Expr::value(if on { ON } else { OFF }),
        )
        .col_expr(entity::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(entity::Column::DriverId.eq(i64::from(driver_id)));
    if on {
        update = update.filter(entity::Column::PaymentMethodId.is_not_null());
    } else {
        // A failed renewal stays failed: its kind message is what the driver should see.
        update = update.filter(entity::Column::State.eq(ON));
    }
    let switched = update.exec(db).await?.rows_affected == 1;
    Ok(switched || !on)
}

/// The bank declined a renewal: autopay stops and forgets the card.
pub async fn failed(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    reason: &str,
) -> Result<(), DbErr> {
    let now = Utc::now();
    entity::Entity::update_many()
        .col_expr(entity::Column::State, Expr::value(FAILED))
        .col_expr(entity::Column::PaymentMethodId, Expr::value(None::<String>))
        .col_expr(entity::Column::Failure, Expr::value(reason))
        .col_expr(entity::Column::FailedAt, Expr::value(now))
        .col_expr(entity::Column::UpdatedAt, Expr::value(now))
        .filter(entity::Column::DriverId.eq(i64::from(driver_id)))
        .exec(db)
        .await
        .map(drop)
}

/// Drivers with autopay on whose access ends by `until`, with that end date, soonest first.
pub async fn ending_by(
    db: &impl ConnectionTrait,
    until: DateTime<Utc>,
) -> Result<Vec<(Autopay, DateTime<Utc>)>, DbErr> {
    let on: Vec<Autopay> = entity::Entity::find()
        .filter(entity::Column::State.eq(ON))
        .filter(entity::Column::PaymentMethodId.is_not_null())
        .all(db)
        .await?;
    if on.is_empty() {
        return Ok(Vec::new());
    }
    let mut ending: Vec<(Autopay, DateTime<Utc>)> = Vec::new();
    for batch in on.chunks(500) {
        let ids = batch.iter().map(|row| row.driver_id);
        let ends: Vec<(i64, DateTime<Utc>)> = access::subscription::Entity::find()
            .select_only()
            .column(access::subscription::Column::DriverId)
            .column(access::subscription::Column::EndsAt)
            .filter(access::subscription::Column::DriverId.is_in(ids))
            .filter(access::subscription::Column::EndsAt.lte(until))
            .into_tuple()
            .all(db)
            .await?;
        for (driver_id, ends_at) in ends {
            if let Some(row) = batch.iter().find(|row| row.driver_id == driver_id) {
                ending.push((row.clone(), ends_at));
            }
        }
    }
    ending.sort_by_key(|(_, ends_at)| *ends_at);
    Ok(ending)
}

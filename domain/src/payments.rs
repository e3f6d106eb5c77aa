//! Payments as Hauler records them, and each payment's history: every notification with its raw
//! body, every status change, every suspicious event. A payment leaves `pending` once, by a
//! conditional update, so two instances settling it at the same moment settle it once.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use app::subscription::PaymentStatus;

use crate::{DriverId, PaymentId, PlanId, PromoId};

pub mod entity {
    use sea_orm::entity::prelude::*;

    use crate::{DriverId, PaymentId, PlanId, PromoId};

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "payments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: PaymentId,
        pub driver_id: DriverId,
        pub plan_id: PlanId,
        pub provider: String,
        #[sea_orm(unique)]
        pub provider_payment_id: Option<String>,
        #[sea_orm(unique)]
        pub idempotence_key: String,
        /// In the currency's smallest unit: kopecks for RUB, stars for XTR.
        pub amount: i64,
        pub currency: String,
        pub days: i32,
        pub status: String,
        pub promo_code_id: Option<PromoId>,
        pub confirmation_url: Option<String>,
        /// Refunded so far, in the same unit.
        pub refunded: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod events {
    use sea_orm::entity::prelude::*;

    use crate::PaymentId;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "payment_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub payment_id: Option<PaymentId>,
        pub kind: String,
        /// The raw notification body, or what happened.
        pub detail: String,
        pub remote_addr: Option<String>,
        pub suspicious: bool,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub type Payment = entity::Model;

pub const YOOKASSA: &str = "yookassa";
/// Nothing was owed (a promo code covered the price): no provider took part.
pub const FREE: &str = "free";
pub const STARS: &str = "stars";

pub const RUB: &str = "RUB";
/// Telegram Stars.
pub const XTR: &str = "XTR";

pub struct NewPayment {
    pub driver_id: DriverId,
    pub plan_id: PlanId,
    pub provider: &'static str,
    /// In the currency's smallest unit: kopecks for RUB, stars for XTR.
    pub amount: u64,
    pub currency: &'static str,
    pub days: u32,
    pub promo_code_id: Option<PromoId>,
}

pub async fn create(db: &DatabaseConnection, new: NewPayment) -> Result<Payment, DbErr> {
    let key_bytes: [u8; 16] = rand::random();
    let key: String = key_bytes.iter().map(|b| format!("{b:02x}")).collect();
    entity::Entity::insert(row(new, key))
        .exec_with_returning(db)
        .await
}

/// The payment under `idempotence_key`, made now if there is none yet: a renewal tried twice (by
/// two instances, or again after a crash) finds the first try's payment instead of making another.
pub async fn create_once(
    db: &DatabaseConnection,
    new: NewPayment,
    idempotence_key: &str,
) -> Result<Payment, DbErr> {
    entity::Entity::insert(row(new, idempotence_key.to_owned()))
        .on_conflict(
            OnConflict::column(entity::Column::IdempotenceKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    by_idempotence_key(db, idempotence_key)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the payment just ensured".into()))
}

fn row(new: NewPayment, idempotence_key: String) -> entity::ActiveModel {
    let now = Utc::now();
    entity::ActiveModel {
        driver_id: Set(new.driver_id),
        plan_id: Set(new.plan_id),
        provider: Set(new.provider.to_owned()),
        provider_payment_id: Set(None),
        idempotence_key: Set(idempotence_key),
        amount: Set(i64::try_from(new.amount).unwrap_or(i64::MAX)),
        currency: Set(new.currency.to_owned()),
        days: Set(i32::try_from(new.days).unwrap_or(i32::MAX)),
        status: Set(PaymentStatus::Pending.as_str().to_owned()),
        promo_code_id: Set(new.promo_code_id),
        confirmation_url: Set(None),
        refunded: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// The provider's id and the page where the driver pays.
pub async fn attach_provider(
    db: &DatabaseConnection,
    id: PaymentId,
    provider_payment_id: &str,
    confirmation_url: Option<&str>,
) -> Result<(), DbErr> {
    entity::Entity::update_many()
        .col_expr(
            entity::Column::ProviderPaymentId,
            Expr::value(provider_payment_id),
        )
        .col_expr(
            entity::Column::ConfirmationUrl,
            Expr::value(confirmation_url.map(str::to_owned)),
        )
        .col_expr(entity::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(entity::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// The page (YooKassa) or invoice (Stars) where the driver pays.
pub async fn set_confirmation_url(
    db: &DatabaseConnection,
    id: PaymentId,
    url: &str,
) -> Result<(), DbErr> {
    entity::Entity::update_many()
        .col_expr(entity::Column::ConfirmationUrl, Expr::value(url))
        .filter(entity::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// Attaches Telegram's charge id to a Stars payment that has none yet; `true` for the one call
/// that did. The id is unique among payments, so one charge never pays for two.
pub async fn attach_charge(
    db: &DatabaseConnection,
    id: PaymentId,
    charge_id: &str,
) -> Result<bool, DbErr> {
    let attached = entity::Entity::update_many()
        .col_expr(entity::Column::ProviderPaymentId, Expr::value(charge_id))
        .col_expr(entity::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(entity::Column::Id.eq(id))
        .filter(entity::Column::ProviderPaymentId.is_null())
        .exec(db)
        .await?
        .rows_affected;
    Ok(attached == 1)
}

/// The promo code whose use this payment took.
pub async fn set_promo(
    db: &DatabaseConnection,
    id: PaymentId,
    promo_code_id: PromoId,
) -> Result<(), DbErr> {
    entity::Entity::update_many()
        .col_expr(entity::Column::PromoCodeId, Expr::value(promo_code_id))
        .filter(entity::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

pub async fn by_id(db: &impl ConnectionTrait, id: PaymentId) -> Result<Option<Payment>, DbErr> {
    entity::Entity::find_by_id(id).one(db).await
}

pub async fn by_idempotence_key(
    db: &impl ConnectionTrait,
    idempotence_key: &str,
) -> Result<Option<Payment>, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::IdempotenceKey.eq(idempotence_key))
        .one(db)
        .await
}

pub async fn by_provider_id(
    db: &impl ConnectionTrait,
    provider_payment_id: &str,
) -> Result<Option<Payment>, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::ProviderPaymentId.eq(provider_payment_id))
        .one(db)
        .await
}

/// Moves a pending payment to `status`; `true` only for the one call that moved it.
pub async fn settle(
    db: &impl ConnectionTrait,
    id: PaymentId,
    status: PaymentStatus,
) -> Result<bool, DbErr> {
    let moved = entity::Entity::update_many()
        .col_expr(entity::Column::Status, Expr::value(status.as_str()))
        .col_expr(entity::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(entity::Column::Id.eq(id))
        .filter(entity::Column::Status.eq(PaymentStatus::Pending.as_str()))
        .exec(db)
        .await?
        .rows_affected;
    Ok(moved == 1)
}

/// Adds to what has been refunded; `false` if that would exceed the amount paid.
pub async fn add_refund(
    db: &DatabaseConnection,
    id: PaymentId,
    amount: u64,
) -> Result<bool, DbErr> {
    let amount = i64::try_from(amount).unwrap_or(i64::MAX);
    let moved = entity::Entity::update_many()
        .col_expr(
            entity::Column::Refunded,
            Expr::col(entity::Column::Refunded).add(amount),
        )
        .col_expr(entity::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(entity::Column::Id.eq(id))
        .filter(
            Expr::col(entity::Column::Refunded)
                .add(amount)
                .lte(Expr::col(entity::Column::Amount)),
        )
        .exec(db)
        .await?
        .rows_affected;
    Ok(moved == 1)
}

pub struct Event<'a> {
    pub payment_id: Option<PaymentId>,
    /// `notification.payment.succeeded`, `status.succeeded`, `refund.created`…
    pub kind: &'a str,
    pub detail: &'a str,
    pub remote_addr: Option<&'a str>,
    pub suspicious: bool,
}

pub async fn record_event(db: &impl ConnectionTrait, event: Event<'_>) -> Result<(), DbErr> {
    if event.suspicious {
        tracing::warn!(
            payment_id = event.payment_id.map(i64::from),
            kind = event.kind,
            remote_addr = event.remote_addr,
            "suspicious payment event"
        );
    }
    events::Entity::insert(events::ActiveModel {
        payment_id: Set(event.payment_id),
        kind: Set(event.kind.chars().take(40).collect()),
        detail: Set(event.detail.to_owned()),
        remote_addr: Set(event.remote_addr.map(str::to_owned)),
        suspicious: Set(event.suspicious),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .map(drop)
}

/// Payment events since `since` that an operator must look at: suspicious ones, and payments a
/// provider would not take.
pub async fn problems_since(
    db: &impl ConnectionTrait,
    since: chrono::DateTime<Utc>,
) -> Result<u64, DbErr> {
    use sea_orm::{Condition, PaginatorTrait};
    events::Entity::find()
        .filter(events::Column::CreatedAt.gt(since))
        .filter(
            Condition::any()
                .add(events::Column::Suspicious.eq(true))
                .add(events::Column::Kind.is_in(["create_failed", "invoice_failed"])),
        )
        .count(db)
        .await
}

/// A payment's history, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    payment_id: PaymentId,
) -> Result<Vec<events::Model>, DbErr> {
    events::Entity::find()
        .filter(events::Column::PaymentId.eq(payment_id))
        .order_by_asc(events::Column::Id)
        .all(db)
        .await
}

/// How many payments each provider has in each state, and how many of each provider's are still
/// pending after `stuck_before`: `(provider, status, count)` and `(provider, count)`.
pub async fn tally(
    db: &DatabaseConnection,
    stuck_before: chrono::DateTime<Utc>,
) -> Result<(Vec<(String, String, i64)>, Vec<(String, i64)>), DbErr> {
    use sea_orm::QuerySelect;
    let by_state = entity::Entity::find()
        .select_only()
        .column(entity::Column::Provider)
        .column(entity::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "count")
        .group_by(entity::Column::Provider)
        .group_by(entity::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let stuck = entity::Entity::find()
        .select_only()
        .column(entity::Column::Provider)
        .column_as(Expr::cust("COUNT(*)"), "count")
        .filter(entity::Column::Status.eq(PaymentStatus::Pending.as_str()))
        .filter(entity::Column::CreatedAt.lt(stuck_before))
        .group_by(entity::Column::Provider)
        .into_tuple()
        .all(db)
        .await?;
    Ok((by_state, stuck))
}

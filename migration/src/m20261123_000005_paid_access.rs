//! Paid access: plans, each driver's access and the grants that make it up, payments with their
//! history, and promo codes with their uses. Unique keys carry the exactly-once promises: a
//! grant's source, a payment's provider id, a promo code's use by a driver.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let driver_fk = |table: DynIden, name: &str| {
            ForeignKey::create()
                .name(name)
                .from(table, Alias::new("driver_id"))
                .to(Driver::Table, Driver::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .to_owned()
        };

        manager
            .create_table(
                Table::create()
                    .table(Plan::Table)
                    .col(big_pk_auto(Plan::Id))
                    .col(integer(Plan::Days))
                    .col(big_integer(Plan::PriceKopecks))
                    .col(integer_null(Plan::StarsPrice))
                    .col(boolean(Plan::Active))
                    .col(integer(Plan::Position))
                    .col(timestamp_with_time_zone(Plan::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (position, (days, rubles, stars)) in [
            (1, 199, 100),
            (7, 690, 350),
            (30, 1990, 1000),
            (90, 4990, 2500),
        ]
        .into_iter()
        .enumerate()
        {
            manager
                .exec_stmt(
                    Query::insert()
                        .into_table(Plan::Table)
                        .columns([
                            Plan::Days,
                            Plan::PriceKopecks,
                            Plan::StarsPrice,
                            Plan::Active,
                            Plan::Position,
                            Plan::CreatedAt,
                        ])
                        .values_panic([
                            days.into(),
                            (rubles * 100_i64).into(),
                            stars.into(),
                            true.into(),
                            (position as i32).into(),
                            Expr::current_timestamp(),
                        ])
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Subscription::Table)
                    .col(big_integer(Subscription::DriverId).primary_key())
                    .col(timestamp_with_time_zone(Subscription::EndsAt))
                    .col(timestamp_with_time_zone(Subscription::UpdatedAt))
                    .foreign_key(&mut driver_fk(
                        Subscription::Table.into_iden(),
                        "fk_subscriptions_driver",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccessGrant::Table)
                    .col(big_pk_auto(AccessGrant::Id))
                    .col(big_integer(AccessGrant::DriverId))
                    .col(string_len(AccessGrant::Source, 20))
                    .col(string_len_uniq(AccessGrant::SourceRef, 120))
                    .col(integer(AccessGrant::Days))
                    .col(timestamp_with_time_zone(AccessGrant::EndsBefore))
                    .col(timestamp_with_time_zone(AccessGrant::EndsAfter))
                    .col(string(AccessGrant::GrantedBy))
                    .col(timestamp_with_time_zone(AccessGrant::CreatedAt))
                    .foreign_key(&mut driver_fk(
                        AccessGrant::Table.into_iden(),
                        "fk_access_grants_driver",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_access_grants_driver")
                    .table(AccessGrant::Table)
                    .col(AccessGrant::DriverId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PromoCode::Table)
                    .col(big_pk_auto(PromoCode::Id))
                    .col(string_len_uniq(PromoCode::Code, 32))
                    .col(string_len(PromoCode::Kind, 20))
                    .col(big_integer(PromoCode::Value))
                    .col(timestamp_with_time_zone_null(PromoCode::ValidFrom))
                    .col(timestamp_with_time_zone_null(PromoCode::ValidUntil))
                    .col(integer_null(PromoCode::MaxUses))
                    .col(integer(PromoCode::UsedCount))
                    .col(boolean(PromoCode::Active))
                    .col(string_len_null(PromoCode::Campaign, 60))
                    .col(string(PromoCode::CreatedBy))
                    .col(timestamp_with_time_zone(PromoCode::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Payment::Table)
                    .col(big_pk_auto(Payment::Id))
                    .col(big_integer(Payment::DriverId))
                    .col(big_integer(Payment::PlanId))
                    .col(string_len(Payment::Provider, 20))
                    .col(string_len_null(Payment::ProviderPaymentId, 100).unique_key())
                    .col(string_len_uniq(Payment::IdempotenceKey, 64))
                    .col(big_integer(Payment::Amount))
                    .col(string_len(Payment::Currency, 3))
                    .col(integer(Payment::Days))
                    .col(string_len(Payment::Status, 20))
                    .col(big_integer_null(Payment::PromoCodeId))
                    .col(text_null(Payment::ConfirmationUrl))
                    .col(big_integer(Payment::Refunded))
                    .col(timestamp_with_time_zone(Payment::CreatedAt))
                    .col(timestamp_with_time_zone(Payment::UpdatedAt))
                    .foreign_key(&mut driver_fk(
                        Payment::Table.into_iden(),
                        "fk_payments_driver",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payments_driver")
                    .table(Payment::Table)
                    .col(Payment::DriverId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PaymentEvent::Table)
                    .col(big_pk_auto(PaymentEvent::Id))
                    .col(big_integer_null(PaymentEvent::PaymentId))
                    .col(string_len(PaymentEvent::Kind, 40))
                    .col(text(PaymentEvent::Detail))
                    .col(string_len_null(PaymentEvent::RemoteAddr, 64))
                    .col(boolean(PaymentEvent::Suspicious))
                    .col(timestamp_with_time_zone(PaymentEvent::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payment_events_payment")
                    .table(PaymentEvent::Table)
                    .col(PaymentEvent::PaymentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PromoUse::Table)
                    .col(big_pk_auto(PromoUse::Id))
                    .col(big_integer(PromoUse::PromoCodeId))
                    .col(big_integer(PromoUse::DriverId))
                    .col(big_integer_null(PromoUse::PaymentId))
                    .col(timestamp_with_time_zone(PromoUse::CreatedAt))
                    .foreign_key(&mut driver_fk(
                        PromoUse::Table.into_iden(),
                        "fk_promo_uses_driver",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_promo_uses_once_per_driver")
                    .table(PromoUse::Table)
                    .col(PromoUse::PromoCodeId)
                    .col(PromoUse::DriverId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PromoUse::Table.into_iden(),
            PaymentEvent::Table.into_iden(),
            Payment::Table.into_iden(),
            PromoCode::Table.into_iden(),
            AccessGrant::Table.into_iden(),
            Subscription::Table.into_iden(),
            Plan::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Driver {
    #[sea_orm(iden = "drivers")]
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Plan {
    #[sea_orm(iden = "plans")]
    Table,
    Id,
    Days,
    PriceKopecks,
    StarsPrice,
    Active,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Subscription {
    #[sea_orm(iden = "subscriptions")]
    Table,
    DriverId,
    EndsAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AccessGrant {
    #[sea_orm(iden = "access_grants")]
    Table,
    Id,
    DriverId,
    Source,
    SourceRef,
    Days,
    EndsBefore,
    EndsAfter,
    GrantedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PromoCode {
    #[sea_orm(iden = "promo_codes")]
    Table,
    Id,
    Code,
    Kind,
    Value,
    ValidFrom,
    ValidUntil,
    MaxUses,
    UsedCount,
    Active,
    Campaign,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Payment {
    #[sea_orm(iden = "payments")]
    Table,
    Id,
    DriverId,
    PlanId,
    Provider,
    ProviderPaymentId,
    IdempotenceKey,
    Amount,
    Currency,
    Days,
    Status,
    PromoCodeId,
    ConfirmationUrl,
    Refunded,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PaymentEvent {
    #[sea_orm(iden = "payment_events")]
    Table,
    Id,
    PaymentId,
    Kind,
    Detail,
    RemoteAddr,
    Suspicious,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PromoUse {
    #[sea_orm(iden = "promo_uses")]
    Table,
    Id,
    PromoCodeId,
    DriverId,
    PaymentId,
    CreatedAt,
}

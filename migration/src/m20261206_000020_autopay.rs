//! Autopay: a driver's consent to renew by itself with a card YooKassa saved on a first payment.
//! One row per driver who ever asked for it: whether it is on, off or stopped by a failed charge,
//! the saved method's id and how the card reads, the plan it renews, and the last failure.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Autopay::Table)
                    .col(big_integer(Autopay::DriverId).primary_key())
                    .col(text(Autopay::State))
                    .col(text_null(Autopay::PaymentMethodId))
                    .col(text_null(Autopay::CardTitle))
                    .col(big_integer(Autopay::PlanId))
                    .col(text_null(Autopay::Failure))
                    .col(timestamp_with_time_zone_null(Autopay::FailedAt))
                    .col(timestamp_with_time_zone(Autopay::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_autopay_driver")
                            .from(Autopay::Table, Autopay::DriverId)
                            .to(Driver::Table, Driver::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_autopay_state")
                    .table(Autopay::Table)
                    .col(Autopay::State)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Autopay::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Driver {
    #[sea_orm(iden = "drivers")]
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Autopay {
    #[sea_orm(iden = "autopay")]
    Table,
    DriverId,
    State,
    PaymentMethodId,
    CardTitle,
    PlanId,
    Failure,
    FailedAt,
    UpdatedAt,
}

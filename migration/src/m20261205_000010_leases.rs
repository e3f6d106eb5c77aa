//! Leadership and liveness kept in the database, the durable store every instance shares: a
//! lease per background job (who holds it, until when on the database's clock, and a fencing
//! generation that grows each time it changes hands), and a heartbeat per running instance, from
//! which each counts the live ones (the exchange's budget is split between them while Redis,
//! the shared counter, cannot be reached).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Lease::Table)
                    .col(text(Lease::Key).primary_key())
                    .col(text(Lease::Holder))
                    .col(timestamp_with_time_zone(Lease::ExpiresAt))
                    .col(big_integer(Lease::Generation))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Instance::Table)
                    .col(text(Instance::Id).primary_key())
                    .col(timestamp_with_time_zone(Instance::StartedAt))
                    .col(timestamp_with_time_zone(Instance::SeenAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Instance::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Lease::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Lease {
    #[sea_orm(iden = "leases")]
    Table,
    Key,
    Holder,
    ExpiresAt,
    Generation,
}

#[derive(DeriveIden)]
enum Instance {
    #[sea_orm(iden = "instance_heartbeats")]
    Table,
    Id,
    StartedAt,
    SeenAt,
}

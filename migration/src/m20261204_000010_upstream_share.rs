//! A driver's share of the CargoTech budget cut by an admin: at most this many upstream calls a
//! minute, below whatever the fair share would give them. No row, no cut.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UpstreamShare::Table)
                    .col(big_integer(UpstreamShare::DriverId).primary_key())
                    .col(integer(UpstreamShare::PerMinute))
                    .col(text(UpstreamShare::SetBy))
                    .col(timestamp_with_time_zone(UpstreamShare::SetAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UpstreamShare::Table, UpstreamShare::DriverId)
                            .to(Driver::Table, Driver::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UpstreamShare::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum UpstreamShare {
    #[sea_orm(iden = "upstream_share_caps")]
    Table,
    DriverId,
    PerMinute,
    SetBy,
    SetAt,
}

#[derive(DeriveIden)]
enum Driver {
    #[sea_orm(iden = "drivers")]
    Table,
    Id,
}

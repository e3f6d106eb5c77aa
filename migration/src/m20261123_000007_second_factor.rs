//! The optional second factor for admins: a TOTP secret (sealed), pending until confirmed with a
//! first code, and the last time step used so a code works once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SecondFactor::Table)
                    .col(big_integer(SecondFactor::AdminId).primary_key())
                    .col(text(SecondFactor::Secret))
                    .col(timestamp_with_time_zone_null(SecondFactor::ConfirmedAt))
                    .col(big_integer_null(SecondFactor::LastStep))
                    .col(timestamp_with_time_zone(SecondFactor::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SecondFactor::Table, SecondFactor::AdminId)
                            .to(Admin::Table, Admin::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SecondFactor::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SecondFactor {
    #[sea_orm(iden = "admin_second_factors")]
    Table,
    AdminId,
    Secret,
    ConfirmedAt,
    LastStep,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Admin {
    #[sea_orm(iden = "admins")]
    Table,
    Id,
}

//! The people who run Hauler: admin accounts with Argon2id password hashes and a role.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Admin::Table)
                    .col(big_pk_auto(Admin::Id))
                    .col(string_len_uniq(Admin::Email, 254))
                    .col(text(Admin::PasswordHash))
                    .col(string_len(Admin::Role, 20))
                    .col(string(Admin::CreatedBy))
                    .col(timestamp_with_time_zone(Admin::CreatedAt))
                    .col(timestamp_with_time_zone_null(Admin::DisabledAt))
                    .col(timestamp_with_time_zone_null(Admin::LastLoginAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Admin::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Admin {
    #[sea_orm(iden = "admins")]
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    CreatedBy,
    CreatedAt,
    DisabledAt,
    LastLoginAt,
}

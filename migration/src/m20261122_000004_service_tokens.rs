//! Tokens for machine clients (a separate bot process, monitoring): only their SHA-256 hashes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceToken::Table)
                    .col(big_pk_auto(ServiceToken::Id))
                    .col(string_len(ServiceToken::Name, 60))
                    .col(string_len_uniq(ServiceToken::TokenHash, 64))
                    .col(timestamp_with_time_zone(ServiceToken::CreatedAt))
                    .col(string(ServiceToken::CreatedBy))
                    .col(timestamp_with_time_zone_null(ServiceToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ServiceToken::RevokedAt))
                    .col(timestamp_with_time_zone_null(ServiceToken::LastUsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceToken::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ServiceToken {
    #[sea_orm(iden = "service_tokens")]
    Table,
    Id,
    Name,
    TokenHash,
    CreatedAt,
    CreatedBy,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

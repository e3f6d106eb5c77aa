//! The first domain tables: drivers known by their Telegram id, settings, and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Driver::Table)
                    .col(big_pk_auto(Driver::Id))
                    .col(big_integer_uniq(Driver::TelegramId))
                    .col(string(Driver::FirstName))
                    .col(string_null(Driver::LastName))
                    .col(string_null(Driver::Username))
                    .col(string_len_null(Driver::LanguageCode, 16))
                    .col(text_null(Driver::PhotoUrl))
                    .col(timestamp_with_time_zone(Driver::CreatedAt))
                    .col(timestamp_with_time_zone(Driver::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Driver::BannedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Setting::Table)
                    .col(string(Setting::Key).primary_key())
                    .col(text(Setting::Value))
                    .col(boolean(Setting::Sealed))
                    .col(timestamp_with_time_zone(Setting::UpdatedAt))
                    .col(string_null(Setting::UpdatedBy))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::OccurredAt))
                    .col(string(AuditLog::Actor))
                    .col(string(AuditLog::Action))
                    .col(string_null(AuditLog::Object))
                    .col(text_null(AuditLog::Details))
                    .col(string_null(AuditLog::ClientAddr))
                    .to_owned(),
            )
            .await?;

        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_occurred_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::OccurredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            Setting::Table.into_iden(),
            Driver::Table.into_iden(),
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
    TelegramId,
    FirstName,
    LastName,
    Username,
    LanguageCode,
    PhotoUrl,
    CreatedAt,
    UpdatedAt,
    BannedAt,
}

#[derive(DeriveIden)]
enum Setting {
    #[sea_orm(iden = "settings")]
    Table,
    Key,
    Value,
    Sealed,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OccurredAt,
    Actor,
    Action,
    Object,
    Details,
    ClientAddr,
}

//! The bot's reach: drivers who blocked the bot (never messaged until they come back), their time
//! zone for quiet hours, and when a saved filter began asking for alerts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Driver::Table)
                    .add_column(timestamp_with_time_zone_null(Driver::BotBlockedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Driver::Table)
                    .add_column(integer(Driver::UtcOffsetMinutes).default(180))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SavedFilter::Table)
                    .add_column(timestamp_with_time_zone_null(SavedFilter::NotifySince))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SavedFilter::Table)
                    .drop_column(SavedFilter::NotifySince)
                    .to_owned(),
            )
            .await?;
        for column in [Driver::UtcOffsetMinutes, Driver::BotBlockedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Driver::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Driver {
    #[sea_orm(iden = "drivers")]
    Table,
    BotBlockedAt,
    UtcOffsetMinutes,
}

#[derive(DeriveIden)]
enum SavedFilter {
    #[sea_orm(iden = "saved_filters")]
    Table,
    NotifySince,
}

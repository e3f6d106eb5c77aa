//! The bot's reach: drivers who blocked the bot (never messaged until they come back), and their
//! time zone for quiet hours.

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
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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

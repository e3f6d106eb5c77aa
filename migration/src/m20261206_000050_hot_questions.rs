//! The questions drivers ask most (a list window: its filter and first load), counted by every
//! instance and kept in the database, so an instance that starts (a restart, a deploy) knows what
//! to warm first even when the cache did not survive.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HotQuestion::Table)
                    .col(text(HotQuestion::Question).primary_key())
                    .col(text(HotQuestion::Filter))
                    .col(integer(HotQuestion::Start))
                    .col(big_integer(HotQuestion::Asks))
                    .col(timestamp_with_time_zone(HotQuestion::AskedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(HotQuestion::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum HotQuestion {
    #[sea_orm(iden = "hot_questions")]
    Table,
    Question,
    Filter,
    Start,
    Asks,
    AskedAt,
}

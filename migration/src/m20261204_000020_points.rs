//! The exchange's points dictionary held locally, so that city search never calls the exchange:
//! every point (`id` is the exchange's own), and one row per completed refresh, the newest of
//! which is the dictionary's version every instance compares against its own copy.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Points::Table)
                    .col(big_integer(Points::Id).primary_key())
                    .col(string(Points::Name))
                    .col(small_integer(Points::PointType))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PointRefreshes::Table)
                    .col(big_pk_auto(PointRefreshes::Id))
                    .col(timestamp_with_time_zone(PointRefreshes::RefreshedAt))
                    .col(big_integer(PointRefreshes::Points))
                    .col(string(PointRefreshes::RefreshedBy))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PointRefreshes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Points::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Points {
    #[sea_orm(iden = "points")]
    Table,
    Id,
    Name,
    PointType,
}

#[derive(DeriveIden)]
enum PointRefreshes {
    #[sea_orm(iden = "point_refreshes")]
    Table,
    Id,
    RefreshedAt,
    Points,
    RefreshedBy,
}

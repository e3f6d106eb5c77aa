//! Loads noted for shippers' pages go once they have not been seen for a while (the retention
//! job): an index on when each was last seen lets it find them without reading the whole table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_shipper_loads_last_seen";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(ShipperLoad::Table)
                    .col(ShipperLoad::LastSeenAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(ShipperLoad::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ShipperLoad {
    #[sea_orm(iden = "shipper_loads")]
    Table,
    LastSeenAt,
}

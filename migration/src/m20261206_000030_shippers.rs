//! Shippers a driver can trust: every load the exchange's lists and cards showed (its route, price
//! and shipper once a card named it, and how often it was re-priced or re-posted), and what
//! drivers reported after responding to a load, held for moderation before it counts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ShipperLoad::Table)
                    .col(big_integer(ShipperLoad::CargoId).primary_key())
                    .col(text_null(ShipperLoad::ShipperInn))
                    .col(text_null(ShipperLoad::ShipperName))
                    .col(text_null(ShipperLoad::FromCity))
                    .col(text_null(ShipperLoad::ToCity))
                    .col(text_null(ShipperLoad::Signature))
                    .col(integer_null(ShipperLoad::DistanceKm))
                    .col(big_integer_null(ShipperLoad::PriceKopecks))
                    .col(timestamp_with_time_zone(ShipperLoad::FirstSeenAt))
                    .col(timestamp_with_time_zone(ShipperLoad::LastSeenAt))
                    .col(integer(ShipperLoad::PriceChanges).default(0))
                    .col(integer(ShipperLoad::Reposts).default(0))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_shipper_loads_inn", vec![ShipperLoad::ShipperInn]),
            ("idx_shipper_loads_signature", vec![ShipperLoad::Signature]),
            (
                "idx_shipper_loads_route",
                vec![ShipperLoad::FromCity, ShipperLoad::ToCity],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(ShipperLoad::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ShipperReport::Table)
                    .col(
                        big_integer(ShipperReport::Id)
                            .primary_key()
                            .auto_increment(),
                    )
                    .col(big_integer(ShipperReport::DriverId))
                    .col(big_integer(ShipperReport::CargoId))
                    .col(text(ShipperReport::ShipperInn))
                    .col(text_null(ShipperReport::ShipperName))
                    .col(text_null(ShipperReport::Route))
                    .col(text_null(ShipperReport::Outcome))
                    .col(text(ShipperReport::State))
                    .col(timestamp_with_time_zone(ShipperReport::AskAt))
                    .col(timestamp_with_time_zone_null(ShipperReport::AnsweredAt))
                    .col(timestamp_with_time_zone_null(ShipperReport::ModeratedAt))
                    .col(text_null(ShipperReport::ModeratedBy))
                    .col(timestamp_with_time_zone(ShipperReport::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_shipper_reports_driver")
                            .from(ShipperReport::Table, ShipperReport::DriverId)
                            .to(Driver::Table, Driver::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_shipper_reports_driver_cargo")
                    .table(ShipperReport::Table)
                    .col(ShipperReport::DriverId)
                    .col(ShipperReport::CargoId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_shipper_reports_inn_state")
                    .table(ShipperReport::Table)
                    .col(ShipperReport::ShipperInn)
                    .col(ShipperReport::State)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ShipperReport::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ShipperLoad::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Driver {
    #[sea_orm(iden = "drivers")]
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ShipperLoad {
    #[sea_orm(iden = "shipper_loads")]
    Table,
    CargoId,
    ShipperInn,
    ShipperName,
    FromCity,
    ToCity,
    Signature,
    DistanceKm,
    PriceKopecks,
    FirstSeenAt,
    LastSeenAt,
    PriceChanges,
    Reposts,
}

#[derive(DeriveIden)]
enum ShipperReport {
    #[sea_orm(iden = "shipper_reports")]
    Table,
    Id,
    DriverId,
    CargoId,
    ShipperInn,
    ShipperName,
    Route,
    Outcome,
    State,
    AskAt,
    AnsweredAt,
    ModeratedAt,
    ModeratedBy,
    CreatedAt,
}

//! What a driver sets in the Mini App's profile (language, home city, truck, alerts and quiet
//! hours), and saved filters that can be paused. The time zone quiet hours are read in stays
//! where it was, on `drivers.utc_offset_minutes`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DriverProfile::Table)
                    .col(big_integer(DriverProfile::DriverId).primary_key())
                    .col(text_null(DriverProfile::Language))
                    .col(big_integer_null(DriverProfile::HomeCityId))
                    .col(text_null(DriverProfile::HomeCityName))
                    .col(big_integer_null(DriverProfile::TruckTypeId))
                    .col(text_null(DriverProfile::Capacity))
                    .col(boolean(DriverProfile::Notifications))
                    .col(integer_null(DriverProfile::QuietFromMinute))
                    .col(integer_null(DriverProfile::QuietUntilMinute))
                    .col(timestamp_with_time_zone(DriverProfile::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_driver_profiles_driver")
                            .from(DriverProfile::Table, DriverProfile::DriverId)
                            .to(Driver::Table, Driver::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SavedFilter::Table)
                    .add_column(boolean(SavedFilter::Paused).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SavedFilter::Table)
                    .drop_column(SavedFilter::Paused)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(DriverProfile::Table).to_owned())
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
enum SavedFilter {
    #[sea_orm(iden = "saved_filters")]
    Table,
    Paused,
}

#[derive(DeriveIden)]
enum DriverProfile {
    #[sea_orm(iden = "driver_profiles")]
    Table,
    DriverId,
    Language,
    HomeCityId,
    HomeCityName,
    TruckTypeId,
    Capacity,
    Notifications,
    QuietFromMinute,
    QuietUntilMinute,
    UpdatedAt,
}

//! What a driver keeps: the last filter and named saved filters, loads hidden from the list, and
//! responses to loads; plus the outbox every bot message passes through.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let driver_fk = |table: DynIden, name: &str| {
            ForeignKey::create()
                .name(name)
                .from(table, Alias::new("driver_id"))
                .to(Driver::Table, Driver::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .to_owned()
        };

        manager
            .create_table(
                Table::create()
                    .table(LastFilter::Table)
                    .col(big_integer(LastFilter::DriverId).primary_key())
                    .col(text(LastFilter::Filter))
                    .col(timestamp_with_time_zone(LastFilter::UpdatedAt))
                    .foreign_key(&mut driver_fk(
                        LastFilter::Table.into_iden(),
                        "fk_last_filters_driver",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SavedFilter::Table)
                    .col(big_pk_auto(SavedFilter::Id))
                    .col(big_integer(SavedFilter::DriverId))
                    .col(string_len(SavedFilter::Name, 60))
                    .col(text(SavedFilter::Filter))
                    .col(boolean(SavedFilter::Notify))
                    .col(timestamp_with_time_zone(SavedFilter::CreatedAt))
                    .col(timestamp_with_time_zone(SavedFilter::UpdatedAt))
                    .foreign_key(&mut driver_fk(
                        SavedFilter::Table.into_iden(),
                        "fk_saved_filters_driver",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_saved_filters_driver_name")
                    .table(SavedFilter::Table)
                    .col(SavedFilter::DriverId)
                    .col(SavedFilter::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HiddenCargo::Table)
                    .col(big_integer(HiddenCargo::DriverId))
                    .col(big_integer(HiddenCargo::CargoId))
                    .col(timestamp_with_time_zone(HiddenCargo::HiddenAt))
                    .primary_key(
                        Index::create()
                            .col(HiddenCargo::DriverId)
                            .col(HiddenCargo::CargoId),
                    )
                    .foreign_key(&mut driver_fk(
                        HiddenCargo::Table.into_iden(),
                        "fk_hidden_cargos_driver",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CargoResponse::Table)
                    .col(big_pk_auto(CargoResponse::Id))
                    .col(big_integer(CargoResponse::DriverId))
                    .col(big_integer(CargoResponse::CargoId))
                    .col(string_len(CargoResponse::Status, 16))
                    .col(text(CargoResponse::Card))
                    .col(timestamp_with_time_zone(CargoResponse::CreatedAt))
                    .col(timestamp_with_time_zone(CargoResponse::UpdatedAt))
                    .foreign_key(&mut driver_fk(
                        CargoResponse::Table.into_iden(),
                        "fk_cargo_responses_driver",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cargo_responses_driver_cargo")
                    .table(CargoResponse::Table)
                    .col(CargoResponse::DriverId)
                    .col(CargoResponse::CargoId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(big_integer(Outbox::ChatId))
                    .col(string_len_uniq(Outbox::DedupeKey, 120))
                    .col(text(Outbox::Payload))
                    .col(string_len(Outbox::Status, 16))
                    .col(integer(Outbox::Attempts))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::ClaimedUntil))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            CargoResponse::Table.into_iden(),
            HiddenCargo::Table.into_iden(),
            SavedFilter::Table.into_iden(),
            LastFilter::Table.into_iden(),
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
}

#[derive(DeriveIden)]
enum LastFilter {
    #[sea_orm(iden = "last_filters")]
    Table,
    DriverId,
    Filter,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SavedFilter {
    #[sea_orm(iden = "saved_filters")]
    Table,
    Id,
    DriverId,
    Name,
    Filter,
    Notify,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HiddenCargo {
    #[sea_orm(iden = "hidden_cargos")]
    Table,
    DriverId,
    CargoId,
    HiddenAt,
}

#[derive(DeriveIden)]
enum CargoResponse {
    #[sea_orm(iden = "cargo_responses")]
    Table,
    Id,
    DriverId,
    CargoId,
    Status,
    Card,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    #[sea_orm(iden = "outbox_messages")]
    Table,
    Id,
    ChatId,
    DedupeKey,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    SentAt,
    LastError,
    CreatedAt,
}

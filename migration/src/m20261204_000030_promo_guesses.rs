//! Wrong promo codes, counted per driver: how many codes that do not exist each driver has tried,
//! the last one and when, so that admins see who is guessing.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PromoGuess::Table)
                    .col(big_integer(PromoGuess::DriverId).primary_key())
                    .col(big_integer(PromoGuess::Wrong))
                    .col(text(PromoGuess::LastCode))
                    .col(timestamp_with_time_zone(PromoGuess::LastAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_promo_guesses_driver")
                            .from(PromoGuess::Table, PromoGuess::DriverId)
                            .to(Driver::Table, Driver::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PromoGuess::Table).to_owned())
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
enum PromoGuess {
    #[sea_orm(iden = "promo_guesses")]
    Table,
    DriverId,
    Wrong,
    LastCode,
    LastAt,
}

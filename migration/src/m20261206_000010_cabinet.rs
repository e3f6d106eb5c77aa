//! The exchange's web cabinet through Hauler: the pass plans on sale (hours and prices, the
//! admin's data), the passes themselves (a token kept only as its SHA-256 hash, tied to a driver,
//! revocable), the cabinet sessions audited (pages, bytes), and the path policy that refuses
//! the shared account's dangerous pages.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Hours, roubles, stars: the plans a fresh install sells until an admin changes them.
const PLANS: [(i32, i64, i32); 5] = [
    (1, 99, 50),
    (12, 299, 150),
    (24, 449, 230),
    (168, 1490, 750),
    (720, 3990, 2000),
];

/// Paths refused by default (prefixes under the cabinet): the shared account's settings,
/// password and phone, logging it out, and its payment details.
const DENIED: [(&str, &str); 6] = [
    ("/settings", "настройки аккаунта"),
    ("/profile/password", "смена пароля"),
    ("/profile/phone", "смена телефона"),
    ("/logout", "выход из аккаунта"),
    ("/billing", "платёжные реквизиты"),
    ("/api/account", "изменение аккаунта"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PassPlan::Table)
                    .col(big_pk_auto(PassPlan::Id))
                    .col(integer(PassPlan::Hours))
                    .col(big_integer(PassPlan::PriceKopecks))
                    .col(integer_null(PassPlan::StarsPrice))
                    .col(boolean(PassPlan::Active))
                    .col(integer(PassPlan::Position))
                    .col(timestamp_with_time_zone(PassPlan::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (position, (hours, rubles, stars)) in PLANS.into_iter().enumerate() {
            manager
                .exec_stmt(
                    Query::insert()
                        .into_table(PassPlan::Table)
                        .columns([
                            PassPlan::Hours,
                            PassPlan::PriceKopecks,
                            PassPlan::StarsPrice,
                            PassPlan::Active,
                            PassPlan::Position,
                            PassPlan::CreatedAt,
                        ])
                        .values_panic([
                            hours.into(),
                            (rubles * 100).into(),
                            stars.into(),
                            true.into(),
                            (position as i32 + 1).into(),
                            Expr::current_timestamp(),
                        ])
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Pass::Table)
                    .col(big_pk_auto(Pass::Id))
                    .col(big_integer(Pass::DriverId))
                    .col(string_len_uniq(Pass::TokenHash, 64))
                    .col(integer(Pass::Hours))
                    .col(big_integer_null(Pass::PaymentId).unique_key())
                    .col(text(Pass::IssuedBy))
                    .col(timestamp_with_time_zone(Pass::CreatedAt))
                    .col(timestamp_with_time_zone_null(Pass::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Pass::RevokedAt))
                    .col(text_null(Pass::RevokedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cabinet_passes_driver")
                            .from(Pass::Table, Pass::DriverId)
                            .to(Driver::Table, Driver::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cabinet_passes_driver")
                    .table(Pass::Table)
                    .col(Pass::DriverId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(big_pk_auto(Session::Id))
                    .col(big_integer(Session::PassId))
                    .col(big_integer(Session::DriverId))
                    .col(string_len(Session::Via, 10))
                    .col(string_len_null(Session::ClientAddr, 64))
                    .col(timestamp_with_time_zone(Session::StartedAt))
                    .col(timestamp_with_time_zone(Session::LastSeenAt))
                    .col(big_integer(Session::Pages))
                    .col(big_integer(Session::Requests))
                    .col(big_integer(Session::BytesDown))
                    .col(big_integer(Session::BytesUp))
                    .col(big_integer(Session::Refused))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cabinet_sessions_pass")
                            .from(Session::Table, Session::PassId)
                            .to(Pass::Table, Pass::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cabinet_sessions_pass")
                    .table(Session::Table)
                    .col(Session::PassId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Rule::Table)
                    .col(big_pk_auto(Rule::Id))
                    .col(string_len_uniq(Rule::Prefix, 200))
                    .col(text(Rule::Reason))
                    .col(text(Rule::AddedBy))
                    .col(timestamp_with_time_zone(Rule::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (prefix, reason) in DENIED {
            manager
                .exec_stmt(
                    Query::insert()
                        .into_table(Rule::Table)
                        .columns([Rule::Prefix, Rule::Reason, Rule::AddedBy, Rule::CreatedAt])
                        .values_panic([
                            prefix.into(),
                            reason.into(),
                            "system".into(),
                            Expr::current_timestamp(),
                        ])
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Rule::Table.into_iden(),
            Session::Table.into_iden(),
            Pass::Table.into_iden(),
            PassPlan::Table.into_iden(),
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
enum PassPlan {
    #[sea_orm(iden = "cabinet_pass_plans")]
    Table,
    Id,
    Hours,
    PriceKopecks,
    StarsPrice,
    Active,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Pass {
    #[sea_orm(iden = "cabinet_passes")]
    Table,
    Id,
    DriverId,
    TokenHash,
    Hours,
    PaymentId,
    IssuedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    RevokedBy,
}

#[derive(DeriveIden)]
enum Session {
    #[sea_orm(iden = "cabinet_sessions")]
    Table,
    Id,
    PassId,
    DriverId,
    Via,
    ClientAddr,
    StartedAt,
    LastSeenAt,
    Pages,
    Requests,
    BytesDown,
    BytesUp,
    Refused,
}

#[derive(DeriveIden)]
enum Rule {
    #[sea_orm(iden = "cabinet_path_rules")]
    Table,
    Id,
    Prefix,
    Reason,
    AddedBy,
    CreatedAt,
}

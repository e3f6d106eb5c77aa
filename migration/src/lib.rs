//! Hauler's schema, one migration per change, portable between SQLite and PostgreSQL.
//!
//! Timestamps are `timestamp with time zone` columns written by the application in UTC, so both
//! databases hold the same instant without relying on a server-side clock or default.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_foundation;
mod m20261122_000002_driver_desk;
mod m20261122_000003_bot_reach;
mod m20261122_000004_service_tokens;
mod m20261123_000005_paid_access;
mod m20261123_000006_admins;
mod m20261123_000007_second_factor;
mod m20261204_000010_upstream_share;
mod m20261204_000020_points;
mod m20261204_000030_promo_guesses;
mod m20261205_000010_leases;
mod m20261205_000050_driver_profiles;
mod m20261206_000010_cabinet;
mod m20261206_000020_autopay;
mod m20261206_000030_shippers;
mod m20261206_000050_hot_questions;
mod m20261207_000010_shipper_loads_seen;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_driver_desk::Migration),
            Box::new(m20261122_000003_bot_reach::Migration),
            Box::new(m20261122_000004_service_tokens::Migration),
            Box::new(m20261123_000005_paid_access::Migration),
            Box::new(m20261123_000006_admins::Migration),
            Box::new(m20261123_000007_second_factor::Migration),
            Box::new(m20261204_000010_upstream_share::Migration),
            Box::new(m20261204_000020_points::Migration),
            Box::new(m20261204_000030_promo_guesses::Migration),
            Box::new(m20261205_000010_leases::Migration),
            Box::new(m20261205_000050_driver_profiles::Migration),
            Box::new(m20261206_000010_cabinet::Migration),
            Box::new(m20261206_000020_autopay::Migration),
            Box::new(m20261206_000030_shippers::Migration),
            Box::new(m20261206_000050_hot_questions::Migration),
            Box::new(m20261207_000010_shipper_loads_seen::Migration),
        ]
    }
}

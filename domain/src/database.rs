//! Connecting to SQLite or PostgreSQL (one codebase, chosen by the URL) and reading facts.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

/// Opens a pool. SQLite URLs should carry `?mode=rwc` so a missing file is created.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // One writer at a time is SQLite's nature; a small pool avoids lock contention.
        options.max_connections(4);
    }
    Database::connect(options).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "SQLite",
        DbBackend::Postgres => "PostgreSQL",
        _ => "other",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseFacts {
    pub backend: &'static str,
    pub migrations_applied: u32,
    pub drivers: u64,
}

pub async fn facts(db: &DatabaseConnection) -> Result<DatabaseFacts, DbErr> {
    Ok(DatabaseFacts {
        backend: backend_name(db),
        migrations_applied: count(db, "SELECT COUNT(*) FROM seaql_migrations").await? as u32,
        drivers: count(db, "SELECT COUNT(*) FROM drivers").await?,
    })
}

async fn count(db: &DatabaseConnection, sql: &str) -> Result<u64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("no row from {sql}")))?;
    let value: i64 = row.try_get_by_index(0)?;
    Ok(value.max(0) as u64)
}

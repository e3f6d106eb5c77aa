//! Connecting to SQLite or PostgreSQL (one codebase, chosen by the URL), migrating it, and
//! reading facts. Several instances may start at once on one database (a rolling deployment on
//! PostgreSQL, a second process on the same SQLite file), so migrating happens under a database
//! lock: one instance migrates while the others wait, then find nothing left to do.

use std::{sync::Arc, time::Duration};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, RuntimeErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    sqlx::{self, Connection},
};

/// The key of the PostgreSQL advisory lock every instance takes before migrating: any number, as
/// long as it never changes ("Hauler" and "migrate" in ASCII).
const MIGRATION_LOCK: i64 = 0x4861_756c_6572_4d67;

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

/// Applies pending migrations, one instance at a time.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => migrate_holding_the_lock(db).await,
        _ => migrate_in_one_write(db).await,
    }
}

/// PostgreSQL: an advisory lock is held meanwhile, taken on a connection of its own that is
/// closed afterwards, so ending that session releases the lock even when migrating failed.
async fn migrate_holding_the_lock(db: &DatabaseConnection) -> Result<(), DbErr> {
    let mut holder = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .map_err(lost)?
        // Never back into the pool: the lock must not outlive this function.
        .detach();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut holder)
        .await
        .map_err(lost)?;
    let migrated = Migrator::up(db, None).await;
    if let Err(error) = holder.close().await {
        // The server ends the session, and the lock with it, when the socket goes.
        tracing::warn!(%error, "the migration lock's connection did not close cleanly");
    }
    migrated
}

/// SQLite: the migrations run in one write transaction, which a second process sharing the file
/// waits for (up to the busy timeout) before it finds them applied.
async fn migrate_in_one_write(db: &DatabaseConnection) -> Result<(), DbErr> {
    let writing = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    Migrator::up(&writing, None).await?;
    writing.commit().await
}

fn lost(error: sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error)))
}

/// Whether an error means the database cannot be reached right now (a lost or unobtainable
/// connection), as opposed to a fault in the query: the first is worth a retry later.
pub fn is_outage(error: &DbErr) -> bool {
    matches!(error, DbErr::Conn(_) | DbErr::ConnectionAcquire(_))
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

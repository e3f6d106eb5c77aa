//! Connecting to SQLite or PostgreSQL (one codebase, chosen by the URL), migrating it, and
//! reading facts. Several instances may start at once on one database (a rolling deployment on
//! PostgreSQL, a second process on the same SQLite file), so migrating happens under a database
//! lock: one instance migrates while the others wait, then find nothing left to do.
//!
//! While PostgreSQL is down or restarting, a request that needs it is told so within a second
//! (the pool waits [`POSTGRES_ACQUIRE_TIMEOUT`] for a connection, not the five seconds a fresh
//! connection may take), and the pool opens new connections by itself once the server is back.
//! [`Outages`] remembers a recent outage, so paths with a fallback (the cached access check, a
//! driver's marks) go straight to it instead of waiting on the pool request after request.

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, RuntimeErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    sqlx::{self, Connection, sqlite::SqliteJournalMode},
};

/// The key of the PostgreSQL advisory lock every instance takes before migrating: any number, as
/// long as it never changes ("Hauler" and "migrate" in ASCII).
const MIGRATION_LOCK: i64 = 0x4861_756c_6572_4d67;

/// How long a request waits for a PostgreSQL connection: the pool keeps retrying a refused
/// connection until then, so this bounds how long a request hangs while the server is down.
/// A healthy pool hands one out in microseconds; waiting longer than this means the database
/// is down or drowning, and a prompt `503` serves the driver better than a hang either way.
pub const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(800);
/// SQLite is a file that cannot go away: its wait is only for a writer to finish.
const SQLITE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens a pool. SQLite URLs should carry `?mode=rwc` so a missing file is created.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_trusting(url, None).await
}

/// Opens a pool; PostgreSQL's certificate is checked against `ca_file` when one is given (a
/// managed database's own authority). Whether TLS is used and what is checked is the URL's
/// `sslmode`: `require` encrypts, `verify-ca` checks the authority, `verify-full` the host too.
pub async fn connect_trusting(
    url: &str,
    ca_file: Option<&Path>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    if let Some(ca_file) = ca_file {
        let ca_file = ca_file.to_owned();
        options.map_sqlx_postgres_opts(move |postgres| postgres.ssl_root_cert(&ca_file));
    }
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT)
        // A connection the server dropped (a restart) is found out before it is handed out.
        .test_before_acquire(true)
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // One writer at a time is SQLite's nature; a small pool avoids lock contention.
        options
            .max_connections(4)
            .acquire_timeout(SQLITE_ACQUIRE_TIMEOUT)
            // A file does not drop its connections: testing each one before handing it out would
            // only double the trips to SQLite's threads that every query makes.
            .test_before_acquire(false)
            // Write-ahead logging: readers never wait for the writer (in SQLite's default, a
            // commit locks every reader out while it writes and syncs the file twice). Each
            // commit is still synced before it returns (`synchronous` stays FULL).
            .map_sqlx_sqlite_opts(|sqlite| sqlite.journal_mode(SqliteJournalMode::Wal));
        return open_sqlite(options).await;
    }
    Database::connect(options).await
}

/// How often, and how far apart, a SQLite file found locked while it is opened is tried again:
/// five seconds in all, as long as a query waits for a writer.
const SQLITE_OPEN_TRIES: u32 = 50;
const SQLITE_OPEN_PAUSE: Duration = Duration::from_millis(100);

/// Opens a SQLite pool. Two processes opening one new file at once (two instances started
/// together): the first turns it to write-ahead logging, which needs the file to itself for a
/// moment, and the other's connection is refused then as "database is locked" without waiting
/// (the busy timeout does not cover the switch): one connection in a hundred, three processes
/// opening together, and one start in fifteen of two instances. It tries again.
async fn open_sqlite(options: ConnectOptions) -> Result<DatabaseConnection, DbErr> {
    let mut tries = 1;
    loop {
        match Database::connect(options.clone()).await {
            Err(error) if is_locked(&error) && tries < SQLITE_OPEN_TRIES => {
                tries += 1;
                tokio::time::sleep(SQLITE_OPEN_PAUSE).await;
            }
            opened => return opened,
        }
    }
}

/// SQLite's `SQLITE_BUSY` ("database is locked").
fn is_locked(error: &DbErr) -> bool {
    const SQLITE_BUSY: &str = "5";
    match error {
        DbErr::Conn(RuntimeErr::SqlxError(error)) => matches!(
            error.as_ref(),
            sqlx::Error::Database(error) if error.code().as_deref() == Some(SQLITE_BUSY)
        ),
        _ => false,
    }
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
/// connection, a server shutting down or starting up), as opposed to a fault in the query: the
/// first is worth a retry later.
pub fn is_outage(error: &DbErr) -> bool {
    match error {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error)) => {
            lost_connection(error)
        }
        _ => false,
    }
}

/// A query that failed because its connection went: the socket broke, the pool had none to give,
/// or PostgreSQL said it is shutting down or not accepting connections (SQLSTATE class 08,
/// `57P01`–`57P03`).
fn lost_connection(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => error
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

/// How long an outage seen by one request sends the others straight to their fallbacks before
/// one of them looks at the database again.
const RECHECK_AFTER: Duration = Duration::from_secs(1);

/// The instance's memory of the database being unreachable, shared by every request.
#[derive(Clone, Default)]
pub struct Outages(Arc<Mutex<Option<Instant>>>);

impl Outages {
    /// Whether to skip the database for now: `true` within a second of an outage being seen;
    /// after that, `false` for one caller (who finds out), `true` for the rest meanwhile.
    pub fn is_down(&self) -> bool {
        let mut seen = self.seen();
        match *seen {
            Some(at) if at.elapsed() < RECHECK_AFTER => true,
            Some(_) => {
                *seen = Some(Instant::now());
                false
            }
            None => false,
        }
    }

    /// Notes how a database call went: an outage starts the skipping, anything else ends it.
    pub fn note<T>(&self, outcome: &Result<T, DbErr>) {
        let mut seen = self.seen();
        match outcome {
            Err(error) if is_outage(error) => *seen = Some(Instant::now()),
            _ => *seen = None,
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The error a skipped database call answers with: the same as a pool that had no connection.
pub fn skipped() -> DbErr {
    DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_is_an_outage_and_a_bad_query_is_not() {
        let io = || sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(is_outage(&DbErr::Query(RuntimeErr::SqlxError(Arc::new(
            io()
        )))));
        assert!(is_outage(&DbErr::Exec(RuntimeErr::SqlxError(Arc::new(
            sqlx::Error::PoolTimedOut
        )))));
        assert!(is_outage(&skipped()));
        assert!(!is_outage(&DbErr::Query(RuntimeErr::SqlxError(Arc::new(
            sqlx::Error::RowNotFound
        )))));
        assert!(!is_outage(&DbErr::RecordNotFound("a driver".into())));
    }

    /// The embedded database keeps a write-ahead log, in which readers never wait for a writer.
    #[tokio::test]
    async fn a_sqlite_file_is_opened_with_a_write_ahead_log() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            folder.path().join("db.sqlite").display()
        );
        let db = connect(&url).await.unwrap();
        let mode = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA journal_mode",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<String>(0)
            .unwrap();
        assert_eq!(mode, "wal");
        assert!(folder.path().join("db.sqlite-wal").exists());
    }

    /// Three instances started at the same moment open one new SQLite file together, forty times
    /// over: every one opens it, one of them turning it to write-ahead logging meanwhile. (Taking
    /// the first refusal as the answer, one connection in a hundred failed here.)
    #[tokio::test]
    async fn instances_opening_one_new_sqlite_file_together_all_open_it() {
        let mut refused = Vec::new();
        for _ in 0..40 {
            let folder = tempfile::tempdir().unwrap();
            let url = format!(
                "sqlite://{}?mode=rwc",
                folder.path().join("db.sqlite").display()
            );
            let opened = tokio::join!(connect(&url), connect(&url), connect(&url));
            for outcome in [opened.0, opened.1, opened.2] {
                refused.extend(outcome.err().map(|error| error.to_string()));
            }
        }
        assert!(refused.is_empty(), "{} refused: {refused:?}", refused.len());
    }

    #[test]
    fn an_outage_sends_requests_to_their_fallbacks_and_one_a_second_looks_again() {
        let outages = Outages::default();
        assert!(!outages.is_down());
        outages.note::<()>(&Err(skipped()));
        assert!(outages.is_down(), "just seen: skip the database");
        *outages.seen() = Some(Instant::now() - RECHECK_AFTER);
        assert!(!outages.is_down(), "a second later, one request looks");
        assert!(
            outages.is_down(),
            "the others keep to their fallbacks meanwhile"
        );
        outages.note(&Ok(()));
        assert!(!outages.is_down(), "the database answered: back to it");
        outages.note::<()>(&Err(DbErr::RecordNotFound("no row".into())));
        assert!(!outages.is_down(), "a query's own fault is no outage");
    }
}

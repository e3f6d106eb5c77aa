//! The instances that share one database, known to each other by a heartbeat: each writes its row
//! every few seconds (on the database's clock) and counts the rows seen lately, its own included.
//! What depends on the count is what must not be multiplied by the number of instances while
//! Redis, the shared counter, cannot be reached: the exchange's budget is split between the live
//! ones. On SQLite (one instance by design) the fleet is this instance alone.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// How often an instance says it is alive.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(3);
/// An instance not heard from for three heartbeats (and a second) is gone.
const GONE_AFTER: Duration = Duration::from_secs(3 * 3 + 1);
/// A heartbeat slower than this is a failure: the last count stands.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// Writes this instance's heartbeat, forgets rows gone for an hour, and counts the others seen
/// lately (the statement's snapshot does not see its own write, hence the + 1).
const BEAT: &str = "WITH beat AS ( \
       INSERT INTO instance_heartbeats (id, started_at, seen_at) VALUES ($1, now(), now()) \
       ON CONFLICT (id) DO UPDATE SET seen_at = now() RETURNING id), \
     forgotten AS ( \
       DELETE FROM instance_heartbeats WHERE seen_at < now() - interval '1 hour' RETURNING id) \
     SELECT COUNT(*) + 1 FROM instance_heartbeats \
     WHERE id <> $1 AND seen_at > now() - make_interval(secs => $2)";

const LEAVE: &str = "DELETE FROM instance_heartbeats WHERE id = $1";

/// This instance among the others. Cheap to clone.
#[derive(Clone)]
pub struct Fleet {
    id: Arc<str>,
    db: Option<DatabaseConnection>,
    live: Arc<AtomicU32>,
}

impl Fleet {
    /// One instance on its own (SQLite, or a test).
    pub fn alone() -> Self {
        Self {
            id: new_id().into(),
            db: None,
            live: Arc::new(AtomicU32::new(1)),
        }
    }

    /// The instances that share this database, when it is one several may share (PostgreSQL);
    /// this one alone otherwise.
    pub fn on(db: &DatabaseConnection) -> Self {
        Self {
            db: (db.get_database_backend() == DbBackend::Postgres).then(|| db.clone()),
            ..Self::alone()
        }
    }

    /// This instance's name in the fleet (and in its leases' logs).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the count comes from heartbeats in a shared database.
    pub fn is_shared(&self) -> bool {
        self.db.is_some()
    }

    /// The live instances as last counted, this one included: at least 1.
    pub fn live(&self) -> u32 {
        self.live.load(Ordering::Relaxed).max(1)
    }

    /// Takes `live` as the count from now on.
    pub fn counted(&self, live: u32) {
        let before = self.live.swap(live.max(1), Ordering::Relaxed);
        if before != live.max(1) {
            tracing::info!(live, "instances alive on this database");
        }
    }

    /// Says this instance is alive and counts the live ones. A database that cannot be reached
    /// leaves the last count standing.
    pub async fn beat(&self) -> Result<u32, DbErr> {
        let Some(db) = &self.db else {
            return Ok(1);
        };
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            BEAT,
            [self.id().into(), GONE_AFTER.as_secs_f64().into()],
        );
        let row = tokio::time::timeout(ANSWER_WITHIN, db.query_one_raw(statement))
            .await
            .unwrap_or_else(|_| Err(DbErr::Custom("no heartbeat answer in time".into())))?
            .ok_or_else(|| DbErr::RecordNotFound("no count from the heartbeat".into()))?;
        let live = u32::try_from(row.try_get_by_index::<i64>(0)?).unwrap_or(u32::MAX);
        self.counted(live);
        Ok(live)
    }

    /// This instance stops: the others count it out at once.
    pub async fn leave(&self) {
        let Some(db) = &self.db else {
            return;
        };
        let statement =
            Statement::from_sql_and_values(DbBackend::Postgres, LEAVE, [self.id().into()]);
        match tokio::time::timeout(ANSWER_WITHIN, db.execute_raw(statement)).await {
            Ok(Ok(_)) => {}
            _ => tracing::warn!("the heartbeat row could not be removed; it goes stale by itself"),
        }
    }
}

fn new_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

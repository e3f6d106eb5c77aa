//! Leases kept in the database (PostgreSQL), the durable store every instance shares, so that
//! leadership outlives a Redis outage: a row per lease with its holder, its end on the database's
//! own clock (instances with skewed clocks agree) and a fencing generation that grows each time
//! the lease changes hands. Taking or renewing, and letting go, are one conditional statement
//! each, so two instances can never both hold a lease. A database that cannot be reached grants
//! nothing: nobody leads rather than everybody.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// A lease question slower than this is a failure: the job waits for its next turn.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// Inserts the lease, or takes it over when it lapsed, or renews it for its holder; a row comes
/// back only when `$2` holds it afterwards.
const HOLD: &str = "INSERT INTO leases (key, holder, expires_at, generation) \
     VALUES ($1, $2, now() + make_interval(secs => $3), 1) \
     ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at, \
     generation = leases.generation + CASE WHEN leases.holder = EXCLUDED.holder THEN 0 ELSE 1 END \
     WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= now() \
     RETURNING generation";

/// Ends the lease now if `$2` still holds it; the row stays, so the generation keeps growing.
const RELEASE: &str =
    "UPDATE leases SET holder = '', expires_at = now() WHERE key = $1 AND holder = $2";

#[derive(Clone)]
pub struct DatabaseLeases {
    db: DatabaseConnection,
}

impl DatabaseLeases {
    /// Leases in this database, when it is one several instances share (PostgreSQL).
    pub fn on(db: &DatabaseConnection) -> Option<Self> {
        (db.get_database_backend() == DbBackend::Postgres).then(|| Self { db: db.clone() })
    }

    /// Takes the lease if it is free or lapsed, renews it if `holder` has it: the lease's
    /// generation while `holder` holds it, `None` while another does.
    pub async fn hold(&self, key: &str, holder: &str, ttl: Duration) -> Result<Option<i64>, DbErr> {
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            HOLD,
            [key.into(), holder.into(), ttl.as_secs_f64().into()],
        );
        let row = answered(self.db.query_one_raw(statement)).await?;
        row.map(|row| row.try_get_by_index::<i64>(0)).transpose()
    }

    /// Lets the lease go if `holder` still has it.
    pub async fn release(&self, key: &str, holder: &str) -> Result<(), DbErr> {
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            RELEASE,
            [key.into(), holder.into()],
        );
        answered(self.db.execute_raw(statement)).await.map(drop)
    }
}

async fn answered<T>(query: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
    tokio::time::timeout(ANSWER_WITHIN, query)
        .await
        .unwrap_or_else(|_| Err(DbErr::Custom("the database did not answer in time".into())))
}

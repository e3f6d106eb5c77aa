//! Each driver's marks (all of them) as read from the database a moment ago on this instance.
//!
//! Drivers whose marks are not held are read together: while one read is at the database, the
//! drivers missing meanwhile gather behind it and are read next, in one query. Twenty thousand
//! drivers opening the app in the same seconds cost the database a few dozen queries instead of
//! one each, and their requests do not pile up in its pool, each holding its memory (measured
//! before: 17,000 requests waiting there, 150 MB of the server's peak at 20,000 drivers).
//!
//! While the database is away, a read fails after the pool's wait, and so does everyone who
//! waited on it: those gathered behind the reader, and the next gathering, which waited for the
//! read to finish. Each of them would otherwise have asked the database again in turn, one pool's
//! wait after the other (a driver's list took 2.4 s with PostgreSQL hung, not 0.8 s).

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr,
    sea_query::{Alias, Expr, ExprTrait, IntoTableRef, Query, SelectStatement, UnionType},
};
use tokio::sync::watch;

use super::{HIDDEN, Marks, REMEMBERED_AT_MOST, RESPONDED};
use crate::{DriverId, database, hidden, lapsing::Lapsing, responses};

/// How long a driver's marks read on this instance are used again.
const RECENT_FOR: Duration = Duration::from_secs(5);
/// From this many drivers held, a read first sweeps out the lapsed ones (see [`Lapsing`]).
const SWEEP_FROM: usize = 4_096;
/// The most drivers one query asks for (each is two of its parameters).
const DRIVERS_PER_QUERY: usize = 500;

/// What one read found: each driver's marks, `None` for a driver with more than are held.
type Found = Arc<HashMap<DriverId, Option<Arc<Marks>>>>;

/// What a gathering is told: what its read found, or that the database was away.
type Told = Option<Result<Found, Away>>;

#[derive(Debug, Clone, Copy)]
struct Away;

#[derive(Default)]
pub struct RecentMarks {
    by_driver: RwLock<Lapsing<DriverId, (Arc<Marks>, Instant), SWEEP_FROM>>,
    /// Changes made here so far: a read begun before one holds nothing of what it read (it may
    /// have read the marks from before the change).
    changes: AtomicU64,
    /// The drivers gathering for the next read.
    gathering: Mutex<Option<Gathering>>,
    /// One read at the database at a time; it holds when the last read found the database away.
    reading: tokio::sync::Mutex<Option<Instant>>,
}

/// Drivers waiting for the next read, and where its reader will say what it found. The reader
/// is the driver who came first; should it leave (its request dropped) or fail other than for an
/// outage, the channel closes and each of the others reads alone.
struct Gathering {
    drivers: Vec<DriverId>,
    found: watch::Receiver<Told>,
}

enum Joined {
    /// The first to come reads for the gathering begun then.
    Reads(watch::Sender<Told>, Instant),
    Waits(watch::Receiver<Told>),
}

impl RecentMarks {
    /// All of the driver's marks, read a moment ago or now; `None` for a driver with more than
    /// this instance holds (the caller then asks for a page's loads alone, with
    /// [`super::among`]).
    pub async fn of(
        &self,
        db: &DatabaseConnection,
        driver_id: DriverId,
    ) -> Result<Option<Arc<Marks>>, DbErr> {
        if let Some(marks) = self.recall(driver_id) {
            return Ok(Some(marks));
        }
        let found = match self.join(driver_id) {
            Joined::Reads(tell, since) => match self.read_gathered(db, since).await {
                Ok(found) => {
                    tell.send_replace(Some(Ok(Arc::clone(&found))));
                    found
                }
                Err(error) => {
                    if database::is_outage(&error) {
                        tell.send_replace(Some(Err(Away)));
                    }
                    return Err(error);
                }
            },
            Joined::Waits(mut told) => {
                let told = told
                    .wait_for(Option::is_some)
                    .await
                    .ok()
                    .and_then(|told| told.clone());
                match told {
                    Some(Ok(found)) => found,
                    Some(Err(Away)) => return Err(database::skipped()),
                    // The reader left, or its query failed.
                    None => self.read(db, vec![driver_id]).await?,
                }
            }
        };
        // Every driver gathered is in what the reader found (it took the gathering whole).
        Ok(found.get(&driver_id).cloned().flatten())
    }

    /// Forgets the driver's marks after a change made here.
    pub fn forget(&self, driver_id: DriverId) {
        let mut by_driver = self
            .by_driver
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        self.changes.fetch_add(1, Ordering::SeqCst);
        by_driver.remove(&driver_id);
    }

    /// The driver's marks if read here within the last few seconds, without the database.
    pub fn recall(&self, driver_id: DriverId) -> Option<Arc<Marks>> {
        let by_driver = self
            .by_driver
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let (marks, at) = by_driver.get(&driver_id)?;
        (at.elapsed() < RECENT_FOR).then(|| Arc::clone(marks))
    }

    /// Joins the drivers gathering for the next read, or starts a gathering and reads it.
    fn join(&self, driver_id: DriverId) -> Joined {
        let mut gathering = self
            .gathering
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(waiting) = gathering.as_mut()
            && waiting.found.has_changed().is_ok()
        {
            waiting.drivers.push(driver_id);
            return Joined::Waits(waiting.found.clone());
        }
        let (tell, found) = watch::channel(None);
        let since = Instant::now();
        *gathering = Some(Gathering {
            drivers: vec![driver_id],
            found,
        });
        Joined::Reads(tell, since)
    }

    /// Once the read before has finished, reads every driver gathered by then (`since` the
    /// first came); if that read found the database away meanwhile, fails at once.
    async fn read_gathered(&self, db: &DatabaseConnection, since: Instant) -> Result<Found, DbErr> {
        let mut turn = self.reading.lock().await;
        let drivers = self
            .gathering
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .map(|gathered| gathered.drivers)
            .unwrap_or_default();
        if turn.is_some_and(|away| away >= since) {
            return Err(database::skipped());
        }
        let read = self.read(db, drivers).await;
        *turn = match &read {
            Err(error) if database::is_outage(error) => Some(Instant::now()),
            _ => None,
        };
        read
    }

    /// Reads these drivers' marks and holds them.
    async fn read(&self, db: &DatabaseConnection, drivers: Vec<DriverId>) -> Result<Found, DbErr> {
        let began = self.changes.load(Ordering::SeqCst);
        let mut marks: HashMap<DriverId, Marks> = drivers
            .into_iter()
            .map(|driver| (driver, Marks::default()))
            .collect();
        let drivers: Vec<DriverId> = marks.keys().copied().collect();
        for some in drivers.chunks(DRIVERS_PER_QUERY) {
            for row in db.query_all(&marked_by(some)).await? {
                let driver: i64 = row.try_get_by_index(0)?;
                let cargo: i64 = row.try_get_by_index(1)?;
                let kind: i32 = row.try_get_by_index(2)?;
                let (Some(of_driver), Ok(cargo)) =
                    (marks.get_mut(&DriverId::from(driver)), u64::try_from(cargo))
                else {
                    continue;
                };
                if kind == HIDDEN {
                    of_driver.hidden.insert(cargo);
                } else {
                    of_driver.responded.insert(cargo);
                }
            }
        }
        let found: HashMap<DriverId, Option<Arc<Marks>>> = marks
            .into_iter()
            .map(|(driver, marks)| {
                let too_many = marks.hidden.len() as u64 > REMEMBERED_AT_MOST
                    || marks.responded.len() as u64 > REMEMBERED_AT_MOST;
                (driver, (!too_many).then(|| Arc::new(marks)))
            })
            .collect();
        self.hold(&found, began);
        Ok(Arc::new(found))
    }

    /// Holds what a read begun at `began` (the count of changes then) found, unless a change was
    /// made here since.
    fn hold(&self, found: &HashMap<DriverId, Option<Arc<Marks>>>, began: u64) {
        let now = Instant::now();
        let mut by_driver = self
            .by_driver
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if self.changes.load(Ordering::SeqCst) != began {
            return;
        }
        by_driver.sweep(|_, (_, at)| now.duration_since(*at) < RECENT_FOR);
        for (driver, marks) in found {
            if let Some(marks) = marks {
                by_driver.insert(*driver, (Arc::clone(marks), now));
            }
        }
    }
}

/// The drivers' hidden and responded loads, at most one more of each kind than are held (to tell
/// "too many"): rows of (driver, cargo, kind).
fn marked_by(drivers: &[DriverId]) -> SelectStatement {
    let numbered = |table: sea_orm::sea_query::TableRef, kind: i32| {
        Query::select()
            .columns([Alias::new("driver_id"), Alias::new("cargo_id")])
            .expr_as(Expr::val(kind), Alias::new("kind"))
            .expr_as(
                Expr::cust("ROW_NUMBER() OVER (PARTITION BY driver_id)"),
                Alias::new("n"),
            )
            .from(table)
            .and_where(
                Expr::col(Alias::new("driver_id"))
                    .is_in(drivers.iter().map(|driver| i64::from(*driver))),
            )
            .to_owned()
    };
    let marked = numbered(hidden::entity::Entity.into_table_ref(), HIDDEN)
        .union(
            UnionType::All,
            numbered(responses::entity::Entity.into_table_ref(), RESPONDED),
        )
        .to_owned();
    Query::select()
        .columns([
            Alias::new("driver_id"),
            Alias::new("cargo_id"),
            Alias::new("kind"),
        ])
        .from_subquery(marked, Alias::new("marked"))
        .and_where(Expr::col(Alias::new("n")).lte(REMEMBERED_AT_MOST + 1))
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drivers::{self, TelegramProfile};

    async fn driver(db: &DatabaseConnection, telegram_id: i64) -> DriverId {
        let profile = TelegramProfile {
            telegram_id,
            first_name: "Пётр".into(),
            last_name: None,
            username: None,
            language_code: None,
            photo_url: None,
        };
        DriverId::from(drivers::upsert(db, &profile).await.unwrap().id)
    }

    /// A driver hides a load while a read of their marks is at the database: what that read
    /// found (from before the change, perhaps) is answered but not held, so the driver's next
    /// page shows the load hidden.
    #[tokio::test]
    async fn marks_read_across_a_change_made_here_are_not_held() {
        let db = crate::database::connect("sqlite::memory:").await.unwrap();
        crate::database::migrate(&db).await.unwrap();
        let (peter, ivan) = (driver(&db, 1).await, driver(&db, 2).await);
        let recent = RecentMarks::default();

        let began = recent.changes.load(Ordering::SeqCst);
        let before = recent.read(&db, vec![peter, ivan]).await.unwrap();
        assert!(recent.recall(peter).is_some(), "held when nothing changed");
        crate::hidden::hide(&db, peter, 42).await.unwrap();
        recent.forget(peter);
        recent.hold(&before, began);
        assert!(
            recent.recall(peter).is_none(),
            "a read begun before the change is not held"
        );

        let after = recent.of(&db, peter).await.unwrap().unwrap();
        assert!(after.hidden.contains(&42));
        assert!(
            recent
                .recall(peter)
                .is_some_and(|held| held.hidden.contains(&42))
        );
        assert!(
            recent
                .of(&db, ivan)
                .await
                .unwrap()
                .unwrap()
                .hidden
                .is_empty()
        );
    }
}

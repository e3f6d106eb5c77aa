//! City search for the filter form, from the exchange's points dictionary held locally, so that
//! no keystroke reaches the exchange. The dictionary lives in the database: it is read whole from
//! the exchange (at background priority) when it is missing or older than
//! `CITIES_REFRESH_HOURS` — by one instance at a time — and when an admin asks. Every instance
//! searches its own copy in memory and reloads it when the database holds a newer version.

mod index;
mod paging;
pub(crate) mod spelling;
mod upkeep;

pub use upkeep::keep_up;

use std::{
    sync::{Arc, Mutex, RwLock},
    time::Duration,
};

use app::cargo::dictionary::City;
use chrono::Utc;
use domain::{
    audit::{self, AuditEntry},
    points::{self, Version},
};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::OwnedMutexGuard;

use self::{
    index::CityIndex,
    paging::{PAGE, Pace, PagingError},
};
use crate::{
    cargotech::Gateway,
    geo::{Places, gazetteer},
};

/// The points dictionary has never been loaded (a fresh install whose exchange has not answered
/// yet): city search cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the points dictionary has not been loaded yet")]
pub struct NotLoaded;

/// A refresh runs on this instance already: another would read the same pages again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a refresh of the points dictionary is running already")]
pub struct RefreshRunning;

#[derive(Debug, thiserror::Error)]
enum RefreshError {
    #[error(transparent)]
    Exchange(#[from] PagingError),
    /// An empty answer never replaces a dictionary.
    #[error("the exchange's points dictionary came back empty")]
    Empty,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// The dictionary as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct DictionaryState {
    /// The version this instance searches; `None` while it has never loaded.
    pub version: Option<Version>,
    pub refreshing: bool,
    /// Why the last refresh failed, when it did.
    pub last_failure: Option<String>,
}

pub struct Cities {
    db: DatabaseConnection,
    gateway: Arc<Gateway>,
    loaded: RwLock<Option<Arc<Loaded>>>,
    /// Held while this instance refreshes.
    refreshing: Arc<tokio::sync::Mutex<()>>,
    last_failure: Mutex<Option<Failure>>,
    /// How old the dictionary may grow before it is refreshed.
    refresh_every: Duration,
    pace: Pace,
}

/// The copy this instance searches.
struct Loaded {
    version: Version,
    index: CityIndex,
    /// Its settlements on the map, for searches by place.
    places: Arc<Places>,
}

struct Failure {
    at: tokio::time::Instant,
    reason: String,
}

impl Cities {
    pub fn new(
        db: DatabaseConnection,
        gateway: Arc<Gateway>,
        refresh_every: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            db,
            gateway,
            loaded: RwLock::new(None),
            refreshing: Arc::default(),
            last_failure: Mutex::new(None),
            refresh_every,
            pace: Pace::default(),
        })
    }

    /// Points whose name starts with `typed` (see [`CityIndex::search`]).
    pub fn search(&self, typed: &str) -> Result<Vec<City>, NotLoaded> {
        if typed.trim().chars().count() < index::MIN_LETTERS {
            return Ok(Vec::new());
        }
        let loaded = self.loaded().ok_or(NotLoaded)?;
        Ok(loaded.index.search(typed))
    }

    /// The dictionary's settlements the built-in gazetteer locates.
    pub fn places(&self) -> Result<Arc<Places>, NotLoaded> {
        Ok(Arc::clone(&self.loaded().ok_or(NotLoaded)?.places))
    }

    pub fn state(&self) -> DictionaryState {
        DictionaryState {
            version: self.loaded().map(|loaded| loaded.version.clone()),
            refreshing: self.refreshing.try_lock().is_err(),
            last_failure: self
                .failure()
                .as_ref()
                .map(|failure| failure.reason.clone()),
        }
    }

    /// Starts a refresh in the background, unless one is running on this instance.
    pub fn start_refresh(self: &Arc<Self>, by: String) -> Result<(), RefreshRunning> {
        let running = Arc::clone(&self.refreshing)
            .try_lock_owned()
            .map_err(|_| RefreshRunning)?;
        let cities = Arc::clone(self);
        tokio::spawn(async move { cities.refresh(running, &by).await });
        Ok(())
    }

    /// Reads the whole dictionary from the exchange, stores it and searches it from now on.
    /// The outcome is written to the audit log; a failure keeps the dictionary there was.
    async fn refresh(&self, _running: OwnedMutexGuard<()>, by: &str) {
        let outcome = self.read_and_store(by).await;
        let (action, details) = match &outcome {
            Ok(version) => {
                *self.failure() = None;
                tracing::info!(
                    points = version.points,
                    by,
                    "the points dictionary was refreshed"
                );
                (
                    "cities.refreshed",
                    serde_json::json!({"points": version.points}),
                )
            }
            Err(error) => {
                tracing::warn!(%error, by, "the points dictionary could not be refreshed");
                *self.failure() = Some(Failure {
                    at: tokio::time::Instant::now(),
                    reason: error.to_string(),
                });
                (
                    "cities.refresh_failed",
                    serde_json::json!({"error": error.to_string()}),
                )
            }
        };
        audit::record(
            &self.db,
            AuditEntry {
                actor: by,
                action,
                object: Some("cities"),
                details: Some(details),
                client_addr: None,
            },
        )
        .await;
    }

    async fn read_and_store(&self, by: &str) -> Result<Version, RefreshError> {
        let gateway = &self.gateway;
        let every =
            paging::every_point(move |offset| gateway.points_page(offset, PAGE), &self.pace)
                .await?;
        if every.is_empty() {
            return Err(RefreshError::Empty);
        }
        let version = points::replace(&self.db, &every, by).await?;
        self.install(version.clone(), every);
        Ok(version)
    }

    /// Loads the database's dictionary when it is newer than the one searched here.
    async fn reload_if_changed(&self) -> Result<(), DbErr> {
        let Some(version) = points::version(&self.db).await? else {
            return Ok(());
        };
        if self
            .loaded()
            .is_some_and(|loaded| loaded.version.id >= version.id)
        {
            return Ok(());
        }
        let every = points::all(&self.db).await?;
        self.install(version, every);
        Ok(())
    }

    /// Whether the dictionary should be read again: never loaded, or older than it may grow —
    /// unless a refresh failed a moment ago.
    fn is_due(&self, retry_after_failure: Duration) -> bool {
        if self
            .failure()
            .as_ref()
            .is_some_and(|failure| failure.at.elapsed() < retry_after_failure)
        {
            return false;
        }
        self.loaded().is_none_or(|loaded| {
            (Utc::now() - loaded.version.refreshed_at)
                .to_std()
                .is_ok_and(|age| age >= self.refresh_every)
        })
    }

    fn is_refreshing(&self) -> bool {
        self.refreshing.try_lock().is_err()
    }

    fn install(&self, version: Version, every: Vec<City>) {
        let places = Arc::new(Places::new(&every, gazetteer::built_in()));
        let loaded = Loaded {
            version,
            index: CityIndex::new(every),
            places,
        };
        tracing::debug!(
            points = loaded.index.len(),
            placed = loaded.places.count(),
            "city search uses a new copy of the dictionary"
        );
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(loaded));
    }

    fn loaded(&self) -> Option<Arc<Loaded>> {
        self.loaded
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn failure(&self) -> std::sync::MutexGuard<'_, Option<Failure>> {
        self.last_failure.lock().unwrap_or_else(|p| p.into_inner())
    }
}

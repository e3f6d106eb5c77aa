//! Shippers a driver can trust: what the gateway sees of loads is noted as it passes
//! ([`watch`], never a call of its own to the exchange), each card carries its shipper's mark and
//! each shipper has a page ([`ShipperBook`]), and a day after a response the bot asks the driver
//! how it went ([`question`]); a moderator's approval makes an answer count.

pub mod question;
pub mod watch;

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use app::cargo::{
    card::{CargoCard, CargoDetail},
    shipper::{ShipperMark, ShipperProfile},
};
use chrono::Utc;
use domain::shippers::{profile, sightings};
use moka::{Expiry, future::Cache};
use sea_orm::{DatabaseConnection, DbErr};

pub use watch::{Sightings, SightingsWriter};

/// How long a shipper's mark is reused for cards before it is worked out again.
const MARK_TTL: Duration = Duration::from_secs(60);

/// How long a load's shipper, once known, is remembered: a load keeps its shipper.
const KNOWN_SHIPPER_TTL: Duration = Duration::from_secs(3600);
/// How long a load with no shipper known is left at that: its card may be fetched any moment
/// (here or on another instance), which names the shipper.
const UNKNOWN_SHIPPER_TTL: Duration = Duration::from_secs(5);
/// Loads whose shipper is remembered at most (a couple of hundred bytes each, with the cache's
/// own bookkeeping).
const LOADS_REMEMBERED: u64 = 50_000;

/// Shippers' marks and pages, read from the database; marks are kept a minute on this instance
/// (a page of loads asks for a dozen at once), pages are read fresh. Which shipper a load has is
/// remembered too: a driver waiting for a card asks again every second or two, and each answer
/// carries the mark, which read the database every time (about 5,800 reads a second while
/// 20,000 drivers arrived, enough to keep their lists waiting for SQLite's connections).
#[derive(Clone)]
pub struct ShipperBook {
    db: DatabaseConnection,
    marks: Cache<String, ShipperMark>,
    /// Each load's shipper's INN, `None` while no card of the load has named one.
    shipper_of_load: Cache<u64, Option<String>>,
}

impl ShipperBook {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            marks: Cache::builder()
                .max_capacity(20_000)
                .time_to_live(MARK_TTL)
                .build(),
            shipper_of_load: Cache::builder()
                .max_capacity(LOADS_REMEMBERED)
                .expire_after(KnownLongerThanUnknown)
                .build(),
        }
    }

    /// The shipper's page; `None` when Hauler never saw a load of theirs.
    pub async fn profile(&self, inn: &str) -> Result<Option<ShipperProfile>, DbErr> {
        profile::of(&self.db, inn, Utc::now()).await
    }

    /// The shipper's mark.
    pub async fn mark(&self, inn: &str) -> Result<Option<ShipperMark>, DbErr> {
        if let Some(mark) = self.marks.get(inn).await {
            return Ok(Some(mark));
        }
        let mark = self.profile(inn).await?.map(|page| ShipperMark {
            inn: page.inn,
            score: page.score,
            level: page.level,
        });
        // A shipper never seen has no mark yet, but may have one as soon as the card that names
        // them is written down: only a mark found is kept.
        if let Some(mark) = &mark {
            self.marks.insert(inn.to_owned(), mark.clone()).await;
        }
        Ok(mark)
    }

    /// Lays each card's shipper mark over it, where a card of the load named its shipper.
    pub async fn lay_marks(&self, cards: &mut [CargoCard]) -> Result<(), DbErr> {
        let inns = self.shippers_of(cards.iter().map(|card| card.id)).await?;
        let mut marks = HashMap::new();
        for inn in inns.values().collect::<HashSet<_>>() {
            marks.insert(inn.clone(), self.mark(inn).await?);
        }
        for card in cards {
            card.shipper = inns
                .get(&card.id)
                .and_then(|inn| marks.get(inn).cloned().flatten());
        }
        Ok(())
    }

    /// Lays the shipper's mark over the load's card, the shipper as the detail names it (or as
    /// an earlier card named it).
    pub async fn lay_mark_of_detail(&self, detail: &mut CargoDetail) -> Result<(), DbErr> {
        let Some(inn) = detail.shipper_inn.as_deref().and_then(sightings::inn) else {
            return self.lay_marks(std::slice::from_mut(&mut detail.card)).await;
        };
        self.shipper_of_load
            .insert(detail.card.id, Some(inn.clone()))
            .await;
        detail.card.shipper = self.mark(&inn).await?;
        Ok(())
    }

    /// The shippers of these loads that are known, remembered or read from the database in one
    /// query for those not remembered.
    async fn shippers_of(
        &self,
        loads: impl Iterator<Item = u64>,
    ) -> Result<HashMap<u64, String>, DbErr> {
        let (mut known, mut unremembered) = (HashMap::new(), Vec::new());
        for load in loads {
            match self.shipper_of_load.get(&load).await {
                Some(Some(inn)) => {
                    known.insert(load, inn);
                }
                Some(None) => {}
                None => unremembered.push(load),
            }
        }
        if unremembered.is_empty() {
            return Ok(known);
        }
        let read = sightings::inns_of(&self.db, &unremembered).await?;
        for load in unremembered {
            let inn = read.get(&load).cloned();
            self.shipper_of_load.insert(load, inn.clone()).await;
            known.extend(inn.map(|inn| (load, inn)));
        }
        Ok(known)
    }

    /// A moderator's verdict changed the shipper's score: its mark is worked out again.
    pub async fn forget(&self, inn: &str) {
        self.marks.invalidate(inn).await;
    }
}

/// A load's known shipper is kept for [`KNOWN_SHIPPER_TTL`], an unknown one for
/// [`UNKNOWN_SHIPPER_TTL`].
struct KnownLongerThanUnknown;

impl KnownLongerThanUnknown {
    fn ttl(inn: &Option<String>) -> Duration {
        match inn {
            Some(_) => KNOWN_SHIPPER_TTL,
            None => UNKNOWN_SHIPPER_TTL,
        }
    }
}

impl Expiry<u64, Option<String>> for KnownLongerThanUnknown {
    fn expire_after_create(&self, _: &u64, inn: &Option<String>, _: Instant) -> Option<Duration> {
        Some(Self::ttl(inn))
    }

    fn expire_after_update(
        &self,
        _: &u64,
        inn: &Option<String>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(Self::ttl(inn))
    }
}

//! Shippers a driver can trust: what the gateway sees of loads is noted as it passes
//! ([`watch`], never a call of its own to the exchange), each card carries its shipper's mark and
//! each shipper has a page ([`ShipperBook`]), and a day after a response the bot asks the driver
//! how it went ([`question`]); a moderator's approval makes an answer count.

pub mod question;
pub mod watch;

use std::{collections::HashSet, time::Duration};

use app::cargo::{
    card::CargoCard,
    shipper::{ShipperMark, ShipperProfile},
};
use chrono::Utc;
use domain::shippers::{profile, sightings};
use moka::future::Cache;
use sea_orm::{DatabaseConnection, DbErr};

pub use watch::{Sightings, SightingsWriter};

/// How long a shipper's mark is reused for cards before it is worked out again.
const MARK_TTL: Duration = Duration::from_secs(60);

/// Shippers' marks and pages, read from the database; marks are kept a minute on this instance
/// (a page of loads asks for a dozen at once), pages are read fresh.
#[derive(Clone)]
pub struct ShipperBook {
    db: DatabaseConnection,
    marks: Cache<String, Option<ShipperMark>>,
}

impl ShipperBook {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            marks: Cache::builder()
                .max_capacity(20_000)
                .time_to_live(MARK_TTL)
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
            return Ok(mark);
        }
        let mark = self.profile(inn).await?.map(|page| ShipperMark {
            inn: page.inn,
            score: page.score,
            level: page.level,
        });
        self.marks.insert(inn.to_owned(), mark.clone()).await;
        Ok(mark)
    }

    /// Lays each card's shipper mark over it, where a card of the load named its shipper.
    pub async fn lay_marks(&self, cards: &mut [CargoCard]) -> Result<(), DbErr> {
        let ids: Vec<u64> = cards.iter().map(|card| card.id).collect();
        let inns = sightings::inns_of(&self.db, &ids).await?;
        let mut marks = std::collections::HashMap::new();
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

    /// A moderator's verdict changed the shipper's score: its mark is worked out again.
    pub async fn forget(&self, inn: &str) {
        self.marks.invalidate(inn).await;
    }
}

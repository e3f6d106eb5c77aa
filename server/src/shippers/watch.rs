//! Noting what the exchange shows as it passes through the gateway: each list window and card
//! the gateway fetched is handed over without waiting ([`Sightings`]), and one writer per
//! instance puts them in the database in batches ([`SightingsWriter`]). Lists never wait on the
//! database for this; when the writer falls behind (the database is slow or down), sightings are
//! dropped rather than held, and the next list brings them again.

use app::cargo::card::{CargoCard, CargoDetail};
use chrono::Utc;
use domain::shippers::sightings::{self, Sighting};
use sea_orm::DatabaseConnection;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Batches waiting for the writer at most.
const BACKLOG: usize = 256;
/// Batches the writer puts in one go at most.
const BATCHES_AT_ONCE: usize = 16;

/// The gateway's end: hands sightings over without waiting.
#[derive(Clone)]
pub struct Sightings(mpsc::Sender<Vec<Sighting>>);

/// The database's end.
pub struct SightingsWriter {
    db: DatabaseConnection,
    incoming: mpsc::Receiver<Vec<Sighting>>,
}

/// Both ends: the gateway takes the first, the instance's workers run the second.
pub fn channel(db: DatabaseConnection) -> (Sightings, SightingsWriter) {
    let (sender, incoming) = mpsc::channel(BACKLOG);
    (Sightings(sender), SightingsWriter { db, incoming })
}

impl Sightings {
    /// A list window the exchange just answered.
    pub fn listed(&self, cards: &[CargoCard]) {
        self.hand_over(cards.iter().filter_map(Sighting::of_card).collect());
    }

    /// A card the exchange just answered: it names the load's shipper.
    pub fn detailed(&self, detail: &CargoDetail) {
        self.hand_over(Sighting::of_detail(detail).into_iter().collect());
    }

    fn hand_over(&self, batch: Vec<Sighting>) {
        if batch.is_empty() {
            return;
        }
        if self.0.try_send(batch).is_err() {
            metrics::counter!("shipper_sightings_dropped_total").increment(1);
        }
    }
}

impl SightingsWriter {
    /// Writes sightings as they come until `stop` is cancelled.
    pub async fn run(mut self, stop: CancellationToken) {
        while let Some(Some(first)) = stop.run_until_cancelled(self.incoming.recv()).await {
            let mut batch = first;
            for _ in 1..BATCHES_AT_ONCE {
                match self.incoming.try_recv() {
                    Ok(more) => batch.extend(more),
                    Err(_) => break,
                }
            }
            if let Err(error) = sightings::note(&self.db, &batch, Utc::now()).await {
                tracing::warn!(%error, count = batch.len(), "loads seen on the exchange could not be noted");
            }
        }
    }
}

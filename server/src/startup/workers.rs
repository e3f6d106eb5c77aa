//! The background work of one instance: loops that run beside the requests until the instance
//! stops. Building the application gathers them and serving starts them, so a built application
//! does nothing on its own until it is run. Each watches one stop token: once it is cancelled a
//! job takes no new work, finishes the item in hand, lets go of its lease and ends, and the
//! tracker tells shutdown when all have.

use std::{sync::Arc, time::Duration};

use domain::{
    Platform,
    store::{Fleet, HEARTBEAT_EVERY},
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use super::services::{Intake, Parts};
use crate::{
    bot::{self, Delivery, operators::OperatorDesk, queue::DatabaseQueue},
    cargotech::{self, Gateway, hot_questions},
    cities::{self, Cities},
    config::{Config, UpdatesMode},
    new_loads::Detector,
    payments::Billing,
    retention::Retention,
    sandbox::cargotech::Exchange,
    shippers::SightingsWriter,
};

pub(super) struct Workers {
    /// The built-in exchange and how often loads appear on and leave it (sandbox mode).
    exchange_clock: Option<(Exchange, Duration)>,
    /// Each CargoTech account's login and token health check.
    gateway: Arc<Gateway>,
    /// Keeps the points dictionary city search answers from current.
    cities: (Arc<Cities>, domain::store::SharedStore),
    /// Sends the bot's queued messages; `None` when another process talks to Telegram.
    delivery: Option<Delivery<DatabaseQueue>>,
    /// Access reminders, and pending payments re-read from YooKassa.
    billing: (Billing, Duration),
    /// Autopay: warnings a day ahead and renewals with the saved card.
    renewals: Duration,
    intake: Intake,
    /// Alerts operators to a failing exchange login or a saturated budget.
    operators: (OperatorDesk, Duration),
    /// Looks for new loads on watched filters.
    detector: Detector,
    /// Deletes what is kept only for a while.
    retention: Retention,
    /// This instance's heartbeat among the others on the database.
    fleet: Fleet,
    /// Notes the loads the exchange showed, for shippers' scores.
    sightings: SightingsWriter,
    /// Where the questions drivers ask most are counted, and read back to warm at start.
    db: sea_orm::DatabaseConnection,
}

impl Workers {
    pub(super) fn new(
        config: &Config,
        platform: &Platform,
        parts: &Parts,
        sightings: SightingsWriter,
    ) -> Self {
        let doorbell = &parts.bot.doorbell;
        Self {
            exchange_clock: parts.stand_ins.exchange.clone().zip(config.sandbox.clock),
            gateway: Arc::clone(&parts.gateway),
            cities: (Arc::clone(&parts.cities), platform.store.clone()),
            delivery: (config.telegram.updates != UpdatesMode::Off).then(|| {
                let queue = DatabaseQueue {
                    db: platform.db.clone(),
                    store: platform.store.clone(),
                };
                Delivery::new(queue, parts.bot.api.clone(), doorbell.clone())
            }),
            billing: (parts.billing.clone(), config.payments.check_every),
            renewals: config.payments.autopay.check_every,
            intake: parts.intake.clone(),
            operators: (
                OperatorDesk {
                    db: platform.db.clone(),
                    configured: config.operators.chat_id,
                    doorbell: doorbell.clone(),
                },
                config.operators.check_every,
            ),
            detector: Detector {
                gateway: Arc::clone(&parts.gateway),
                db: platform.db.clone(),
                store: platform.store.clone(),
                bot: parts.bot.outlet.clone(),
                live: parts.feed.clone(),
                every: config.new_loads.check_every,
                alerts_per_hour: config.new_loads.alerts_per_hour.into(),
            },
            retention: Retention::new(
                &config.retention,
                platform.db.clone(),
                platform.store.clone(),
            ),
            fleet: platform.fleet.clone(),
            sightings,
            db: platform.db.clone(),
        }
    }

    /// Starts every job, each ending once `stop` is cancelled; the tracker waits for them.
    pub(super) fn start(self, stop: &CancellationToken) -> TaskTracker {
        let jobs = TaskTracker::new();
        if let Some((exchange, every)) = self.exchange_clock {
            // Every tick three loads appear and two are taken; one is re-priced, one re-posted.
            let stop = stop.clone();
            jobs.spawn(async move {
                while stop
                    .run_until_cancelled(tokio::time::sleep(every))
                    .await
                    .is_some()
                {
                    exchange.tick(3, 2);
                    // A shipper drops a price and another posts a load again, as on the real one.
                    exchange.market_moves();
                }
            });
        }
        jobs.spawn(cargotech::keep_connected(
            Arc::clone(&self.gateway),
            stop.clone(),
        ));
        // A restart is not a cold start: what drivers ask most is warmed first.
        jobs.spawn(hot_questions::warm(
            Arc::clone(&self.gateway),
            self.db.clone(),
            stop.clone(),
        ));
        jobs.spawn(hot_questions::keep_counting(
            Arc::clone(&self.gateway),
            self.db.clone(),
            stop.clone(),
        ));
        let (dictionary, store) = self.cities;
        jobs.spawn(cities::keep_up(dictionary, store, stop.clone()));
        if let Some(delivery) = self.delivery {
            jobs.spawn(delivery.run(stop.clone()));
        }
        let (billing, every) = self.billing;
        jobs.spawn(billing.clone().run_renewals(self.renewals, stop.clone()));
        jobs.spawn(billing.run_clockwork(every, stop.clone()));
        jobs.spawn(self.intake.run(stop.clone()));
        let (desk, every) = self.operators;
        jobs.spawn(bot::operators::watch(
            desk,
            self.gateway,
            every,
            stop.clone(),
        ));
        jobs.spawn(self.detector.run(stop.clone()));
        jobs.spawn(self.retention.run(stop.clone()));
        jobs.spawn(self.sightings.run(stop.clone()));
        if self.fleet.is_shared() {
            jobs.spawn(keep_beating(self.fleet, stop.clone()));
        }
        // No job starts later: waiting on the tracker ends when these have.
        jobs.close();
        jobs
    }
}

/// Says every few seconds that this instance is alive, counting the live ones as it does (the
/// exchange's budget is split between them while Redis is down), and leaves once told to stop,
/// so the others count it out at once.
async fn keep_beating(fleet: Fleet, stop: CancellationToken) {
    let mut failing = false;
    loop {
        match fleet.beat().await {
            Ok(_) => failing = false,
            Err(error) if !failing => {
                failing = true;
                tracing::warn!(%error, live = fleet.live(), "no heartbeat: the last count of instances stands");
            }
            Err(_) => {}
        }
        if stop
            .run_until_cancelled(tokio::time::sleep(HEARTBEAT_EVERY))
            .await
            .is_none()
        {
            break;
        }
    }
    fleet.leave().await;
}

//! A load's card for a driver: from the cache while lists keep showing the load (confirmed with
//! the exchange first once held a while, see `freshness`), else in line for the exchange (see
//! `card_queue`). A card the budget cannot fetch within a moment is answered with what the list
//! knew of it, its place in line, an estimate and when to ask again, however long the line; at
//! once, when the cards ahead take longer than that moment. Asked again when the card is due, the
//! driver waits for it a few seconds; asked while it is still far off, they are answered at once,
//! so that a driver far back in line holds no connection open. They keep their place as long as
//! they keep asking. Fetchers take cards from the line in turn,
//! as many at once as the budget can keep busy, and stop when the line is empty.

use std::{sync::Arc, time::Duration};

use app::cargo::card::{CargoDetail, PendingDetail};
use domain::DriverId;

use chrono::Utc;

use super::{CardLead, Gateway, GatewayError, freshness::aged, whole_seconds};
use crate::cargotech::{
    budget::Priority,
    cache::FetchError,
    card_queue::{Fetched, Lane, Outside, Place},
    client::UpstreamError,
    fair_share::UpstreamKind,
    listed::Listing,
};

/// How long a driver's first ask waits for a card before being told its place in line: long
/// enough for a card the budget has a slot for (the exchange answers in about 0.7 s).
const FIRST_WAIT: Duration = Duration::from_millis(1500);
/// How long a driver asking again for a card in line waits for it, when the card is due within
/// that time (the answer comes as soon as the card does). A card due later is answered at once.
const POLL_WAIT: Duration = Duration::from_secs(5);
/// How often a fetcher looks for a free slot while the budget is spent.
const NAP: Duration = Duration::from_millis(100);

/// How long a driver asking again for a card due in `estimate` waits for it: `POLL_WAIT` when
/// the card is due by then, else not at all.
fn poll_wait(estimate: Duration) -> Duration {
    if estimate <= POLL_WAIT {
        POLL_WAIT
    } else {
        Duration::ZERO
    }
}

/// The detail, its card with its age as of now.
fn aged_detail(detail: Option<CargoDetail>) -> Option<Box<CargoDetail>> {
    detail.map(|mut detail| {
        detail.card = aged(detail.card, Utc::now());
        Box::new(detail)
    })
}

/// What a driver gets for a card.
#[derive(Debug, Clone, PartialEq)]
pub enum CardAnswer {
    /// The detail; `None` when the load was taken or removed.
    Ready(Option<Box<CargoDetail>>),
    /// In line for the exchange: what the list knew, the place and the estimated wait.
    Pending(Box<PendingDetail>),
}

impl Gateway {
    /// A load's card for the driver: at once from the cache, or after a short wait from the
    /// exchange, or its place in line (ask again to wait for it). `Ready(None)` at once, without
    /// a call, for an unvouched id no list showed lately and whose card is not cached.
    pub async fn card(
        self: &Arc<Self>,
        driver: DriverId,
        id: u64,
        lead: CardLead,
    ) -> Result<CardAnswer, GatewayError> {
        self.card_within(driver, id, lead, None).await
    }

    /// A load's detail, waiting for it in line up to the time a driver's request may wait for
    /// the exchange (`NotFetchedInTime` beyond, the card staying in line for the driver's next
    /// try): for a response, which needs the whole card.
    pub async fn detail(
        self: &Arc<Self>,
        driver: DriverId,
        id: u64,
        lead: CardLead,
    ) -> Result<Option<CargoDetail>, GatewayError> {
        match self
            .card_within(driver, id, lead, Some(self.wait_for_slot))
            .await?
        {
            CardAnswer::Ready(detail) => Ok(detail.map(|detail| *detail)),
            CardAnswer::Pending(_) => Err(GatewayError::NotFetchedInTime),
        }
    }

    async fn card_within(
        self: &Arc<Self>,
        driver: DriverId,
        id: u64,
        lead: CardLead,
        patience: Option<Duration>,
    ) -> Result<CardAnswer, GatewayError> {
        if lead == CardLead::Unvouched && !self.knows(id).await {
            metrics::counter!("cargo_unknown_ids_total").increment(1);
            return Ok(CardAnswer::Ready(None));
        }
        let key = id.to_string();
        let (held, listing) = tokio::join!(self.details.peek(&key), self.listed.listing(id));
        if let Some((detail, age)) = &held
            && self.still_good(*age, listing.as_ref())
        {
            self.details.count(true);
            // Held, but perhaps taken since: the exchange is asked first (see `freshness`).
            let detail = match detail.as_ref() {
                Some(_) if *age < self.ttls.confirm => detail.as_ref().clone(),
                Some(_) => self
                    .confirmed(id)
                    .await
                    .unwrap_or_else(|| detail.as_ref().clone()),
                None => None,
            };
            return Ok(CardAnswer::Ready(aged_detail(detail)));
        }
        self.details.count(false);
        // Asked again, the card's place is said once: it decides the wait, and it is the answer
        // when the card is too far off to wait for.
        let (again, place) = match patience {
            Some(patience) => (patience, None),
            // Without a place (a first ask), there is nothing to count: the claim below is one.
            None => match self.queue.place_for(driver, id, POLL_WAIT) {
                Some(place) => (poll_wait(place.estimate), Some(place)),
                None => (Duration::ZERO, None),
            },
        };
        let (claim, wait) = match self.queue.renew(driver, id, again) {
            Some(claim) => (claim, again),
            None => {
                let wait = patience.unwrap_or(FIRST_WAIT);
                let (claim, causes_call) = match self.queue.claim(driver, id, wait) {
                    Ok(claimed) => claimed,
                    // The line is full of cards drivers still ask for: the card waits outside
                    // it, and the driver's next ask tries again.
                    Err(Outside { ahead }) => {
                        tokio::time::sleep(wait).await;
                        return Ok(self.pending_at(ahead + 1, listing));
                    }
                };
                if causes_call && let Err(refusal) = self.charge(driver, UpstreamKind::Detail).await
                {
                    self.queue.release(driver, id);
                    return Err(self.failure(refusal));
                }
                if patience.is_none()
                    && let Some(place) = self.beyond_first_wait(driver, id)
                {
                    self.start_fetchers();
                    return Ok(self.pending_answer(place, listing));
                }
                (claim, wait)
            }
        };
        self.start_fetchers();
        let outcome = match claim.entry.outcome(wait).await {
            // A full line let the card go while the driver was asking: their next ask takes a
            // new place.
            Some(Err(GatewayError::NotFetchedInTime)) if held.is_none() => {
                self.queue.release(driver, id);
                return Ok(self.pending(driver, id, listing));
            }
            Some(outcome) => outcome,
            None => {
                return Ok(match place {
                    Some(place) if wait.is_zero() => self.pending_answer(place, listing),
                    _ => self.pending(driver, id, listing),
                });
            }
        };
        self.queue.release(driver, id);
        match (outcome, held) {
            (Ok(detail), _) => Ok(CardAnswer::Ready(aged_detail(detail.as_ref().clone()))),
            // The exchange could not say in time: the card as last fetched beats no card.
            (Err(GatewayError::NotFetchedInTime | GatewayError::Unavailable(_)), Some(held)) => {
                Ok(CardAnswer::Ready(aged_detail(held.0.as_ref().clone())))
            }
            (Err(error), _) => Err(error),
        }
    }

    /// The place of a card just put in line, when the budget has no slot free and the cards
    /// ahead take it longer than a first ask waits: the driver is answered at once (they would
    /// be told the same after the wait), and a crowd opening cards holds no connections.
    fn beyond_first_wait(&self, driver: DriverId, id: u64) -> Option<Place> {
        if self.accounts.room_for(Priority::Detail) {
            return None;
        }
        self.queue
            .place_for(driver, id, POLL_WAIT)
            .filter(|place| place.estimate > FIRST_WAIT)
    }

    /// The card's place in line for the driver, with what the list knew of it; behind the
    /// whole line when the line let their place go (their next ask takes a new one).
    fn pending(&self, driver: DriverId, id: u64, listing: Option<Listing>) -> CardAnswer {
        match self.queue.place_for(driver, id, POLL_WAIT) {
            Some(place) => self.pending_answer(place, listing),
            None => self.pending_at(self.queue.lengths().0 + 1, listing),
        }
    }

    /// A card waiting outside a full line, `position` being the line's length and one.
    fn pending_at(&self, position: usize, listing: Option<Listing>) -> CardAnswer {
        let position = u32::try_from(position).unwrap_or(u32::MAX);
        self.pending_answer(self.queue.place_at(position, POLL_WAIT), listing)
    }

    /// What a waiting driver is told: the place, the estimate, and when to ask again (when the
    /// card is due within a poll's wait, as the line allows; see `CardQueue::place_for`), never
    /// sooner than in a second.
    fn pending_answer(&self, place: Place, listing: Option<Listing>) -> CardAnswer {
        CardAnswer::Pending(Box::new(PendingDetail {
            card: listing.map(|listing| aged(listing.card, Utc::now())),
            position: place.position,
            estimated_seconds: whole_seconds(place.estimate),
            ask_again_seconds: whole_seconds(place.again).max(1),
        }))
    }

    /// Whether a cached detail is still the load's: younger than a list, or a list showed the
    /// load lately (a taken load leaves the lists, which are asked again anyway) and the detail
    /// is within its own, long, time to live.
    fn still_good(&self, age: Duration, listing: Option<&Listing>) -> bool {
        age < self.ttls.list
            || (age < self.ttls.detail
                && listing.is_some_and(|listing| listing.age() < self.ttls.list * 2))
    }

    /// Whether a list showed the load lately, or its card is cached; or nobody can say, the
    /// shared store being down: the exchange is asked then (at the driver's expense), rather than
    /// a driver told that a load they were just shown is gone.
    pub(super) async fn knows(&self, id: u64) -> bool {
        self.listed.contains(id).await
            || self.details.holds(&id.to_string()).await
            || !self.listed.sees_every_instance()
    }

    /// Warms the detail cache for the first cards of a fresh page (what a phone shows without
    /// scrolling) from the prefetch line, behind every card a driver waits for, so that opening
    /// one is instant. Only a few: on a cold cache, prefetching whole pages would starve
    /// drivers' own lists.
    pub(super) fn prefetch_details(self: &Arc<Self>, ids: Vec<u64>) {
        let gateway = Arc::clone(self);
        tokio::spawn(async move {
            for id in ids {
                if !gateway.details.holds(&id.to_string()).await {
                    gateway.queue.prefetch(id);
                }
            }
            gateway.start_fetchers();
        });
    }

    fn start_fetchers(self: &Arc<Self>) {
        while self.queue.wants_fetcher() {
            let gateway = Arc::clone(self);
            tokio::spawn(async move { gateway.fetch_in_turn().await });
        }
    }

    /// Fetches cards from the line until it is empty: a driver's card waits for a slot as long
    /// as its driver waits; a prefetch takes a free slot or is dropped. A fetcher takes a card
    /// only once a slot looks free, so cards wait in the line, in turn, not in fetchers' hands;
    /// while lists wait for slots, cards leave them the top fifth of the window (a card can wait
    /// in line with the list's data on screen, a list cannot).
    async fn fetch_in_turn(self: Arc<Self>) {
        loop {
            let room = if self.accounts.waiting_at(Priority::List) > 0 {
                Priority::Background
            } else {
                Priority::Detail
            };
            if self.queue.has_work() && !self.accounts.room_for(room) {
                tokio::time::sleep(NAP + Duration::from_millis(rand::random::<u64>() % 50)).await;
                continue;
            }
            let Some(job) = self.queue.next() else {
                return;
            };
            let id = job.entry.id;
            let (priority, background) = match job.lane {
                Lane::Driver => (Priority::Detail, false),
                Lane::Prefetch => (Priority::Background, true),
            };
            let client = self.client.clone();
            let fetched = self
                .details
                .fill(&id.to_string(), || {
                    self.call_within(
                        UpstreamKind::Detail,
                        background,
                        priority,
                        job.wait,
                        move |token| {
                            let client = client.clone();
                            async move { client.detail(&token, id).await }
                        },
                    )
                })
                .await;
            if let Ok(detail) = &fetched
                && let Some(detail) = detail.as_ref()
            {
                self.sightings.detailed(detail);
            }
            match fetched {
                Ok(detail) => self.queue.finish(id, Ok(detail)),
                Err(FetchError::Upstream(UpstreamError::Throttled { .. })) => {
                    self.queue.put_back(id, GatewayError::NotFetchedInTime);
                }
                Err(error) => self.queue.finish(id, Fetched::Err(self.failure(error))),
            }
        }
    }
}

use std::{sync::Arc, time::Duration};

use domain::DriverId;

use super::{CardQueue, Lane, QueueFull, QueueRules};
use crate::cargotech::GatewayError;

fn queue(limit: usize, per_driver: usize, max_wait: Duration) -> CardQueue {
    CardQueue::new(QueueRules {
        limit,
        per_driver,
        max_wait,
        calls_per_second: 10.0,
        fetchers: 4,
    })
}

fn driver(n: i64) -> DriverId {
    DriverId::from(n)
}

#[test]
fn a_card_a_driver_opens_is_fetched_before_any_prefetch() {
    let queue = queue(10, 3, Duration::from_secs(60));
    queue.prefetch(1);
    queue.prefetch(2);
    queue.claim(driver(1), 3).unwrap();
    let first = queue.next().unwrap();
    assert_eq!((first.entry.id, first.lane), (3, Lane::Driver));
    assert_eq!(queue.next().unwrap().entry.id, 1);
}

#[test]
fn a_prefetch_a_driver_opens_joins_the_drivers_line_and_costs_that_driver() {
    let queue = queue(10, 3, Duration::from_secs(60));
    queue.prefetch(1);
    assert!(
        queue.claim(driver(1), 1).unwrap().1,
        "the driver causes the call"
    );
    assert!(
        !queue.claim(driver(2), 1).unwrap().1,
        "joining a card in line is free"
    );
    assert_eq!(queue.place(1).0, 1);
    let job = queue.next().unwrap();
    assert_eq!(job.lane, Lane::Driver);
    assert!(queue.next().is_none(), "it was in one line only");
}

#[test]
fn a_driver_holds_a_few_places_and_the_oldest_gives_way() {
    let queue = queue(100, 2, Duration::from_secs(60));
    for id in 1..=5 {
        queue.claim(driver(1), id).unwrap();
    }
    queue.claim(driver(2), 50).unwrap();
    assert_eq!(
        queue.place(50).0,
        3,
        "behind the greedy driver's last two only"
    );
    assert!(
        queue.claim_of(driver(1), 1).is_none(),
        "the oldest gave its place up"
    );
    assert!(queue.claim_of(driver(1), 5).is_some());
}

#[test]
fn a_full_line_refuses_only_cards_that_would_need_a_call() {
    let queue = queue(2, 5, Duration::from_secs(60));
    queue.claim(driver(1), 1).unwrap();
    queue.claim(driver(2), 2).unwrap();
    assert_eq!(queue.claim(driver(3), 3).err(), Some(QueueFull));
    assert!(
        queue.claim(driver(3), 1).is_ok(),
        "joining is always possible"
    );
}

#[tokio::test]
async fn a_card_nobody_can_wait_for_any_more_ends_with_a_clear_outcome() {
    let queue = queue(10, 3, Duration::from_millis(10));
    let (claim, _) = queue.claim(driver(1), 7).unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(queue.next().is_none(), "nothing left worth fetching");
    assert_eq!(
        claim.entry.outcome(Duration::ZERO).await,
        Some(Err(GatewayError::NotFetchedInTime))
    );
}

#[tokio::test]
async fn everyone_waiting_for_a_card_gets_it_when_it_arrives() {
    let queue = queue(10, 3, Duration::from_secs(60));
    let (first, _) = queue.claim(driver(1), 7).unwrap();
    let (second, _) = queue.claim(driver(2), 7).unwrap();
    let job = queue.next().unwrap();
    queue.finish(job.entry.id, Ok(Arc::new(None)));
    assert_eq!(
        first.entry.outcome(Duration::ZERO).await,
        Some(Ok(Arc::new(None)))
    );
    assert_eq!(
        second.entry.outcome(Duration::ZERO).await,
        Some(Ok(Arc::new(None)))
    );
}

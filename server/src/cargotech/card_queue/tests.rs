use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use domain::DriverId;

use super::{CardQueue, Lane, Outside, QueueRules};
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

/// How long each ask waits.
const ASK: Duration = Duration::ZERO;

fn driver(n: i64) -> DriverId {
    DriverId::from(n)
}

/// A line of `drivers` drivers, the n-th waiting for card n.
fn line_of(drivers: i64) -> CardQueue {
    let queue = queue(100, 3, Duration::from_secs(60));
    for id in 1..=drivers {
        queue.claim(driver(id), id as u64, ASK).unwrap();
    }
    queue
}

/// The next `cards` cards of the line are fetched (each found taken).
fn fetch(queue: &CardQueue, cards: usize) {
    for _ in 0..cards {
        let job = queue.next().unwrap();
        queue.finish(job.entry.id, Ok(Arc::new(None)));
    }
}

#[test]
fn a_card_a_driver_opens_is_fetched_before_any_prefetch() {
    let queue = queue(10, 3, Duration::from_secs(60));
    queue.prefetch(1);
    queue.prefetch(2);
    queue.claim(driver(1), 3, ASK).unwrap();
    let first = queue.next().unwrap();
    assert_eq!((first.entry.id, first.lane), (3, Lane::Driver));
    assert_eq!(queue.next().unwrap().entry.id, 1);
}

#[test]
fn a_prefetch_a_driver_opens_joins_the_drivers_line_and_costs_that_driver() {
    let queue = queue(10, 3, Duration::from_secs(60));
    queue.prefetch(1);
    assert!(
        queue.claim(driver(1), 1, ASK).unwrap().1,
        "the driver causes the call"
    );
    assert!(
        !queue.claim(driver(2), 1, ASK).unwrap().1,
        "joining a card in line is free"
    );
    assert_eq!(queue.place_for(driver(2), 1, ASK).unwrap().position, 1);
    let job = queue.next().unwrap();
    assert_eq!(job.lane, Lane::Driver);
    assert!(queue.next().is_none(), "it was in one line only");
}

#[test]
fn a_driver_holds_a_few_places_and_the_oldest_gives_way() {
    let queue = queue(100, 2, Duration::from_secs(60));
    for id in 1..=5 {
        queue.claim(driver(1), id, ASK).unwrap();
    }
    queue.claim(driver(2), 50, ASK).unwrap();
    assert_eq!(
        queue.place_for(driver(2), 50, ASK).unwrap().position,
        3,
        "behind the greedy driver's last two only"
    );
    assert!(
        queue.renew(driver(1), 1, ASK).is_none(),
        "the oldest gave its place up"
    );
    assert!(queue.renew(driver(1), 5, ASK).is_some());
}

#[test]
fn a_full_line_lets_prefetches_go_first() {
    let queue = queue(3, 5, Duration::from_secs(60));
    queue.prefetch(10);
    queue.claim(driver(1), 1, ASK).unwrap();
    queue.claim(driver(2), 2, ASK).unwrap();
    queue.claim(driver(3), 3, ASK).unwrap();
    assert_eq!(queue.lengths(), (3, 0), "the prefetch gave way");
    assert!(
        !queue.claim(driver(3), 1, ASK).unwrap().1,
        "joining costs nothing"
    );
    queue.prefetch(11);
    assert_eq!(queue.lengths(), (3, 0), "a full line takes no prefetch");
}

#[tokio::test]
async fn a_full_line_lets_go_of_cards_whose_drivers_left_and_keeps_those_still_asked() {
    let queue = queue(2, 5, Duration::from_millis(30));
    let (left, _) = queue.claim(driver(1), 1, ASK).unwrap();
    // Driver 2's ask waits for the card a minute (a long poll): they are still there.
    let (asking, _) = queue.claim(driver(2), 2, Duration::from_secs(60)).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Driver 1 asked 50 ms ago and not since: gone.
    let (newcomer, causes_call) = queue.claim(driver(3), 3, ASK).unwrap();
    assert!(causes_call);
    assert_eq!(
        left.entry.outcome(Duration::ZERO).await,
        Some(Err(GatewayError::NotFetchedInTime))
    );
    assert_eq!(
        asking.entry.outcome(Duration::ZERO).await,
        None,
        "still in line"
    );
    assert_eq!(newcomer.entry.outcome(Duration::ZERO).await, None);
    assert_eq!(queue.figures.expired.load(Ordering::Relaxed), 1);
    assert!(
        queue.renew(driver(1), 1, ASK).is_none(),
        "asking again, the driver who left takes a new place"
    );
}

#[test]
fn a_line_full_of_cards_still_asked_keeps_a_new_one_outside_until_there_is_room() {
    let queue = queue(2, 5, Duration::from_secs(60));
    queue.claim(driver(1), 1, ASK).unwrap();
    queue.claim(driver(2), 2, ASK).unwrap();
    assert_eq!(
        queue.claim(driver(3), 3, ASK).err(),
        Some(Outside { ahead: 2 })
    );
    assert!(
        queue.renew(driver(1), 1, ASK).is_some(),
        "nobody lost a place"
    );
    assert!(queue.renew(driver(2), 2, ASK).is_some());
    assert!(
        !queue.claim(driver(3), 1, ASK).unwrap().1,
        "joining a card in line is possible"
    );

    fetch(&queue, 1);
    assert!(
        queue.claim(driver(3), 3, ASK).unwrap().1,
        "in line once there is room"
    );
    assert_eq!(
        queue.place_for(driver(3), 3, ASK).unwrap().position,
        2,
        "behind the card still waiting"
    );
}

#[test]
fn a_driver_who_keeps_asking_keeps_their_place_past_the_wait() {
    let queue = queue(10, 3, Duration::from_millis(10));
    queue.claim(driver(1), 7, ASK).unwrap();
    // Asking again, in a long poll of a minute.
    assert!(queue.renew(driver(1), 7, Duration::from_secs(60)).is_some());
    std::thread::sleep(Duration::from_millis(30));
    let job = queue
        .next()
        .expect("still waited for, past the first ask's wait");
    assert_eq!(job.entry.id, 7);
}

#[tokio::test]
async fn a_card_whose_driver_stopped_asking_leaves_the_line_unfetched() {
    let queue = queue(10, 3, Duration::from_millis(10));
    let (claim, _) = queue.claim(driver(1), 7, ASK).unwrap();
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
    let (first, _) = queue.claim(driver(1), 7, ASK).unwrap();
    let (second, _) = queue.claim(driver(2), 7, ASK).unwrap();
    fetch(&queue, 1);
    assert_eq!(
        first.entry.outcome(Duration::ZERO).await,
        Some(Ok(Arc::new(None)))
    );
    assert_eq!(
        second.entry.outcome(Duration::ZERO).await,
        Some(Ok(Arc::new(None)))
    );
}

#[test]
fn a_driver_far_back_in_line_is_told_to_come_back_later_but_before_their_place_lapses() {
    let patient = queue(10, 3, Duration::from_secs(60));
    let seconds = |due_in: u64| {
        patient
            .ask_again_after(Duration::from_secs(due_in))
            .as_secs()
    };
    assert_eq!(
        seconds(0),
        1,
        "a card due now: ask again at once, with a second to breathe"
    );
    assert_eq!(seconds(7), 7, "then, when the card is due");
    assert_eq!(seconds(600), 10, "ten seconds at most, whatever the line");
    // Places lapse 4 s after an ask: the driver comes back within 2 s.
    let hasty = queue(10, 3, Duration::from_secs(4));
    assert_eq!(hasty.ask_again_after(Duration::from_secs(30)).as_secs(), 2);
}

#[test]
fn a_driver_asking_again_before_they_were_told_to_is_told_the_same_place_without_a_count() {
    let queue = line_of(20);
    let told = queue.place_for(driver(20), 20, ASK).unwrap();
    assert_eq!(told.position, 20);
    assert_eq!(
        told.again,
        Duration::from_secs(2),
        "due in 2 s at ten calls a second"
    );

    // The line moves on: ten cards ahead are fetched.
    fetch(&queue, 10);
    let early = queue.place_for(driver(20), 20, ASK).unwrap();
    assert_eq!(
        early.position, 20,
        "asked early: the place as told, not counted anew"
    );
    assert!(early.again <= told.again && early.estimate <= told.estimate);

    // Another driver on the same card has no word of their own yet: counted now; one who holds
    // no place for it is told none (asking, they take one).
    assert_eq!(queue.place_for(driver(99), 20, ASK), None);
    queue.claim(driver(99), 20, ASK).unwrap();
    assert_eq!(queue.place_for(driver(99), 20, ASK).unwrap().position, 10);
}

#[test]
fn a_driver_coming_back_when_told_is_counted_anew() {
    let queue = line_of(12);
    let told = queue.place_for(driver(12), 12, ASK).unwrap();
    assert_eq!((told.position, told.again), (12, Duration::from_secs(2)));
    fetch(&queue, 10);
    std::thread::sleep(told.again);
    assert_eq!(queue.place_for(driver(12), 12, ASK).unwrap().position, 2);
}

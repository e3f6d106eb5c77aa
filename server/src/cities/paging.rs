//! Reading the exchange's whole points dictionary, a page at a time. Its calls are background
//! work: when drivers have the budget, the refresh waits its turn instead of failing; a failing
//! exchange is tried a few times, and nothing waits forever.

use std::{collections::HashSet, future::Future, time::Duration};

use app::cargo::dictionary::City;
use tokio::time::Instant;

use crate::cargotech::{GatewayError, PointsPage};

/// The exchange's largest page.
pub const PAGE: u32 = 100;
/// More points than any country has: a dictionary that never ends is a broken answer.
const MOST_POINTS: u64 = 2_000_000;

/// How patient a refresh is.
#[derive(Debug, Clone)]
pub struct Pace {
    /// Between asks while the budget has no slot for background work.
    pub busy_pause: Duration,
    /// Between attempts after a failure, and how many failures in a row are borne.
    pub failure_pause: Duration,
    pub failures_borne: u32,
    /// The whole refresh, however busy the budget.
    pub give_up_after: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Self {
            busy_pause: Duration::from_secs(2),
            failure_pause: Duration::from_secs(5),
            failures_borne: 3,
            give_up_after: Duration::from_secs(30 * 60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PagingError {
    #[error("the exchange failed: {0}")]
    Exchange(GatewayError),
    #[error("the budget had no room for the whole dictionary in time")]
    OutOfTime,
    #[error("the dictionary's pages never end")]
    Endless,
}

/// Every point, asking `page(offset)` from the first page until the dictionary's size is
/// reached (or a page comes back empty). A point that moved between pages while they were read
/// comes once.
pub async fn every_point<F, Fut>(mut page: F, pace: &Pace) -> Result<Vec<City>, PagingError>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<PointsPage, GatewayError>>,
{
    let deadline = Instant::now() + pace.give_up_after;
    let mut points = Vec::new();
    let (mut offset, mut failures) = (0_u64, 0);
    loop {
        if Instant::now() >= deadline {
            return Err(PagingError::OutOfTime);
        }
        match page(offset).await {
            Ok(answer) => {
                failures = 0;
                points.extend(answer.points);
                offset += answer.read as u64;
                if answer.read == 0 || offset >= answer.size {
                    break;
                }
                if offset > MOST_POINTS {
                    return Err(PagingError::Endless);
                }
            }
            Err(GatewayError::Busy) => tokio::time::sleep(pace.busy_pause).await,
            Err(error) if failures < pace.failures_borne => {
                failures += 1;
                tracing::info!(%error, offset, "a page of the points dictionary failed; trying again");
                tokio::time::sleep(pace.failure_pause).await;
            }
            Err(error) => return Err(PagingError::Exchange(error)),
        }
    }
    let mut seen = HashSet::new();
    points.retain(|point: &City| seen.insert(point.id));
    Ok(points)
}

#[cfg(test)]
mod tests {
    use std::{cell::RefCell, collections::VecDeque};

    use super::*;
    use crate::cargotech::UpstreamError;

    fn quick() -> Pace {
        Pace {
            busy_pause: Duration::ZERO,
            failure_pause: Duration::ZERO,
            failures_borne: 2,
            give_up_after: Duration::from_secs(60),
        }
    }

    fn dictionary(size: u32) -> Vec<City> {
        (1..=size)
            .map(|id| City {
                id,
                name: format!("Пункт {id}"),
                point_type: 2,
            })
            .collect()
    }

    /// The exchange's answer to one page of `all`.
    fn page_of(all: &[City], offset: u64) -> PointsPage {
        let points: Vec<City> = all
            .iter()
            .skip(offset as usize)
            .take(PAGE as usize)
            .cloned()
            .collect();
        PointsPage {
            read: points.len(),
            points,
            size: all.len() as u64,
        }
    }

    #[tokio::test]
    async fn every_page_is_read_once_up_to_the_size() {
        let all = dictionary(250);
        let asked = RefCell::new(Vec::new());
        let points = every_point(
            |offset| {
                asked.borrow_mut().push(offset);
                let answer = page_of(&all, offset);
                async move { Ok(answer) }
            },
            &quick(),
        )
        .await
        .unwrap();
        assert_eq!(points, all);
        assert_eq!(*asked.borrow(), [0, 100, 200]);
    }

    #[tokio::test]
    async fn a_busy_budget_and_a_passing_failure_are_waited_out() {
        let all = dictionary(150);
        let hiccups = RefCell::new(VecDeque::from([
            GatewayError::Busy,
            GatewayError::Busy,
            GatewayError::Unavailable(UpstreamError::Unavailable("HTTP 502".into())),
        ]));
        let points = every_point(
            |offset| {
                let hiccup = hiccups.borrow_mut().pop_front();
                let answer = match hiccup {
                    Some(error) if offset == 100 => Err(error),
                    Some(error) => {
                        hiccups.borrow_mut().push_front(error);
                        Ok(page_of(&all, offset))
                    }
                    None => Ok(page_of(&all, offset)),
                };
                async move { answer }
            },
            &quick(),
        )
        .await
        .unwrap();
        assert_eq!(points.len(), 150);
    }

    #[tokio::test]
    async fn a_lasting_failure_ends_the_refresh() {
        let down = GatewayError::Unavailable(UpstreamError::Unavailable("HTTP 500".into()));
        let tries = RefCell::new(0);
        let outcome = every_point(
            |_| {
                *tries.borrow_mut() += 1;
                let error = down.clone();
                async move { Err(error) }
            },
            &quick(),
        )
        .await;
        assert_eq!(outcome, Err(PagingError::Exchange(down)));
        assert_eq!(*tries.borrow(), 3, "the first try and two more");
    }

    #[tokio::test]
    async fn a_point_that_moved_between_pages_comes_once_and_an_empty_page_ends_it() {
        let all = dictionary(120);
        let points = every_point(
            |offset| {
                // The dictionary says it holds more than it gives, and the second page starts
                // one point early (a point was removed before it meanwhile).
                let mut answer = page_of(&all, offset.saturating_sub(1));
                answer.size = 1000;
                async move { Ok(answer) }
            },
            &quick(),
        )
        .await
        .unwrap();
        assert_eq!(points, all);
    }

    #[tokio::test]
    async fn a_budget_busy_for_too_long_gives_up() {
        let pace = Pace {
            give_up_after: Duration::from_millis(20),
            busy_pause: Duration::from_millis(5),
            ..quick()
        };
        let outcome = every_point(|_| async { Err(GatewayError::Busy) }, &pace).await;
        assert_eq!(outcome, Err(PagingError::OutOfTime));
    }
}

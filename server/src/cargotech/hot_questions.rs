//! A warm restart is not a cold start. Each instance counts the list questions its drivers ask
//! (a window of loads: the cache's key, with the filter and first load to ask it again by) and
//! adds its counts to the database every [`SAY_EVERY`] and once more as it stops. An instance
//! that starts warms the most asked questions asked within [`WARM_ASKED_WITHIN`] first: each
//! whose cached answer is missing or past its time to live is asked again at background
//! priority, so warming never takes a slot a driver waits for and stops at the budget's
//! background share (it waits and goes on while the budget is busy, for [`WARM_FOR`] at most).
//! With Redis the cache itself survives, and warming asks only what grew old meanwhile.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::cargo::filter::CargoFilter;
use domain::hot_questions::{self, Asked};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use super::{Gateway, GatewayError};

/// How often an instance adds its counts to everyone's.
pub const SAY_EVERY: Duration = Duration::from_secs(30);
/// Questions nobody asked for this long are not warmed (and are forgotten after a day).
pub const WARM_ASKED_WITHIN: Duration = Duration::from_secs(3600);
/// How many of the most asked an instance warms at start.
pub const WARM_AT_MOST: u64 = 200;
/// How long warming goes on through a busy budget or an exchange not yet logged in to.
pub const WARM_FOR: Duration = Duration::from_secs(120);
/// Questions warmed at the same moment.
const WARMING_AT_ONCE: usize = 4;
const FORGOTTEN_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The questions asked on this instance since it last said.
#[derive(Default)]
pub struct AskedHere {
    counts: Mutex<HashMap<String, Counted>>,
}

struct Counted {
    filter: CargoFilter,
    start: u32,
    asks: u64,
}

impl AskedHere {
    pub fn note(&self, question: &str, filter: &CargoFilter, start: u32) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        match counts.get_mut(question) {
            Some(counted) => counted.asks += 1,
            None => {
                let counted = Counted {
                    filter: filter.clone(),
                    start,
                    asks: 1,
                };
                counts.insert(question.to_owned(), counted);
            }
        }
    }

    fn take(&self) -> Vec<Asked> {
        let counts = std::mem::take(&mut *self.counts.lock().unwrap_or_else(|p| p.into_inner()));
        counts
            .into_iter()
            .filter_map(|(question, counted)| {
                Some(Asked {
                    question,
                    filter: serde_json::to_string(&counted.filter).ok()?,
                    start: counted.start,
                    asks: counted.asks,
                })
            })
            .collect()
    }
}

/// Adds this instance's counts to the database every [`SAY_EVERY`] and once more when stopping.
pub async fn keep_counting(gateway: Arc<Gateway>, db: DatabaseConnection, stop: CancellationToken) {
    loop {
        let stopping = stop
            .run_until_cancelled(tokio::time::sleep(SAY_EVERY))
            .await
            .is_none();
        let now = chrono::Utc::now();
        if let Err(error) = hot_questions::add(&db, gateway.asked.take(), now).await {
            tracing::warn!(%error, "the questions drivers asked could not be counted");
        }
        if stopping {
            return;
        }
        let before = now - chrono::Duration::from_std(FORGOTTEN_AFTER).unwrap_or_default();
        if let Err(error) = hot_questions::forget_before(&db, before).await {
            tracing::warn!(%error, "old questions could not be forgotten");
        }
    }
}

/// At start: the most asked questions first, each asked again unless its answer is cached fresh.
pub async fn warm(gateway: Arc<Gateway>, db: DatabaseConnection, stop: CancellationToken) {
    let since =
        chrono::Utc::now() - chrono::Duration::from_std(WARM_ASKED_WITHIN).unwrap_or_default();
    let questions = match hot_questions::most_asked(&db, since, WARM_AT_MOST).await {
        Ok(questions) => questions,
        Err(error) => {
            tracing::warn!(%error, "the questions drivers ask most could not be read; nothing warmed");
            return;
        }
    };
    if questions.is_empty() {
        return;
    }
    let deadline = tokio::time::Instant::now() + WARM_FOR;
    let asked = questions.len();
    let warmed = futures_util::stream::iter(questions)
        .filter_map(|question| async move {
            let filter: CargoFilter = serde_json::from_str(&question.filter).ok()?;
            Some((filter, u32::try_from(question.start).ok()?))
        })
        .map(|(filter, start)| {
            let (gateway, stop) = (Arc::clone(&gateway), stop.clone());
            async move { warm_one(&gateway, &filter, start, deadline, &stop).await }
        })
        .buffer_unordered(WARMING_AT_ONCE)
        .filter(|fetched| std::future::ready(*fetched))
        .count()
        .await;
    tracing::info!(
        questions = asked,
        fetched = warmed,
        "warmed the questions drivers ask most"
    );
}

/// Whether the question had to be asked of the exchange (and was).
async fn warm_one(
    gateway: &Arc<Gateway>,
    filter: &CargoFilter,
    start: u32,
    deadline: tokio::time::Instant,
    stop: &CancellationToken,
) -> bool {
    loop {
        match gateway.warm_window(filter, start).await {
            Ok(fetched) => return fetched,
            // A filter no longer valid (the rules changed): nothing to warm.
            Err(GatewayError::InvalidFilter(_)) => return false,
            Err(_) if tokio::time::Instant::now() >= deadline => return false,
            // The budget's background share is spent, or the account not logged in yet.
            Err(_) => {
                let pause = tokio::time::sleep(Duration::from_secs(1));
                if stop.run_until_cancelled(pause).await.is_none() {
                    return false;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use app::cargo::filter::PlaceFilter;

    use super::*;

    #[test]
    fn a_question_asked_again_is_counted_once_with_its_asks() {
        let asked = AskedHere::default();
        let filter = CargoFilter {
            from: Some(PlaceFilter {
                city_id: 1,
                point_type: 2,
                city_name: String::new(),
                radius_km: 0,
            }),
            ..CargoFilter::default()
        };
        asked.note("from=1", &filter, 0);
        asked.note("from=1", &filter, 0);
        asked.note("from=1&start=100", &filter, 100);
        let mut said = asked.take();
        said.sort_by(|a, b| a.question.cmp(&b.question));
        assert_eq!(
            said.iter()
                .map(|a| (a.question.as_str(), a.start, a.asks))
                .collect::<Vec<_>>(),
            [("from=1", 0, 2), ("from=1&start=100", 100, 1)]
        );
        assert!(asked.take().is_empty(), "said once");
    }
}

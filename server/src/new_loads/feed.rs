//! Where live events are numbered, kept for connections that come back, and spread to every
//! instance.
//!
//! With Redis, each filter's events are a capped stream whose ids are the SSE event ids — the same
//! on every instance, so a browser that reconnects to another instance resumes with its
//! `Last-Event-ID` — and each new event is announced on a pub/sub channel every instance listens
//! to. The filters open anywhere are a sorted set, refreshed every round by the instances that
//! have them open. Without Redis (or while it is down) all of it lives in this process.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use app::cargo::{card::CargoCard, filter::CargoFilter};
use domain::store::RedisStore;

use super::{
    event_id::EventId,
    live::{LiveEvent, LiveHub},
};

mod shared;

use shared::Shared;

/// Events kept per filter for connections that come back.
const REPLAY: usize = 50;
/// How long a filter's events are kept after its last one.
const KEPT_FOR: Duration = Duration::from_secs(600);

#[derive(Clone)]
pub enum LiveFeed {
    InProcess(Local),
    Redis(Shared),
}

/// The feed inside this process: one instance, or Redis failing.
#[derive(Clone)]
pub struct Local {
    hub: LiveHub,
    state: Arc<Mutex<LocalState>>,
}

#[derive(Default)]
struct LocalState {
    last: Option<EventId>,
    recent: HashMap<String, VecDeque<LiveEvent>>,
}

impl LiveFeed {
    pub fn in_process(hub: LiveHub) -> Self {
        Self::InProcess(Local {
            hub,
            state: Arc::default(),
        })
    }

    /// The feed through Redis; starts listening to the channel at once.
    pub fn redis(hub: LiveHub, client: redis::Client, redis: RedisStore, prefix: &str) -> Self {
        let local = Local {
            hub,
            state: Arc::default(),
        };
        Self::Redis(Shared::start(local, client, redis, prefix))
    }

    pub fn hub(&self) -> &LiveHub {
        match self {
            Self::InProcess(local) => &local.hub,
            Self::Redis(shared) => &shared.local.hub,
        }
    }

    /// Tells every instance that the filters open here are still watched, for `ttl`.
    pub async fn announce(&self, ttl: Duration) {
        if let Self::Redis(shared) = self
            && let Err(error) = shared.announce(ttl).await
        {
            tracing::warn!(%error, "the filters open here could not be announced");
        }
    }

    /// The filters open in someone's Mini App, on any instance.
    pub async fn watched(&self) -> Vec<(String, CargoFilter)> {
        match self {
            Self::InProcess(local) => local.hub.watched(),
            Self::Redis(shared) => match shared.watched().await {
                Ok(watched) => watched,
                Err(error) => {
                    tracing::warn!(%error, "the filters open elsewhere could not be read");
                    shared.local.hub.watched()
                }
            },
        }
    }

    /// Numbers a new load on `question`'s feed, keeps it for replay and sends it to everyone
    /// watching, on every instance.
    pub async fn publish(&self, question: &str, card: &CargoCard) {
        match self {
            Self::InProcess(local) => local.publish(question, card),
            Self::Redis(shared) => {
                if let Err(error) = shared.publish(question, card).await {
                    tracing::warn!(%error, "a new load went only to this instance's watchers");
                    shared.local.publish(question, card);
                }
            }
        }
    }

    /// What a connection coming back after `after` missed on `question`.
    pub async fn missed(&self, question: &str, after: EventId) -> Vec<LiveEvent> {
        match self {
            Self::InProcess(local) => local.missed(question, after),
            Self::Redis(shared) => match shared.missed(question, after).await {
                Ok(missed) => missed,
                Err(error) => {
                    tracing::warn!(%error, "missed live events could not be read");
                    shared.local.missed(question, after)
                }
            },
        }
    }
}

impl Local {
    fn publish(&self, question: &str, card: &CargoCard) {
        let event = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let now = now_ms();
            let id = match state.last {
                Some(last) if last.ms >= now => EventId {
                    ms: last.ms,
                    seq: last.seq + 1,
                },
                _ => EventId { ms: now, seq: 0 },
            };
            state.last = Some(id);
            let event = LiveEvent {
                id,
                card: card.clone(),
            };
            let recent = state.recent.entry(question.to_owned()).or_default();
            recent.push_back(event.clone());
            if recent.len() > REPLAY {
                recent.pop_front();
            }
            event
        };
        self.hub.deliver(question, event);
    }

    fn missed(&self, question: &str, after: EventId) -> Vec<LiveEvent> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .recent
            .get(question)
            .into_iter()
            .flatten()
            .filter(|event| event.id > after)
            .cloned()
            .collect()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

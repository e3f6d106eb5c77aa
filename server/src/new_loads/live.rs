//! Live new loads for drivers with the Mini App open on this instance: one channel per distinct
//! filter, fed by the [`LiveFeed`](super::feed::LiveFeed) with events numbered the same on every
//! instance.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use app::cargo::{card::CargoCard, filter::CargoFilter};
use tokio::sync::broadcast;

use super::event_id::EventId;
use crate::cargotech::UpstreamQuery;

/// How long a filter nobody watches stays announced, for a connection coming back.
const LINGER: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// The SSE event id.
    pub id: EventId,
    pub card: CargoCard,
}

struct Channel {
    filter: CargoFilter,
    watchers: usize,
    sender: broadcast::Sender<LiveEvent>,
    /// The newest event sent to this channel's watchers.
    last: Option<EventId>,
    /// When the last watcher left.
    idle_since: Option<Instant>,
}

/// Which filters are open in someone's Mini App right now, on this instance.
#[derive(Clone, Default)]
pub struct LiveHub {
    channels: Arc<Mutex<HashMap<String, Channel>>>,
    /// Set at shutdown (under the channels' lock): a connection arriving later ends at once.
    closed: Arc<AtomicBool>,
}

/// A driver's open connection; dropping it stops watching the filter when nobody else does.
pub struct Watching {
    hub: LiveHub,
    question: String,
    pub events: broadcast::Receiver<LiveEvent>,
}

impl Watching {
    pub fn question(&self) -> &str {
        &self.question
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let mut channels = self.hub.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(channel) = channels.get_mut(&self.question) {
            channel.watchers -= 1;
            if channel.watchers == 0 {
                channel.idle_since = Some(Instant::now());
            }
        }
    }
}

/// The key two drivers asking the same question share.
pub fn question(filter: &CargoFilter) -> String {
    let mut query = filter.upstream_query(20, 0);
    query.sort();
    query
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

impl LiveHub {
    /// Starts watching `filter` on this instance; once the hub is closed, the events end at once.
    pub fn watch(&self, filter: &CargoFilter) -> Watching {
        let question = question(filter);
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if self.closed.load(Ordering::Relaxed) {
            let (_, events) = broadcast::channel(1);
            return Watching {
                hub: self.clone(),
                question,
                events,
            };
        }
        let channel = channels.entry(question.clone()).or_insert_with(|| Channel {
            filter: filter.clone(),
            watchers: 0,
            sender: broadcast::channel(64).0,
            last: None,
            idle_since: None,
        });
        channel.watchers += 1;
        channel.idle_since = None;
        let events = channel.sender.subscribe();
        drop(channels);
        Watching {
            hub: self.clone(),
            question,
            events,
        }
    }

    /// Ends every open connection, and any opened later (the server is shutting down; browsers
    /// will reconnect to another instance and resume).
    pub fn close_all(&self) {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        self.closed.store(true, Ordering::Relaxed);
        channels.clear();
    }

    /// The filters someone is watching here (forgetting those nobody came back to).
    pub fn watched(&self) -> Vec<(String, CargoFilter)> {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.retain(|_, channel| channel.idle_since.is_none_or(|at| at.elapsed() < LINGER));
        channels
            .iter()
            .map(|(question, channel)| (question.clone(), channel.filter.clone()))
            .collect()
    }

    /// Sends an event to this instance's watchers of `question`, once: an event no newer than
    /// the last one sent is dropped.
    pub fn deliver(&self, question: &str, event: LiveEvent) {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        let Some(channel) = channels.get_mut(question) else {
            return;
        };
        if channel.last.is_some_and(|last| event.id <= last) {
            return;
        }
        channel.last = Some(event.id);
        let _ = channel.sender.send(event);
    }

    /// Each open filter's newest event, to catch up from.
    pub fn last_delivered(&self) -> Vec<(String, EventId)> {
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels
            .iter()
            .filter_map(|(question, channel)| Some((question.clone(), channel.last?)))
            .collect()
    }
}

//! Live new loads for drivers with the Mini App open: one channel per distinct filter, fed by
//! the detector, each event numbered so a dropped connection resumes where it left off.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use app::cargo::{card::CargoCard, filter::CargoFilter};
use tokio::sync::broadcast;

/// Events kept per filter for connections that come back.
const REPLAY: usize = 50;
/// How long a filter nobody watches keeps its events for a connection coming back.
const LINGER: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// Increasing within a filter's channel; the SSE event id.
    pub id: u64,
    pub card: CargoCard,
}

struct Channel {
    filter: CargoFilter,
    watchers: usize,
    sender: broadcast::Sender<LiveEvent>,
    recent: VecDeque<LiveEvent>,
    /// Loads already on the first page; `None` until the first look.
    seen: Option<HashSet<u64>>,
    next_id: u64,
    /// When the last watcher left.
    idle_since: Option<Instant>,
}

/// Which filters are open in someone's Mini App right now, on this instance.
#[derive(Clone, Default)]
pub struct LiveHub {
    channels: Arc<Mutex<HashMap<String, Channel>>>,
}

/// A driver's open connection; dropping it stops watching the filter when nobody else does.
pub struct Watching {
    hub: LiveHub,
    question: String,
    pub events: broadcast::Receiver<LiveEvent>,
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
    /// Starts watching; `after` (the last event id the connection saw) replays what it missed.
    pub fn watch(&self, filter: &CargoFilter, after: Option<u64>) -> (Watching, Vec<LiveEvent>) {
        let question = question(filter);
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        let channel = channels.entry(question.clone()).or_insert_with(|| Channel {
            filter: filter.clone(),
            watchers: 0,
            sender: broadcast::channel(64).0,
            recent: VecDeque::new(),
            seen: None,
            next_id: 1,
            idle_since: None,
        });
        channel.watchers += 1;
        channel.idle_since = None;
        let missed = match after {
            Some(after) => channel
                .recent
                .iter()
                .filter(|e| e.id > after)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        let events = channel.sender.subscribe();
        drop(channels);
        (
            Watching {
                hub: self.clone(),
                question,
                events,
            },
            missed,
        )
    }

    /// Ends every open connection (the server is shutting down; browsers will reconnect to
    /// another instance and resume).
    pub fn close_all(&self) {
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The filters someone is watching (forgetting those nobody came back to).
    pub fn watched(&self) -> Vec<(String, CargoFilter)> {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.retain(|_, channel| channel.idle_since.is_none_or(|at| at.elapsed() < LINGER));
        channels
            .iter()
            .filter(|(_, channel)| channel.watchers > 0)
            .map(|(question, channel)| (question.clone(), channel.filter.clone()))
            .collect()
    }

    /// A fresh first page for a watched filter: loads not seen before go out to every watcher.
    /// The first look only remembers what is there.
    pub fn offer(&self, question: &str, cards: &[CargoCard]) -> usize {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        let Some(channel) = channels.get_mut(question) else {
            return 0;
        };
        let Some(seen) = channel.seen.as_mut() else {
            channel.seen = Some(cards.iter().map(|card| card.id).collect());
            return 0;
        };
        let new: Vec<CargoCard> = cards
            .iter()
            .filter(|card| !seen.contains(&card.id))
            .cloned()
            .collect();
        seen.extend(new.iter().map(|card| card.id));
        // Oldest first, so the newest ends on top of the driver's list.
        for card in new.iter().rev() {
            let event = LiveEvent {
                id: channel.next_id,
                card: card.clone(),
            };
            channel.next_id += 1;
            channel.recent.push_back(event.clone());
            if channel.recent.len() > REPLAY {
                channel.recent.pop_front();
            }
            let _ = channel.sender.send(event);
        }
        new.len()
    }
}

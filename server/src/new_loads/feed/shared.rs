//! The feed through Redis: a capped stream per filter (its ids are the SSE ids on every
//! instance), a pub/sub channel announcing each new event, and a sorted set of the filters open
//! anywhere.

use std::{sync::Arc, time::Duration};

use app::cargo::{card::CargoCard, filter::CargoFilter};
use domain::store::RedisStore;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{EventId, KEPT_FOR, Local, REPLAY, now_ms};
use crate::new_loads::live::LiveEvent;

/// Connecting to the channel, and joining it, may take this long before another try.
const JOIN_WITHIN: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Shared {
    pub(super) local: Local,
    /// Left alone with the rest of the instance when it fails (see `RedisStore::answering`).
    redis: RedisStore,
    prefix: Arc<str>,
}

/// What travels on the pub/sub channel.
#[derive(Serialize, Deserialize)]
struct Announcement {
    question: String,
    id: String,
    card: CargoCard,
}

impl Shared {
    /// The feed through Redis, listening to the channel from now on.
    pub(super) fn start(
        local: Local,
        client: redis::Client,
        redis: RedisStore,
        prefix: &str,
    ) -> Self {
        let shared = Self {
            local,
            redis,
            prefix: prefix.into(),
        };
        shared.clone().listen(client);
        shared
    }

    fn key(&self, name: &str) -> String {
        format!("{}:live:{name}", self.prefix)
    }

    fn events_key(&self, question: &str) -> String {
        let digest = Sha256::digest(question.as_bytes());
        self.key(&format!("events:{}", hex::encode(&digest[..12])))
    }

    pub(super) async fn announce(&self, ttl: Duration) -> redis::RedisResult<()> {
        let open = self.local.hub.watched();
        if open.is_empty() {
            return Ok(());
        }
        let until = now_ms() + u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        let mut command = redis::cmd("ZADD");
        command.arg(self.key("watched"));
        for entry in &open {
            command
                .arg(until)
                .arg(serde_json::to_string(entry).unwrap_or_default());
        }
        self.redis.query(&command).await
    }

    pub(super) async fn watched(&self) -> redis::RedisResult<Vec<(String, CargoFilter)>> {
        let key = self.key("watched");
        let mut lapsed = redis::cmd("ZREMRANGEBYSCORE");
        lapsed.arg(&key).arg("-inf").arg(now_ms());
        self.redis.query::<()>(&lapsed).await?;
        let members: Vec<String> = self
            .redis
            .query(redis::cmd("ZRANGE").arg(&key).arg(0).arg(-1))
            .await?;
        Ok(members
            .iter()
            .filter_map(|member| serde_json::from_str(member).ok())
            .collect())
    }

    pub(super) async fn publish(&self, question: &str, card: &CargoCard) -> redis::RedisResult<()> {
        let stream = self.events_key(question);
        let json = serde_json::to_string(card).unwrap_or_default();
        let mut add = redis::cmd("XADD");
        add.arg(&stream)
            .arg("MAXLEN")
            .arg("~")
            .arg(REPLAY)
            .arg("*")
            .arg("card")
            .arg(&json);
        let id: String = self.redis.query(&add).await?;
        let mut expire = redis::cmd("PEXPIRE");
        expire
            .arg(&stream)
            .arg(u64::try_from(KEPT_FOR.as_millis()).unwrap_or(u64::MAX));
        self.redis.query::<()>(&expire).await?;
        let announcement = Announcement {
            question: question.to_owned(),
            id,
            card: card.clone(),
        };
        let mut publish = redis::cmd("PUBLISH");
        publish
            .arg(self.key("new"))
            .arg(serde_json::to_string(&announcement).unwrap_or_default());
        self.redis.query(&publish).await
    }

    pub(super) async fn missed(
        &self,
        question: &str,
        after: EventId,
    ) -> redis::RedisResult<Vec<LiveEvent>> {
        let mut range = redis::cmd("XRANGE");
        range
            .arg(self.events_key(question))
            .arg(format!("({after}"))
            .arg("+");
        let entries: Vec<(String, Vec<String>)> = self.redis.query(&range).await?;
        Ok(entries
            .into_iter()
            .filter_map(|(id, fields)| {
                let card = fields.get(1)?;
                Some(LiveEvent {
                    id: id.parse().ok()?,
                    card: serde_json::from_str(card).ok()?,
                })
            })
            .collect())
    }

    /// Listens to the channel for as long as the server runs, reconnecting after a failure;
    /// after a reconnection, each open filter catches up on what it missed meanwhile.
    fn listen(self, client: redis::Client) {
        tokio::spawn(async move {
            let channel = self.key("new");
            let mut dropped = false;
            loop {
                if let Some(pubsub) = join(&client, &channel).await {
                    if dropped {
                        self.catch_up().await;
                    }
                    let mut messages = pubsub.into_on_message();
                    while let Some(message) = messages.next().await {
                        self.arrived(message.get_payload_bytes());
                    }
                    tracing::warn!("the live channel dropped; listening again");
                }
                dropped = true;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    fn arrived(&self, payload: &[u8]) {
        let Ok(announcement) = serde_json::from_slice::<Announcement>(payload) else {
            return;
        };
        let Ok(id) = announcement.id.parse() else {
            return;
        };
        self.local.hub.deliver(
            &announcement.question,
            LiveEvent {
                id,
                card: announcement.card,
            },
        );
    }

    async fn catch_up(&self) {
        for (question, last) in self.local.hub.last_delivered() {
            if let Ok(missed) = self.missed(&question, last).await {
                for event in missed {
                    self.local.hub.deliver(&question, event);
                }
            }
        }
    }
}

/// Connects to Redis and joins `channel`, each within `JOIN_WITHIN`.
async fn join(client: &redis::Client, channel: &str) -> Option<redis::aio::PubSub> {
    let mut pubsub = match tokio::time::timeout(JOIN_WITHIN, client.get_async_pubsub()).await {
        Ok(Ok(pubsub)) => pubsub,
        Ok(Err(error)) => {
            tracing::debug!(%error, "Redis is not answering the live channel");
            return None;
        }
        Err(_) => {
            tracing::debug!("connecting to the live channel timed out");
            return None;
        }
    };
    match tokio::time::timeout(JOIN_WITHIN, pubsub.subscribe(channel)).await {
        Ok(Ok(())) => Some(pubsub),
        Ok(Err(error)) => {
            tracing::warn!(%error, "the live channel cannot be joined");
            None
        }
        Err(_) => {
            tracing::warn!("joining the live channel timed out");
            None
        }
    }
}

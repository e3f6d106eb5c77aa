//! The outbox worker: sends queued messages within Telegram's limits (30 a second overall, one a
//! second per chat), waits out `429`s, backs off while Telegram is down, and never retries a chat
//! that refuses for good. Each message is claimed before sending, so with several instances it
//! goes out from one only. Messages are claimed one at a time, so a claim (a minute) always
//! outlives the send it covers (ten seconds at most, plus a second's wait for the rate limits).
//!
//! A send that cannot be recorded (the database is down) is kept here and recorded before
//! anything new is claimed; the queue has noted a delivered message in the store first, so even
//! if this instance dies meanwhile, whoever claims the message next records it without sending
//! it again.
//!
//! Told to stop, it finishes the message in hand (sent and marked) and lets go of the rest of its
//! batch, so another instance sends them at once instead of after the claim lapses.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use chrono::Utc;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{
    client::{BotApi, BotError},
    queue::{Outcome, Pending, Queue},
};

const BATCH: u64 = 1;
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Wakes the worker when a message is queued, so it goes out at once rather than at the next poll.
#[derive(Clone, Default)]
pub struct Doorbell(Arc<Notify>);

impl Doorbell {
    pub fn ring(&self) {
        self.0.notify_one();
    }
}

pub struct Delivery<Q> {
    queue: Q,
    api: BotApi,
    doorbell: Doorbell,
    overall: DefaultDirectRateLimiter,
    per_chat: DefaultKeyedRateLimiter<i64>,
    /// How sends went that the queue could not record yet, oldest first.
    unrecorded: Vec<(i64, i64, Outcome)>,
}

impl<Q: Queue> Delivery<Q> {
    pub fn new(queue: Q, api: BotApi, doorbell: Doorbell) -> Self {
        let per_second = |n| Quota::per_second(NonZeroU32::new(n).expect("non-zero"));
        Self {
            queue,
            api,
            doorbell,
            overall: RateLimiter::direct(per_second(30)),
            per_chat: RateLimiter::keyed(per_second(1)),
            unrecorded: Vec::new(),
        }
    }

    /// Sends until `stop` is cancelled.
    pub async fn run(mut self, stop: CancellationToken) {
        while !stop.is_cancelled() {
            let sent = self.round(&stop).await;
            if sent == 0 {
                let idle = async {
                    tokio::select! {
                        () = self.doorbell.0.notified() => {},
                        () = tokio::time::sleep(IDLE_POLL) => {},
                    }
                };
                stop.run_until_cancelled(idle).await;
            }
        }
        if !self.record_left_over().await {
            tracing::warn!(
                count = self.unrecorded.len(),
                "sends not recorded at stop: the store's marks keep them from going out again"
            );
        }
    }

    /// One batch of due messages; returns how many were handled.
    async fn round(&mut self, stop: &CancellationToken) -> usize {
        if !self.record_left_over().await {
            return 0;
        }
        let due = match self.queue.claim(BATCH).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "the outbox could not be read");
                return 0;
            }
        };
        for (handled, message) in due.iter().enumerate() {
            let ready = async {
                self.per_chat.until_key_ready(&message.chat_id).await;
                self.overall.until_ready().await;
            };
            if stop.run_until_cancelled(ready).await.is_none() {
                self.let_go(&due[handled..]).await;
                return handled;
            }
            let outcome = self.deliver(message).await;
            if let Err(error) = self
                .queue
                .settle(message.id, message.chat_id, outcome.clone())
                .await
            {
                tracing::warn!(outbox_id = message.id, %error, "a send could not be recorded yet; it is recorded when the outbox answers again");
                self.unrecorded.push((message.id, message.chat_id, outcome));
            }
        }
        due.len()
    }

    /// Records the sends the queue could not take before; `false` while it still cannot.
    async fn record_left_over(&mut self) -> bool {
        while let Some((id, chat_id, outcome)) = self.unrecorded.first().cloned() {
            if let Err(error) = self.queue.settle(id, chat_id, outcome).await {
                tracing::debug!(outbox_id = id, %error, "a send is still not recorded");
                return false;
            }
            self.unrecorded.remove(0);
        }
        true
    }

    /// Gives claimed messages back unsent, for any instance to send.
    async fn let_go(&self, unsent: &[Pending]) {
        let ids: Vec<i64> = unsent.iter().map(|message| message.id).collect();
        if let Err(error) = self.queue.release(&ids).await {
            tracing::warn!(%error, count = ids.len(), "claimed messages could not be given back; their claims lapse by themselves");
        }
    }

    async fn deliver(&self, message: &Pending) -> Outcome {
        match self.api.call("sendMessage", &message.payload).await {
            Ok(_) => {
                metrics::counter!("bot_messages_sent_total").increment(1);
                Outcome::Sent
            }
            Err(error) if error.is_final() => {
                metrics::counter!("bot_messages_undeliverable_total").increment(1);
                tracing::info!(outbox_id = message.id, %error, "a bot message cannot be delivered");
                Outcome::Undeliverable {
                    blocked: matches!(error, BotError::Unreachable(_)),
                    error: error.to_string(),
                }
            }
            Err(error) => {
                let wait = match error {
                    BotError::RetryAfter(wait) => wait,
                    _ => backoff(message.attempts),
                };
                tracing::warn!(outbox_id = message.id, %error, ?wait, "a bot message will be retried");
                Outcome::Retry {
                    at: Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
                    error: error.to_string(),
                }
            }
        }
    }
}

/// 2, 4, 8 … seconds, at most ten minutes.
fn backoff(attempts: i32) -> Duration {
    Duration::from_secs(
        2u64.saturating_pow(attempts.clamp(0, 30) as u32 + 1)
            .min(600),
    )
}

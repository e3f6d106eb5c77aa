//! Notifications as YooKassa sends them: a `payment.*` or `refund.*` event POSTed to Hauler in the
//! background, tried again until Hauler answers 200, every attempt kept for tests to inspect.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use super::{SandboxYooKassa, now};

/// How long one delivery may take before it counts as failed.
pub(super) const TIMEOUT: Duration = Duration::from_secs(5);
/// YooKassa keeps trying for a day; the stand-in tries a few times, quickly, so tests stay short.
const ATTEMPTS: u32 = 5;
const PAUSE: Duration = Duration::from_millis(200);

/// One attempt to deliver a notification, as `GET /__sandbox/notifications` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub event: String,
    pub object_id: String,
    /// 1 for the first try.
    pub attempt: u32,
    /// The receiver's HTTP status, when it answered at all.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub at: String,
}

impl SandboxYooKassa {
    /// POSTs the notification in the background, retrying until the receiver answers 200.
    pub(super) fn notify(&self, event: &'static str, object: Value) {
        let sandbox = self.clone();
        tokio::spawn(async move {
            let object_id = object["id"].as_str().unwrap_or_default().to_owned();
            let body = json!({"type": "notification", "event": event, "object": object});
            for attempt in 1..=ATTEMPTS {
                if attempt > 1 {
                    tokio::time::sleep(PAUSE).await;
                }
                let outcome = sandbox
                    .http
                    .post(&sandbox.notify_url)
                    .json(&body)
                    .send()
                    .await;
                let (status, error) = match &outcome {
                    Ok(response) => (Some(response.status().as_u16()), None),
                    Err(error) => (None, Some(error.to_string())),
                };
                sandbox.lock().deliveries.push(Delivery {
                    event: event.to_owned(),
                    object_id: object_id.clone(),
                    attempt,
                    status,
                    error,
                    at: now(),
                });
                if status == Some(200) {
                    return;
                }
            }
            tracing::warn!(event, object_id, "the sandbox YooKassa gave up notifying");
        });
    }
}

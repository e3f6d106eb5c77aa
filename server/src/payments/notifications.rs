//! YooKassa's notifications (`POST /api/v1/payments/yookassa/notifications`). Only senders inside
//! the allowed ranges are heard; what they say is recorded with its raw body and then used only
//! as a hint: the payment is re-read from YooKassa's API and settled from that answer. YooKassa
//! repeats a notification for a day until it gets `200`, so everything here is idempotent.

use std::net::IpAddr;

use domain::payments::{self, Event};
use serde::Deserialize;

use super::Billing;

#[derive(Debug, thiserror::Error)]
pub enum NotificationRefusal {
    #[error("the sender {0} is outside the allowed ranges")]
    Forbidden(IpAddr),
    #[error("the body is not a YooKassa notification")]
    Malformed,
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

#[derive(Debug, Deserialize)]
struct Notification {
    #[serde(rename = "type")]
    kind: String,
    event: String,
    object: NotifiedObject,
}

#[derive(Debug, Deserialize)]
struct NotifiedObject {
    id: String,
    /// Refunds name their payment.
    payment_id: Option<String>,
}

impl Billing {
    /// Records the notification durably, then settles its payment in the background, so the
    /// sender gets its `200` at once.
    pub async fn receive_notification(
        &self,
        sender: IpAddr,
        body: &[u8],
    ) -> Result<(), NotificationRefusal> {
        if !self.gate.allows(sender) {
            tracing::warn!(%sender, "a payment notification from outside the allowed ranges was refused");
            return Err(NotificationRefusal::Forbidden(sender));
        }
        let remote = sender.to_string();
        let raw = String::from_utf8_lossy(body);
        let notification = serde_json::from_slice::<Notification>(body)
            .ok()
            .filter(|notification| notification.kind == "notification");
        let Some(notification) = notification else {
            payments::record_event(
                &self.db,
                Event {
                    payment_id: None,
                    kind: "notification.malformed",
                    detail: &raw,
                    remote_addr: Some(&remote),
                    suspicious: true,
                },
            )
            .await?;
            return Err(NotificationRefusal::Malformed);
        };
        let provider_id = match notification.event.as_str() {
            event if event.starts_with("refund.") => notification.object.payment_id.clone(),
            _ => Some(notification.object.id.clone()),
        };
        let ours = match &provider_id {
            Some(id) => payments::by_provider_id(&self.db, id).await?,
            None => None,
        };
        payments::record_event(
            &self.db,
            Event {
                payment_id: ours.as_ref().map(|payment| payment.id),
                kind: &format!("notification.{}", notification.event),
                detail: &raw,
                remote_addr: Some(&remote),
                suspicious: ours.is_none(),
            },
        )
        .await?;
        match (ours, notification.event.as_str()) {
            (
                Some(payment),
                "payment.succeeded" | "payment.canceled" | "payment.waiting_for_capture",
            ) => {
                let billing = self.clone();
                tokio::spawn(async move { billing.refresh(&payment).await });
            }
            (Some(payment), event) if event.starts_with("refund.") => {
                let billing = self.clone();
                let refund_id = notification.object.id.clone();
                tokio::spawn(async move { billing.reconcile_refunds(&payment, &refund_id).await });
            }
            (_, event) => tracing::info!(event, "a payment notification was recorded"),
        }
        Ok(())
    }
}

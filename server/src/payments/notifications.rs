//! YooKassa's notifications (`POST /api/v1/payments/yookassa/notifications`). Only senders inside
//! the allowed ranges are heard; what they say is recorded with its raw body and then used only
//! as a hint: the payment is re-read from YooKassa's API and settled from that answer. YooKassa
//! repeats a notification for a day until it gets `200`, so everything here is idempotent.

use std::net::IpAddr;

use domain::{
    autopay,
    payments::{self, Event},
};
use serde::Deserialize;

use super::{Billing, settlement::META_PAYMENT};

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
    /// Hauler's own metadata on a payment (`hauler_payment_id`…).
    #[serde(default)]
    metadata: Option<serde_json::Value>,
}

impl Notification {
    /// The body as a YooKassa notification (`"type": "notification"`, an event, an object with
    /// its id), or `Malformed`.
    fn read(body: &[u8]) -> Result<Self, NotificationRefusal> {
        serde_json::from_slice::<Notification>(body)
            .ok()
            .filter(|notification| notification.kind == "notification")
            .ok_or(NotificationRefusal::Malformed)
    }
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
        let Ok(notification) = Notification::read(body) else {
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
        // A renewal charged at once may be notified before its id is recorded: expected, not
        // suspicious, and settled from the charge's own answer.
        let in_flight = match &ours {
            None => self.renewal_in_flight(&notification.object).await?,
            Some(_) => None,
        };
        payments::record_event(
            &self.db,
            Event {
                payment_id: ours
                    .as_ref()
                    .or(in_flight.as_ref())
                    .map(|payment| payment.id),
                kind: &format!("notification.{}", notification.event),
                detail: &raw,
                remote_addr: Some(&remote),
                suspicious: ours.is_none() && in_flight.is_none(),
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

impl Billing {
    /// The renewal a notification names in its metadata, while Hauler has not yet recorded
    /// YooKassa's id for it.
    async fn renewal_in_flight(
        &self,
        object: &NotifiedObject,
    ) -> Result<Option<payments::Payment>, sea_orm::DbErr> {
        let named = object
            .metadata
            .as_ref()
            .and_then(|metadata| metadata.get(META_PAYMENT))
            .and_then(serde_json::Value::as_str)
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0);
        let Some(id) = named else {
            return Ok(None);
        };
        Ok(payments::by_id(&self.db, id.into())
            .await?
            .filter(|payment| {
                payment.provider_payment_id.is_none()
                    && autopay::is_renewal(&payment.idempotence_key)
            }))
    }
}

#[cfg(test)]
mod generated {
    //! Notification bodies, generated: any bytes at all, and bodies shaped like YooKassa's with
    //! every value free to be wrong. Reading never panics, and what is not a notification is
    //! `Malformed` (recorded raw as suspicious by the caller).

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::outside_input::{any_json, object_with};

    fn shaped() -> impl Strategy<Value = Value> {
        (
            prop_oneof![Just(Value::from("notification")), any_json()],
            prop_oneof![
                Just(Value::from("payment.succeeded")),
                Just(Value::from("refund.succeeded")),
                any_json()
            ],
            object_with(&["id", "payment_id", "status", "amount"]),
        )
            .prop_map(
                |(kind, event, object)| json!({"type": kind, "event": event, "object": object}),
            )
    }

    proptest! {
        #[test]
        fn any_bytes_are_a_notification_or_malformed(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Err(refusal) = Notification::read(&bytes) {
                prop_assert!(matches!(refusal, NotificationRefusal::Malformed));
            }
        }

        #[test]
        fn a_body_shaped_like_yookassas_is_taken_exactly_when_it_is_one(body in shaped()) {
            let bytes = serde_json::to_vec(&body).unwrap();
            let is_one = body["type"] == "notification"
                && body["event"].is_string()
                && body["object"]["id"].is_string()
                && (body["object"]["payment_id"].is_null() || body["object"]["payment_id"].is_string());
            match Notification::read(&bytes) {
                Ok(notification) => {
                    prop_assert!(is_one);
                    prop_assert_eq!(Some(notification.object.id.as_str()), body["object"]["id"].as_str());
                }
                Err(refusal) => {
                    prop_assert!(!is_one);
                    prop_assert!(matches!(refusal, NotificationRefusal::Malformed));
                }
            }
        }
    }
}

//! Settling a payment from what YooKassa says when asked (never from what a notification claims):
//! status, amount, currency and Hauler's own metadata must all match the payment Hauler created.
//! A match moves the payment out of `pending` once and grants its days once; anything else is
//! recorded as suspicious and changes nothing.

use app::subscription::PaymentStatus;
use chrono::{DateTime, Utc};
use domain::{
    DriverId, PaymentId,
    access::{self, Grant, GrantSource},
    autopay,
    cabinet::passes,
    drivers, outbox,
    payments::{self, Event, Payment},
    promo,
};

use super::{Billing, BillingError, yookassa};
use crate::bot::messages;

/// Metadata keys Hauler puts on every YooKassa payment.
pub const META_PAYMENT: &str = "hauler_payment_id";
pub const META_DRIVER: &str = "hauler_driver_id";
pub const META_PLAN: &str = "hauler_plan_id";
pub const META_PROMO: &str = "hauler_promo_code";

impl Billing {
    /// Acts on YooKassa's own answer about `ours`. Returns the payment's status afterwards.
    pub(super) async fn settle_from_provider(
        &self,
        ours: &Payment,
        theirs: &yookassa::Payment,
        remote_addr: Option<&str>,
    ) -> Result<PaymentStatus, BillingError> {
        if let Some(mismatch) = mismatch(ours, theirs) {
            payments::record_event(
                &self.db,
                Event {
                    payment_id: Some(ours.id),
                    kind: "mismatch",
                    detail: &format!(
                        "{mismatch}; YooKassa says: {}",
                        serde_json::to_string(theirs).unwrap_or_default()
                    ),
                    remote_addr,
                    suspicious: true,
                },
            )
            .await?;
            return Ok(status_of(ours));
        }
        match theirs.status.as_str() {
            "succeeded" if theirs.paid => {
                // Access and the card first, so that whoever sees the payment succeeded sees
                // both. Access is keyed by the payment, so it lands exactly once (also after a
                // lost race or a crash). A purchase still pending keeps the card it saved (two
                // deliveries at once keep the same card; one after the payment settled, nothing);
                // a renewal charged the card autopay already holds.
                self.grant_for_payment(ours).await?;
                if status_of(ours) == PaymentStatus::Pending
                    && !autopay::is_renewal(&ours.idempotence_key)
                {
                    self.keep_card(ours, theirs).await?;
                }
                if payments::settle(&self.db, ours.id, PaymentStatus::Succeeded).await? {
                    self.note_status(ours.id, "status.succeeded", remote_addr)
                        .await?;
                }
                Ok(PaymentStatus::Succeeded)
            }
            "canceled" => {
                if payments::settle(&self.db, ours.id, PaymentStatus::Canceled).await? {
                    self.note_status(ours.id, "status.canceled", remote_addr)
                        .await?;
                    if let Some(promo_id) = ours.promo_code_id {
                        promo::give_back(&self.db, promo_id, ours.driver_id).await?;
                    }
                    if autopay::is_renewal(&ours.idempotence_key) {
                        let reason = theirs.cancellation_reason.as_deref().unwrap_or("canceled");
                        self.renewal_declined(ours, reason).await?;
                    } else {
                        self.tell_payment_failed(ours).await;
                    }
                }
                Ok(PaymentStatus::Canceled)
            }
            _ => Ok(status_of(ours)),
        }
    }

    async fn note_status(
        &self,
        payment_id: PaymentId,
        kind: &str,
        remote_addr: Option<&str>,
    ) -> Result<(), BillingError> {
        payments::record_event(
            &self.db,
            Event {
                payment_id: Some(payment_id),
                kind,
                detail: "",
                remote_addr,
                suspicious: false,
            },
        )
        .await?;
        Ok(())
    }

    /// Grants a succeeded payment's days (once, keyed by the payment) and tells the driver; a
    /// cabinet pass's payment starts the pass instead (once as well). Returns when either ends.
    pub(super) async fn grant_for_payment(
        &self,
        payment: &Payment,
    ) -> Result<DateTime<Utc>, BillingError> {
        if let Some(pass) = passes::start_for_payment(&self.db, &self.store, payment.id).await? {
            return Ok(pass.expires_at.unwrap_or_else(Utc::now));
        }
        let reference = format!("payment:{}", payment.id);
        let granted = access::grant(
            &self.db,
            &self.store,
            Grant {
                driver_id: payment.driver_id,
                source: GrantSource::Payment,
                source_ref: reference.clone(),
                days: payment.days,
                granted_by: "system:payments".into(),
            },
        )
        .await?;
        if let access::Granted::Applied { ends_at } = granted {
            self.tell_access_granted(payment.driver_id, GrantSource::Payment, ends_at, &reference)
                .await;
        }
        Ok(granted.ends_at())
    }

    /// The bot's word on a payment that did not go through.
    async fn tell_payment_failed(&self, payment: &Payment) {
        let link = self.bot.link.clone();
        self.tell_driver(
            payment.driver_id,
            format!("payment-failed:{}", payment.id),
            move |chat_id, language| messages::payment_failed(chat_id, language, &link),
        )
        .await;
    }

    /// The bot's word on new access, keyed by the grant's reference so it is sent once.
    pub(crate) async fn tell_access_granted(
        &self,
        driver_id: DriverId,
        source: GrantSource,
        ends_at: DateTime<Utc>,
        reference: &str,
    ) {
        let link = self.bot.link.clone();
        self.tell_driver(
            driver_id,
            format!("access:{reference}"),
            move |chat_id, language| {
                messages::access_granted(chat_id, source, ends_at, language, &link)
            },
        )
        .await;
    }

    /// Queues a message for the driver (once per `dedupe_key`) and wakes the outbox. A failure
    /// to queue is logged, never passed on: what the message tells of has already happened.
    pub(super) async fn tell_driver(
        &self,
        driver_id: DriverId,
        dedupe_key: String,
        message: impl FnOnce(i64, Option<&str>) -> serde_json::Value,
    ) {
        let queued = async {
            let Some(driver) = drivers::by_id(&self.db, driver_id).await? else {
                return Ok(false);
            };
            outbox::enqueue(
                &self.db,
                outbox::Outgoing {
                    chat_id: driver.telegram_id,
                    dedupe_key,
                    payload: message(driver.telegram_id, driver.language_code.as_deref()),
                },
            )
            .await
        };
        match queued.await {
            Ok(true) => self.bot.doorbell.ring(),
            Ok(false) => {}
            Err(error) => {
                tracing::error!(%error, driver_id = i64::from(driver_id), "a message to the driver could not be queued")
            }
        }
    }
}

fn status_of(payment: &Payment) -> PaymentStatus {
    PaymentStatus::parse(&payment.status).unwrap_or(PaymentStatus::Pending)
}

/// Why YooKassa's payment is not the one Hauler created, if it is not.
fn mismatch(ours: &Payment, theirs: &yookassa::Payment) -> Option<String> {
    let meta = |key: &str| theirs.metadata.get(key).map(String::as_str);
    if ours.provider_payment_id.as_deref() != Some(theirs.id.as_str()) {
        return Some("the provider's payment id differs".into());
    }
    if meta(META_PAYMENT) != Some(ours.id.to_string().as_str())
        || meta(META_DRIVER) != Some(ours.driver_id.to_string().as_str())
    {
        return Some("the metadata names another payment or driver".into());
    }
    if theirs.currency != ours.currency {
        return Some(format!("the currency is {}", theirs.currency));
    }
    if i64::try_from(theirs.amount_kopecks).ok() != Some(ours.amount) {
        return Some(format!(
            "the amount is {} kopecks, not {}",
            theirs.amount_kopecks, ours.amount
        ));
    }
    None
}

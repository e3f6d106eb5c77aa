//! Refunds, in full or in part: the money goes back through YooKassa and the driver's access is
//! shortened in proportion. Each refund is applied once, keyed by YooKassa's refund id, whether
//! Hauler asked for it or only heard of it in a notification (a refund made in YooKassa's own
//! dashboard).

use app::subscription::PaymentStatus;
use chrono::{DateTime, Utc};
use domain::{
    PaymentId,
    access::{self, Grant, GrantSource},
    audit::{self, AuditEntry},
    cabinet::passes,
    payments::{self, Event, Payment},
};
use serde::Serialize;

use super::{Billing, BillingError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RefundOutcome {
    pub refund_id: String,
    pub amount_kopecks: u64,
    /// Everything refunded on this payment so far.
    pub refunded_kopecks: u64,
    /// The driver's access ends then now (RFC 3339).
    pub access_until: String,
}

impl Billing {
    /// Refunds `amount_kopecks` of a succeeded YooKassa payment (everything not yet refunded when
    /// `None`); a Stars payment is refunded whole, as Telegram refunds charges.
    pub async fn refund(
        &self,
        payment_id: PaymentId,
        amount_kopecks: Option<u64>,
        actor: &str,
    ) -> Result<RefundOutcome, BillingError> {
        let payment = payments::by_id(&self.db, payment_id)
            .await?
            .ok_or(BillingError::PaymentNotFound)?;
        if payment.status != PaymentStatus::Succeeded.as_str() {
            return Err(BillingError::NotRefundable);
        }
        let (refund_id, amount) = match payment.provider.as_str() {
            payments::YOOKASSA => self.refund_yookassa(&payment, amount_kopecks).await?,
            payments::STARS => self.refund_stars(&payment, amount_kopecks).await?,
            _ => return Err(BillingError::NotRefundable),
        };
        let access_until = self.apply_refund(&payment, &refund_id, amount).await?;
        audit::record(
            &self.db,
            AuditEntry {
                actor,
                action: "payment.refunded",
                object: Some(&format!("payment:{}", payment.id)),
                details: Some(serde_json::json!({
                    "refund_id": refund_id,
                    "amount_kopecks": amount,
                })),
                client_addr: None,
            },
        )
        .await;
        // This refund counts even when its notification, applying it at the same moment, has
        // not yet written the money down.
        let counted = payments::by_id(&self.db, payment.id)
            .await?
            .map_or(0, |payment| payment.refunded.max(0) as u64);
        let refunded = counted.max(payment.refunded.max(0) as u64 + amount);
        Ok(RefundOutcome {
            refund_id,
            amount_kopecks: amount,
            refunded_kopecks: refunded,
            access_until: access_until.to_rfc3339(),
        })
    }

    async fn refund_yookassa(
        &self,
        payment: &Payment,
        amount_kopecks: Option<u64>,
    ) -> Result<(String, u64), BillingError> {
        let (Some(yookassa), Some(provider_id)) = (
            self.shop.client().await,
            payment.provider_payment_id.as_deref(),
        ) else {
            return Err(BillingError::NotRefundable);
        };
        let left = (payment.amount - payment.refunded).max(0) as u64;
        let amount = amount_kopecks.unwrap_or(left);
        if amount == 0 || amount > left {
            return Err(BillingError::RefundAmount { left });
        }
        // The same request made again (a double click, a retry) is the same refund at YooKassa.
        let key = format!("refund-{}-{}-{amount}", payment.id, payment.refunded);
        let refund = yookassa.create_refund(&key, provider_id, amount).await?;
        Ok((refund.id, amount))
    }

    /// Takes back the refunded share of the payment's days (a cabinet pass it bought is
    /// revoked) and counts the money, once per refund id. Returns when the driver's access ends now.
    pub(super) async fn apply_refund(
        &self,
        payment: &Payment,
        refund_id: &str,
        amount: u64,
    ) -> Result<DateTime<Utc>, BillingError> {
        // A refunded cabinet pass ends: its hours are not split.
        if let Some(pass) = passes::for_payment(&self.db, payment.id).await? {
            passes::revoke(&self.db, &self.store, pass.id, "system:refund").await?;
        }
        let days = days_to_take_back(payment, amount);
        let granted = access::grant(
            &self.db,
            &self.store,
            Grant {
                driver_id: payment.driver_id,
                source: GrantSource::Refund,
                source_ref: format!("refund:{refund_id}"),
                days: -days,
                granted_by: "system:payments".into(),
            },
        )
        .await?;
        if let access::Granted::Applied { ends_at } = granted {
            payments::add_refund(&self.db, payment.id, amount).await?;
            payments::record_event(
                &self.db,
                Event {
                    payment_id: Some(payment.id),
                    kind: "refund.succeeded",
                    detail: &format!(
                        "refund {refund_id}: {amount} kopecks, {days} days taken back"
                    ),
                    remote_addr: None,
                    suspicious: false,
                },
            )
            .await?;
            self.tell_access_granted(
                payment.driver_id,
                GrantSource::Refund,
                ends_at,
                &format!("refund:{refund_id}"),
            )
            .await;
        }
        Ok(granted.ends_at())
    }

    /// A refund YooKassa told of (made by Hauler or in YooKassa's dashboard): fetched from
    /// YooKassa, as a notification proves nothing, and applied for its own amount under its id.
    pub(super) async fn reconcile_refunds(&self, payment: &Payment, refund_id: &str) {
        let Some(yookassa) = self.shop.client().await else {
            return;
        };
        let outcome = async {
            let theirs = yookassa.refund(refund_id).await?;
            let ours = payment.provider_payment_id.as_deref() == Some(theirs.payment_id.as_str());
            if ours && theirs.status == "succeeded" {
                self.apply_refund(payment, refund_id, theirs.amount_kopecks)
                    .await?;
            }
            Ok::<_, BillingError>(())
        };
        if let Err(error) = outcome.await {
            tracing::warn!(%error, payment_id = i64::from(payment.id), "a refund could not be reconciled");
        }
    }
}

/// The share of the payment's days the refunded share of its money bought, rounded to the
/// nearest day; all of them for a full refund.
fn days_to_take_back(payment: &Payment, amount: u64) -> i32 {
    let total = payment.amount.max(1) as u64;
    let days = payment.days.max(0) as u64;
    let share = (days * amount.min(total) + total / 2) / total;
    i32::try_from(share).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid(amount: i64, days: i32) -> Payment {
        Payment {
            id: 1.into(),
            driver_id: 1.into(),
            plan_id: 1.into(),
            provider: payments::YOOKASSA.into(),
            provider_payment_id: Some("p".into()),
            idempotence_key: "k".into(),
            amount,
            currency: "RUB".into(),
            days,
            status: "succeeded".into(),
            promo_code_id: None,
            confirmation_url: None,
            refunded: 0,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_refund_takes_back_the_days_its_money_bought() {
        assert_eq!(days_to_take_back(&paid(199_000, 30), 199_000), 30);
        assert_eq!(days_to_take_back(&paid(199_000, 30), 99_500), 15);
        assert_eq!(days_to_take_back(&paid(199_000, 30), 10_000), 2);
        assert_eq!(days_to_take_back(&paid(69_000, 7), 100), 0);
    }
}

//! The renewal job: one instance at a time (a lease, as for the other jobs) looks for drivers
//! with autopay on whose access ends soon. A day before each charge the bot warns them (through
//! the outbox, held for their quiet hours); `charge_before_end` before access ends the saved card
//! is charged. A charge is one payment per period, keyed by the driver and the end date it
//! extends, and that key is YooKassa's `Idempotence-Key` too: a renewal run twice, by two
//! instances or again after a crash, charges once. The days bought count from the end of those
//! already paid, so charging early loses nothing; a declined charge changes no end date at all.

use std::{collections::BTreeMap, time::Duration};

use chrono::{DateTime, Utc};
use domain::{
    DriverId,
    autopay::{self, Autopay},
    drivers, outbox,
    payments::{self, NewPayment},
    plans::{self, Subscriptions},
    profiles,
};
use sea_orm::DbErr;
use tokio_util::sync::CancellationToken;

use super::{
    Billing, BillingError,
    settlement::{META_DRIVER, META_PAYMENT, META_PLAN},
    yookassa::{self, PayBy, YooKassaError},
};
use crate::bot::messages::{self, Renewal};

const LEASE: &str = "lease:autopay-renewals";

/// How long before each charge the bot warns.
pub const WARN_BEFORE_CHARGE: chrono::Duration = chrono::Duration::days(1);

/// What became of one period's renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewed {
    /// The card was charged and the days granted (now, or by an earlier try).
    Charged,
    /// The bank declined (now or before): autopay is off, the days paid stay.
    Declined,
    /// YooKassa has not settled it yet (or could not be reached): the next round asks again
    /// with the same key.
    Pending,
    /// Nothing to renew with (autopay off, no card, or the plan withdrawn).
    Skipped,
}

impl Billing {
    /// Every `every`, until `stop` is cancelled.
    pub async fn run_renewals(self, every: Duration, stop: CancellationToken) {
        let holder = format!("{:016x}", rand::random::<u64>());
        while stop
            .run_until_cancelled(tokio::time::sleep(every))
            .await
            .is_some()
        {
            let lease = every * 3 + Duration::from_secs(5);
            if !self.store.hold_lease(LEASE, &holder, lease).await {
                continue;
            }
            if let Err(error) = self.renew_due(Utc::now(), &stop).await {
                tracing::warn!(%error, "autopay renewals could not run");
            }
        }
        self.store.release_lease(LEASE, &holder).await;
    }

    /// One round at `now`: the warnings due, then the charges due, soonest end first.
    pub async fn renew_due(
        &self,
        now: DateTime<Utc>,
        stop: &CancellationToken,
    ) -> Result<(), DbErr> {
        let horizon = now + self.charge_before_end + WARN_BEFORE_CHARGE;
        for (row, ends_at) in autopay::ending_by(&self.db, horizon).await? {
            if stop.is_cancelled() {
                break;
            }
            let charge_at = ends_at - self.charge_before_end;
            if let Err(error) = self.warn(&row, ends_at, charge_at, now).await {
                tracing::warn!(%error, driver_id = row.driver_id, "an autopay warning could not be queued");
            }
            if now < charge_at {
                continue;
            }
            if let Err(error) = self.renew(row.driver_id.into(), ends_at).await {
                tracing::warn!(%error, driver_id = row.driver_id, "a renewal did not go through; the next round tries again");
            }
        }
        Ok(())
    }

    /// Queues the warning for this period once, held until the driver's quiet hours end.
    async fn warn(
        &self,
        row: &Autopay,
        ends_at: DateTime<Utc>,
        charge_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let driver_id = DriverId::from(row.driver_id);
        let (Some(driver), Some(plan)) = (
            drivers::by_id(&self.db, driver_id).await?,
            plans::on_sale_by_id::<Subscriptions>(&self.db, row.plan_id).await?,
        ) else {
            return Ok(());
        };
        let profile = profiles::get(&self.db, driver_id)
            .await?
            .unwrap_or_default();
        let language = profile
            .language
            .as_deref()
            .or(driver.language_code.as_deref());
        let not_before = profiles::quiet_until(&profile, now);
        let renewal = Renewal {
            charge_at: charge_at.max(now),
            price_kopecks: plan.price_kopecks,
            days: plan.days,
            card: row.card_title.as_deref(),
        };
        let fresh = outbox::enqueue_held(
            &self.db,
            outbox::Outgoing {
                chat_id: driver.telegram_id,
                dedupe_key: format!("autopay-warning:{driver_id}:{}", ends_at.timestamp()),
                payload: messages::autopay_warning(
                    driver.telegram_id,
                    &renewal,
                    language,
                    &self.bot.link,
                ),
            },
            not_before.unwrap_or(now),
        )
        .await?;
        if fresh && not_before.is_none() {
            self.bot.doorbell.ring();
        }
        Ok(())
    }

    /// Renews the period ending at `ends_at` with the saved card, once however often it is
    /// asked: the payment under the period's key is found, not made again, and YooKassa answers
    /// a repeated key with the charge it made the first time.
    pub async fn renew(
        &self,
        driver_id: DriverId,
        ends_at: DateTime<Utc>,
    ) -> Result<Renewed, BillingError> {
        let Some(row) = autopay::get(&self.db, driver_id).await? else {
            return Ok(Renewed::Skipped);
        };
        let key = autopay::renewal_key(driver_id, ends_at);
        let earlier = payments::by_idempotence_key(&self.db, &key).await?;
        // The card charges only while autopay is on; a try begun before it went off still settles.
        let method = row
            .payment_method_id
            .clone()
            .filter(|_| row.state == autopay::ON);
        if method.is_none() && earlier.is_none() {
            return Ok(Renewed::Skipped);
        }
        let Some(plan) = plans::on_sale_by_id::<Subscriptions>(&self.db, row.plan_id).await? else {
            // Nothing to renew: autopay goes off (the card kept), and the usual reminders that
            // access ends take over.
            tracing::warn!(
                driver_id = i64::from(driver_id),
                "the plan autopay renews is no longer on sale; autopay is off"
            );
            autopay::switch(&self.db, driver_id, false).await?;
            return Ok(Renewed::Skipped);
        };
        let payment = match earlier {
            Some(payment) => payment,
            None => {
                payments::create_once(
                    &self.db,
                    NewPayment {
                        driver_id,
                        plan_id: plan.id.into(),
                        provider: payments::YOOKASSA,
                        amount: plan.price_kopecks,
                        currency: payments::RUB,
                        days: plan.days,
                        promo_code_id: None,
                    },
                    &key,
                )
                .await?
            }
        };
        match payment.status.as_str() {
            "succeeded" => {
                // Granted once, by the payment: a try after a crash between the two finishes it.
                self.grant_for_payment(&payment).await?;
                return Ok(Renewed::Charged);
            }
            "canceled" => return Ok(Renewed::Declined),
            _ => {}
        }
        let yookassa = self
            .shop
            .client()
            .await
            .ok_or(BillingError::NotConfigured)?;
        let theirs = match (&payment.provider_payment_id, method) {
            (Some(provider_id), _) => yookassa.payment(provider_id).await,
            (None, Some(method)) => {
                let order = self.renewal_order(&payment, method);
                yookassa.create_payment(&key, &order).await
            }
            (None, None) => return Ok(Renewed::Skipped),
        };
        let theirs = match theirs {
            Ok(theirs) => theirs,
            Err(YooKassaError::Refused {
                code, description, ..
            }) => {
                // YooKassa will not charge this card at all (it was unlinked, say): the same as
                // a decline, told as kindly.
                self.abandon(
                    &payment,
                    None,
                    "autopay_refused",
                    &format!("{code}: {description}"),
                )
                .await?;
                self.renewal_declined(&payment, &code).await?;
                return Ok(Renewed::Declined);
            }
            Err(error) => return Err(error.into()),
        };
        if payment.provider_payment_id.is_none() {
            payments::attach_provider(&self.db, payment.id, &theirs.id, None).await?;
        }
        let payment = payments::by_id(&self.db, payment.id)
            .await?
            .ok_or(BillingError::PaymentNotFound)?;
        Ok(
            match self.settle_from_provider(&payment, &theirs, None).await? {
                app::subscription::PaymentStatus::Succeeded => Renewed::Charged,
                app::subscription::PaymentStatus::Canceled => Renewed::Declined,
                app::subscription::PaymentStatus::Pending => Renewed::Pending,
            },
        )
    }

    fn renewal_order(&self, payment: &payments::Payment, method: String) -> yookassa::NewPayment {
        let metadata = BTreeMap::from([
            (META_PAYMENT.to_owned(), payment.id.to_string()),
            (META_DRIVER.to_owned(), payment.driver_id.to_string()),
            (META_PLAN.to_owned(), payment.plan_id.to_string()),
        ]);
        let description = format!("Hauler: продление доступа на {} дн.", payment.days);
        yookassa::NewPayment {
            amount_kopecks: payment.amount.max(0) as u64,
            description: description.clone(),
            pay_by: PayBy::SavedMethod(method),
            metadata,
            receipt: self.receipt_for(description),
        }
    }
}

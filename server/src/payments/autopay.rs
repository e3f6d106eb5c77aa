//! Autopay as the driver switches it: on by paying with "renew by itself" ticked (YooKassa saves
//! the card), off and on again in the profile with one tap, and stopped by a renewal the bank
//! declined, with a kind word from the bot. The renewals themselves are in [`super::renewals`].

use app::subscription::{Autopay, AutopayState};
use chrono::{DateTime, Utc};
use domain::{
    DriverId, access,
    autopay::{self, FAILED, ON},
    payments::Payment,
    plans::{self, Subscriptions},
};
use sea_orm::DbErr;

use super::{Billing, BillingError, yookassa};
use crate::bot::messages;

impl Billing {
    /// Autopay as the driver sees it.
    pub async fn autopay(&self, driver_id: DriverId) -> Result<Autopay, BillingError> {
        let ends_at = access::ends_at(&self.db, &self.store, driver_id).await?;
        Ok(self.describe_autopay(driver_id, ends_at).await?)
    }

    pub(super) async fn describe_autopay(
        &self,
        driver_id: DriverId,
        ends_at: Option<DateTime<Utc>>,
    ) -> Result<Autopay, DbErr> {
        let Some(row) = autopay::get(&self.db, driver_id).await? else {
            return Ok(Autopay::default());
        };
        let plan = plans::on_sale_by_id::<Subscriptions>(&self.db, row.plan_id).await?;
        let state = match row.state.as_str() {
            ON => AutopayState::On,
            FAILED => AutopayState::Failed,
            _ => AutopayState::Off,
        };
        let now = Utc::now();
        let next_charge_at = ends_at
            .filter(|_| state == AutopayState::On)
            .map(|ends_at| (ends_at - self.charge_before_end).max(now).to_rfc3339());
        Ok(Autopay {
            state,
            card: row.card_title.filter(|_| row.payment_method_id.is_some()),
            price_kopecks: plan.as_ref().map(|plan| plan.price_kopecks),
            days: plan.as_ref().map(|plan| plan.days),
            next_charge_at,
            failed_at: row
                .failed_at
                .filter(|_| state == AutopayState::Failed)
                .map(|at| at.to_rfc3339()),
        })
    }

    /// Switches autopay on (with the card saved before) or off: one tap either way.
    pub async fn switch_autopay(
        &self,
        driver_id: DriverId,
        on: bool,
    ) -> Result<Autopay, BillingError> {
        if !autopay::switch(&self.db, driver_id, on).await? {
            return Err(BillingError::AutopayNeedsCard);
        }
        self.autopay(driver_id).await
    }

    /// A purchase paid with autopay asked for: YooKassa saved its card, which renews the plan
    /// from now on.
    pub(super) async fn keep_card(
        &self,
        payment: &Payment,
        theirs: &yookassa::Payment,
    ) -> Result<(), DbErr> {
        let Some(method) = theirs.payment_method.as_ref().filter(|method| method.saved) else {
            return Ok(());
        };
        autopay::card_saved(
            &self.db,
            payment.driver_id,
            payment.plan_id,
            &method.id,
            method.title.as_deref(),
        )
        .await
    }

    /// The bank declined a renewal: autopay stops, and the driver hears it kindly, with the days
    /// they paid for untouched.
    pub(super) async fn renewal_declined(
        &self,
        payment: &Payment,
        reason: &str,
    ) -> Result<(), DbErr> {
        autopay::failed(&self.db, payment.driver_id, reason).await?;
        let ends_at = access::stored_ends_at(&self.db, payment.driver_id).await?;
        let link = self.bot.link.clone();
        self.tell_driver(
            payment.driver_id,
            format!("autopay-failed:{}", payment.id),
            move |chat_id, language| messages::autopay_failed(chat_id, ends_at, language, &link),
        )
        .await;
        Ok(())
    }
}

//! What the paywall offers a driver: the plans on sale, the free trial once, and promo codes —
//! checked before a purchase, or redeemed at once when they give free days.

use app::subscription::{
    Access, PlanQuote, PromoBenefit, PromoQuote, SubscriptionView, is_valid_promo_code,
    normalize_promo_code,
};
use domain::{
    DriverId,
    access::{self, Grant, GrantSource},
    flags::{self, Flag},
    plans::{self, Subscriptions},
    promo::{self, PromoRefusal},
};

use super::{Billing, BillingError};

impl Billing {
    pub async fn view(&self, driver_id: DriverId) -> Result<SubscriptionView, BillingError> {
        let trial_on = self.trial_days > 0 && flags::is_on(&self.db, Flag::Trial).await?;
        let trial_available =
            trial_on && !access::has_grant(&self.db, &access::trial_ref(driver_id)).await?;
        let ends_at = access::ends_at(&self.db, &self.store, driver_id).await?;
        Ok(SubscriptionView {
            access: access::describe(ends_at, chrono::Utc::now()),
            autopay: self.describe_autopay(driver_id, ends_at).await?,
            trial_available,
            trial_days: self.trial_days,
            payments_enabled: flags::is_on(&self.db, Flag::Payments).await?,
            plans: plans::on_sale::<Subscriptions>(&self.db).await?,
            stars_platforms: self.stars_platforms.clone(),
        })
    }

    /// `telegram_id` names who took it in the grant's record.
    pub async fn start_trial(
        &self,
        driver_id: DriverId,
        telegram_id: i64,
    ) -> Result<Access, BillingError> {
        if self.trial_days == 0 || !flags::is_on(&self.db, Flag::Trial).await? {
            return Err(BillingError::TrialOff);
        }
        let granted = access::grant(
            &self.db,
            &self.store,
            Grant {
                driver_id,
                source: GrantSource::Trial,
                source_ref: access::trial_ref(driver_id),
                days: i32::try_from(self.trial_days).unwrap_or(i32::MAX),
                granted_by: format!("driver:{telegram_id}"),
            },
        )
        .await?;
        match granted {
            access::Granted::AlreadyApplied { .. } => Err(BillingError::TrialUsed),
            // The driver is in the app and sees it: the bot stays quiet.
            access::Granted::Applied { ends_at } => {
                Ok(access::describe(Some(ends_at), chrono::Utc::now()))
            }
        }
    }

    /// What a code brings to a purchase: nothing without a code. A code for free days is taken
    /// on its own, never with a purchase.
    pub(super) async fn purchase_benefit(
        &self,
        driver_id: DriverId,
        promo_code: Option<&str>,
    ) -> Result<Option<PromoBenefit>, BillingError> {
        let Some(code) = promo_code else {
            return Ok(None);
        };
        match self.quote_promo(driver_id, code).await?.benefit {
            PromoBenefit::FreeDays(_) => Err(BillingError::PromoFreeDaysOnly),
            benefit => Ok(Some(benefit)),
        }
    }

    /// Whether a code applies for this driver, and what each plan then costs.
    pub async fn quote_promo(
        &self,
        driver_id: DriverId,
        code: &str,
    ) -> Result<PromoQuote, BillingError> {
        let code = normalize_promo_code(code);
        if !is_valid_promo_code(&code) {
            return Err(BillingError::PromoInvalid);
        }
        let promo = match promo::check(&self.db, &code, driver_id).await? {
            Ok(promo) => promo,
            Err(refusal) => {
                // A code that does not exist is a guess: admins see who guesses.
                if refusal == PromoRefusal::Unknown {
                    promo::guesses::record_wrong(&self.db, driver_id, &code).await?;
                }
                return Err(BillingError::Promo(refusal));
            }
        };
        let plans = match promo.benefit {
            PromoBenefit::FreeDays(_) => Vec::new(),
            benefit => plans::on_sale::<Subscriptions>(&self.db)
                .await?
                .iter()
                .map(|plan| {
                    let (price_kopecks, days) = benefit.quote(plan);
                    PlanQuote {
                        plan_id: plan.id,
                        price_kopecks,
                        days,
                    }
                })
                .collect(),
        };
        Ok(PromoQuote {
            code: promo.code,
            benefit: promo.benefit,
            plans,
        })
    }

    /// Redeems a code that gives free days: access at once, the use counted.
    pub async fn redeem_promo(
        &self,
        driver_id: DriverId,
        telegram_id: i64,
        code: &str,
    ) -> Result<Access, BillingError> {
        let quote = self.quote_promo(driver_id, code).await?;
        let PromoBenefit::FreeDays(days) = quote.benefit else {
            return Err(BillingError::PromoNeedsPurchase);
        };
        let promo = promo::take_use(&self.db, &quote.code, driver_id, None)
            .await?
            .map_err(BillingError::Promo)?;
        let granted = access::grant(
            &self.db,
            &self.store,
            Grant {
                driver_id,
                source: GrantSource::Promo,
                source_ref: format!("promo:{}:{}", promo.id, driver_id),
                days: i32::try_from(days).unwrap_or(i32::MAX),
                granted_by: format!("driver:{telegram_id}"),
            },
        )
        .await?;
        let ends_at = granted.ends_at();
        if let access::Granted::Applied { .. } = granted {
            self.tell_access_granted(driver_id, GrantSource::Promo, ends_at, &promo.code)
                .await;
        }
        Ok(access::describe(Some(ends_at), chrono::Utc::now()))
    }
}

//! Buying a cabinet pass: the same road as a plan (a payment recorded first, then YooKassa's
//! page or a Stars invoice, settled by the same notifications), with the pass recorded beside
//! the payment so its token is shown at once; the pass starts when the payment comes through
//! (see `settlement`). Passes take no promo codes.

use app::{
    cabinet::PassPlan,
    subscription::{PaymentView, Plan},
};
use domain::{
    DriverId,
    cabinet::passes::{self, Pass, PassToken},
    drivers,
    flags::{self, Flag},
    payments,
};

use super::{Billing, BillingError, checkout::Order, stars::Invoice};
use crate::bot::messages::english;

impl Billing {
    pub async fn buy_pass(
        &self,
        driver_id: DriverId,
        plan: &PassPlan,
        platform: Option<&str>,
    ) -> Result<(Pass, PassToken, PaymentView), BillingError> {
        if !flags::is_on(&self.db, Flag::Payments).await? {
            return Err(BillingError::PaymentsOff);
        }
        let with_stars = self.pays_with_stars(platform).await?;
        let (provider, currency, amount) = if with_stars {
            let stars = plan.stars.ok_or(BillingError::PlanNotForStars)?;
            (payments::STARS, payments::XTR, u64::from(stars))
        } else {
            (payments::YOOKASSA, payments::RUB, plan.price_kopecks)
        };
        let yookassa = match self.shop.client().await {
            _ if with_stars || amount == 0 => None,
            Some(client) => Some(client),
            None => return Err(BillingError::NotConfigured),
        };
        let as_plan = Plan {
            id: plan.id,
            days: 0,
            price_kopecks: plan.price_kopecks,
            stars: plan.stars,
        };
        let (payment, _) = self
            .open_payment(
                Order {
                    driver_id,
                    plan: &as_plan,
                    provider,
                    currency,
                    amount,
                    days: 0,
                },
                None,
            )
            .await?;
        let (pass, token) = passes::reserve(&self.db, driver_id, plan.hours, payment.id).await?;
        let english = english(
            drivers::by_id(&self.db, driver_id)
                .await?
                .and_then(|driver| driver.language_code)
                .as_deref(),
        );
        let hours = plan.hours;
        let view = if amount == 0 {
            self.give_for_free(&payment).await?
        } else if let Some(yookassa) = yookassa {
            let description = if english {
                format!("Hauler: the exchange's cabinet for {hours} h")
            } else {
                format!("Hauler: кабинет биржи на {hours} ч")
            };
            self.send_to_yookassa(&yookassa, &payment, None, description, false)
                .await?;
            self.view_after_purchase(driver_id, payment.id).await?
        } else {
            let (title, description, label) = if english {
                (
                    format!("Hauler: cabinet, {hours} h"),
                    format!("The exchange's web cabinet for {hours} h"),
                    format!("{hours} h"),
                )
            } else {
                (
                    format!("Hauler: кабинет на {hours} ч"),
                    format!("Веб-кабинет биржи на {hours} ч"),
                    format!("{hours} ч"),
                )
            };
            self.send_stars_invoice(
                &payment,
                None,
                Invoice {
                    title,
                    description,
                    label,
                },
            )
            .await?;
            self.view_after_purchase(driver_id, payment.id).await?
        };
        let pass = passes::by_id(&self.db, pass.id).await?.unwrap_or(pass);
        Ok((pass, token, view))
    }
}

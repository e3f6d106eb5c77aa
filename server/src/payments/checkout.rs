//! Buying a plan: the price after a promo code, a payment recorded before YooKassa hears of it
//! (its idempotence key is the payment's own, so a retried create never charges twice), and the
//! driver's view of the payment, refreshed from YooKassa while it is pending.

use std::collections::BTreeMap;

use app::{
    platform::{
        access,
        flags::{self, Flag},
        payments::{self, Event, NewPayment, Payment},
        plans, promo,
    },
    subscription::{PaymentRequest, PaymentStatus, PaymentView, PromoBenefit},
};

use super::{
    Billing, BillingError,
    settlement::{META_DRIVER, META_PAYMENT, META_PLAN, META_PROMO},
    yookassa,
};
use crate::http::api::SignedInDriver;

impl Billing {
    pub async fn buy(
        &self,
        driver: SignedInDriver,
        request: PaymentRequest,
    ) -> Result<PaymentView, BillingError> {
        if !flags::is_on(&self.db, Flag::Payments).await? {
            return Err(BillingError::PaymentsOff);
        }
        let plan = plans::on_sale_by_id(&self.db, request.plan_id)
            .await?
            .ok_or(BillingError::PlanNotFound)?;
        let promo_code = request
            .promo_code
            .as_deref()
            .map(str::trim)
            .filter(|code| !code.is_empty());
        let (amount_kopecks, days) = match promo_code {
            None => (plan.price_kopecks, plan.days),
            Some(code) => match self.quote_promo(driver.id, code).await?.benefit {
                PromoBenefit::FreeDays(_) => return Err(BillingError::PromoNeedsPurchase),
                benefit => benefit.quote(&plan),
            },
        };
        let provider = if amount_kopecks == 0 {
            payments::FREE
        } else {
            payments::YOOKASSA
        };
        let yookassa = match (&self.yookassa, provider) {
            (_, payments::FREE) => None,
            (Some(client), _) => Some(client),
            (None, _) => return Err(BillingError::NotConfigured),
        };

        let payment = payments::create(
            &self.db,
            NewPayment {
                driver_id: driver.id,
                plan_id: plan.id,
                provider,
                amount_kopecks,
                days,
                promo_code_id: None,
            },
        )
        .await?;
        let promo = match promo_code {
            None => None,
            Some(code) => match promo::take_use(&self.db, code, driver.id, Some(payment.id)).await?
            {
                Ok(promo) => {
                    payments::set_promo(&self.db, payment.id, promo.id).await?;
                    Some(promo)
                }
                Err(refusal) => {
                    payments::settle(&self.db, payment.id, PaymentStatus::Canceled).await?;
                    return Err(BillingError::Promo(refusal));
                }
            },
        };

        let Some(yookassa) = yookassa else {
            // A promo code covered the price: nothing to collect.
            let ends_at = self.grant_for_payment(&payment).await?;
            payments::settle(&self.db, payment.id, PaymentStatus::Succeeded).await?;
            return Ok(PaymentView {
                id: payment.id,
                status: PaymentStatus::Succeeded,
                amount_kopecks: 0,
                days,
                confirmation_url: None,
                access: access::describe(Some(ends_at), chrono::Utc::now()),
            });
        };

        let mut metadata = BTreeMap::from([
            (META_PAYMENT.to_owned(), payment.id.to_string()),
            (META_DRIVER.to_owned(), driver.id.to_string()),
            (META_PLAN.to_owned(), plan.id.to_string()),
        ]);
        if let Some(promo) = &promo {
            metadata.insert(META_PROMO.to_owned(), promo.code.clone());
        }
        let description = format!("Hauler: доступ к грузам на {days} дн.");
        let order = yookassa::NewPayment {
            amount_kopecks,
            description: description.clone(),
            return_url: self.return_link.for_payment(payment.id),
            metadata,
            receipt: self.receipt.as_ref().map(|receipt| yookassa::Receipt {
                customer_email: receipt.customer_email.clone(),
                item_description: description,
                vat_code: receipt.vat_code,
                payment_mode: receipt.payment_mode.clone(),
                payment_subject: receipt.payment_subject.clone(),
            }),
        };
        let created = match yookassa
            .create_payment(&payment.idempotence_key, &order)
            .await
        {
            Ok(created) => created,
            Err(error) => {
                tracing::warn!(%error, payment_id = payment.id, "YooKassa did not create the payment");
                payments::record_event(
                    &self.db,
                    Event {
                        payment_id: Some(payment.id),
                        kind: "create_failed",
                        detail: &error.to_string(),
                        remote_addr: None,
                        suspicious: false,
                    },
                )
                .await?;
                if payments::settle(&self.db, payment.id, PaymentStatus::Canceled).await?
                    && let Some(promo) = &promo
                {
                    promo::give_back(&self.db, promo.id, driver.id).await?;
                }
                return Err(error.into());
            }
        };
        payments::attach_provider(
            &self.db,
            payment.id,
            &created.id,
            created.confirmation_url.as_deref(),
        )
        .await?;
        Ok(PaymentView {
            id: payment.id,
            status: PaymentStatus::Pending,
            amount_kopecks,
            days,
            confirmation_url: created.confirmation_url,
            access: access::access(&self.db, &self.store, driver.id).await?,
        })
    }

    /// A driver's payment; while it is pending, YooKassa is asked again, so a lost notification
    /// never leaves a paying driver waiting.
    pub async fn payment(
        &self,
        driver_id: i64,
        payment_id: i64,
    ) -> Result<PaymentView, BillingError> {
        let mut payment = payments::by_id(&self.db, payment_id)
            .await?
            .filter(|payment| payment.driver_id == driver_id)
            .ok_or(BillingError::PaymentNotFound)?;
        if payment.status == PaymentStatus::Pending.as_str() {
            self.refresh(&payment).await;
            payment = payments::by_id(&self.db, payment_id)
                .await?
                .ok_or(BillingError::PaymentNotFound)?;
        }
        Ok(PaymentView {
            id: payment.id,
            status: PaymentStatus::parse(&payment.status).unwrap_or(PaymentStatus::Pending),
            amount_kopecks: payment.amount_kopecks.max(0) as u64,
            days: payment.days.max(0) as u32,
            confirmation_url: (payment.status == PaymentStatus::Pending.as_str())
                .then_some(payment.confirmation_url)
                .flatten(),
            access: access::access(&self.db, &self.store, driver_id).await?,
        })
    }

    /// Re-reads a pending payment from YooKassa and settles it; failures only leave it pending.
    pub(super) async fn refresh(&self, payment: &Payment) {
        let (Some(yookassa), Some(provider_id)) =
            (&self.yookassa, payment.provider_payment_id.as_deref())
        else {
            return;
        };
        let outcome = match yookassa.payment(provider_id).await {
            Ok(theirs) => self
                .settle_from_provider(payment, &theirs, None)
                .await
                .map(drop),
            Err(error) => Err(error.into()),
        };
        if let Err(error) = outcome {
            tracing::warn!(%error, payment_id = payment.id, "a pending payment could not be refreshed");
        }
    }
}

//! Buying a plan: the price after a promo code, a payment recorded before the provider hears of
//! it (YooKassa's idempotence key is the payment's own, so a retried create never charges
//! twice), and the driver's view of the payment, refreshed from YooKassa while it is pending.
//! The Telegram platform decides the provider: Stars where the operator says so, YooKassa
//! elsewhere.

use std::collections::BTreeMap;

use app::subscription::{Access, PaymentRequest, PaymentStatus, PaymentView, Plan};
use domain::{
    DriverId, PaymentId, access,
    flags::{self, Flag},
    payments::{self, Event, NewPayment, Payment},
    plans::{self, Subscriptions},
    promo::{self, PromoCode},
};

use super::{
    Billing, BillingError,
    settlement::{META_DRIVER, META_PAYMENT, META_PLAN, META_PROMO},
    yookassa,
};

/// A plan bought through one provider, at a price in that provider's currency (its smallest
/// unit: kopecks for RUB, stars for XTR), after any promo code.
pub(super) struct Order<'a> {
    pub driver_id: DriverId,
    pub plan: &'a Plan,
    pub provider: &'static str,
    pub currency: &'static str,
    pub amount: u64,
    pub days: u32,
}

impl Billing {
    pub async fn buy(
        &self,
        driver_id: DriverId,
        request: PaymentRequest,
    ) -> Result<PaymentView, BillingError> {
        if !flags::is_on(&self.db, Flag::Payments).await? {
            return Err(BillingError::PaymentsOff);
        }
        let plan = plans::on_sale_by_id::<Subscriptions>(&self.db, request.plan_id)
            .await?
            .ok_or(BillingError::PlanNotFound)?;
        let promo_code = request
            .promo_code
            .as_deref()
            .map(str::trim)
            .filter(|code| !code.is_empty());
        if self.pays_with_stars(request.platform.as_deref()).await? {
            if request.autopay {
                return Err(BillingError::AutopayNotForStars);
            }
            self.buy_with_stars(driver_id, &plan, promo_code).await
        } else {
            self.buy_with_yookassa(driver_id, &plan, promo_code, request.autopay)
                .await
        }
    }

    /// `autopay`: YooKassa saves the card, which renews the plan from then on.
    async fn buy_with_yookassa(
        &self,
        driver_id: DriverId,
        plan: &Plan,
        promo_code: Option<&str>,
        autopay: bool,
    ) -> Result<PaymentView, BillingError> {
        let (amount_kopecks, days) = match self.purchase_benefit(driver_id, promo_code).await? {
            None => (plan.price_kopecks, plan.days),
            Some(benefit) => benefit.quote(plan),
        };
        let free = amount_kopecks == 0;
        if free && autopay {
            // Nothing is paid, so no card is saved to renew with.
            return Err(BillingError::AutopayNeedsCard);
        }
        let yookassa = match self.shop.client().await {
            _ if free => None,
            Some(client) => Some(client),
            None => return Err(BillingError::NotConfigured),
        };
        let (payment, promo) = self
            .open_payment(
                Order {
                    driver_id,
                    plan,
                    provider: payments::YOOKASSA,
                    currency: payments::RUB,
                    amount: amount_kopecks,
                    days,
                },
                promo_code,
            )
            .await?;
        let Some(yookassa) = yookassa else {
            return self.give_for_free(&payment).await;
        };
        self.send_to_yookassa(
            &yookassa,
            &payment,
            promo.as_ref(),
            format!("Hauler: доступ к грузам на {days} дн."),
            autopay,
        )
        .await?;
        self.view_after_purchase(driver_id, payment.id).await
    }

    /// Creates the recorded payment at YooKassa (its page is where the driver pays, and where
    /// the card is saved when `save_method`); a payment YooKassa will not take is abandoned.
    pub(super) async fn send_to_yookassa(
        &self,
        yookassa: &yookassa::YooKassa,
        payment: &Payment,
        promo: Option<&PromoCode>,
        description: String,
        save_method: bool,
    ) -> Result<(), BillingError> {
        let mut metadata = BTreeMap::from([
            (META_PAYMENT.to_owned(), payment.id.to_string()),
            (META_DRIVER.to_owned(), payment.driver_id.to_string()),
            (META_PLAN.to_owned(), payment.plan_id.to_string()),
        ]);
        if let Some(promo) = promo {
            metadata.insert(META_PROMO.to_owned(), promo.code.clone());
        }
        let order = yookassa::NewPayment {
            amount_kopecks: payment.amount.max(0) as u64,
            description: description.clone(),
            pay_by: yookassa::PayBy::Page {
                return_url: self.return_link.for_payment(payment.id),
                save_method,
            },
            metadata,
            receipt: self.receipt_for(description),
        };
        let created = match yookassa
            .create_payment(&payment.idempotence_key, &order)
            .await
        {
            Ok(created) => created,
            Err(error) => {
                tracing::warn!(%error, payment_id = i64::from(payment.id), "YooKassa did not create the payment");
                self.abandon(payment, promo, "create_failed", &error.to_string())
                    .await?;
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
        Ok(())
    }

    /// The 54-FZ receipt of a payment described so, when the shop sends receipts.
    pub(super) fn receipt_for(&self, description: String) -> Option<yookassa::Receipt> {
        self.receipt.as_ref().map(|receipt| yookassa::Receipt {
            customer_email: receipt.customer_email.clone(),
            item_description: description,
            vat_code: receipt.vat_code,
            payment_mode: receipt.payment_mode.clone(),
            payment_subject: receipt.payment_subject.clone(),
        })
    }

    /// The payment row of an order, recorded before its provider hears of it: through the
    /// provider at the order's amount, or free (no provider) when a promo code brings it to
    /// nothing; then the promo code's use is taken for it.
    pub(super) async fn open_payment(
        &self,
        order: Order<'_>,
        promo_code: Option<&str>,
    ) -> Result<(Payment, Option<PromoCode>), BillingError> {
        let payment = payments::create(
            &self.db,
            NewPayment {
                driver_id: order.driver_id,
                plan_id: order.plan.id.into(),
                provider: if order.amount == 0 {
                    payments::FREE
                } else {
                    order.provider
                },
                amount: order.amount,
                currency: order.currency,
                days: order.days,
                promo_code_id: None,
            },
        )
        .await?;
        let promo = self.take_promo(&payment, promo_code).await?;
        Ok((payment, promo))
    }

    /// What the driver sees once the provider has the payment: its state and their access.
    pub(super) async fn view_after_purchase(
        &self,
        driver_id: DriverId,
        payment_id: PaymentId,
    ) -> Result<PaymentView, BillingError> {
        let access = access::access(&self.db, &self.store, driver_id).await?;
        let payment = payments::by_id(&self.db, payment_id)
            .await?
            .ok_or(BillingError::PaymentNotFound)?;
        Ok(view(&payment, access))
    }

    /// Takes the promo code's use for this payment; a refused code cancels the payment.
    pub(super) async fn take_promo(
        &self,
        payment: &Payment,
        promo_code: Option<&str>,
    ) -> Result<Option<PromoCode>, BillingError> {
        let Some(code) = promo_code else {
            return Ok(None);
        };
        match promo::take_use(&self.db, code, payment.driver_id, Some(payment.id)).await? {
            Ok(promo) => {
                payments::set_promo(&self.db, payment.id, promo.id).await?;
                Ok(Some(promo))
            }
            Err(refusal) => {
                payments::settle(&self.db, payment.id, PaymentStatus::Canceled).await?;
                Err(BillingError::Promo(refusal))
            }
        }
    }

    /// A promo code covered the price: nothing to collect.
    pub(super) async fn give_for_free(
        &self,
        payment: &Payment,
    ) -> Result<PaymentView, BillingError> {
        let ends_at = self.grant_for_payment(payment).await?;
        payments::settle(&self.db, payment.id, PaymentStatus::Succeeded).await?;
        let payment = payments::by_id(&self.db, payment.id)
            .await?
            .ok_or(BillingError::PaymentNotFound)?;
        Ok(view(
            &payment,
            access::describe(Some(ends_at), chrono::Utc::now()),
        ))
    }

    /// The provider would not take the payment: it is canceled and its promo use given back.
    pub(super) async fn abandon(
        &self,
        payment: &Payment,
        promo: Option<&PromoCode>,
        kind: &str,
        detail: &str,
    ) -> Result<(), BillingError> {
        payments::record_event(
            &self.db,
            Event {
                payment_id: Some(payment.id),
                kind,
                detail,
                remote_addr: None,
                suspicious: false,
            },
        )
        .await?;
        if payments::settle(&self.db, payment.id, PaymentStatus::Canceled).await?
            && let Some(promo) = promo
        {
            promo::give_back(&self.db, promo.id, payment.driver_id).await?;
        }
        Ok(())
    }

    /// A driver's payment; while it is pending, YooKassa is asked again, so a lost notification
    /// never leaves a paying driver waiting.
    pub async fn payment(
        &self,
        driver_id: DriverId,
        payment_id: PaymentId,
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
        let access = access::access(&self.db, &self.store, driver_id).await?;
        Ok(view(&payment, access))
    }

    /// Re-reads a pending YooKassa payment and settles it; failures only leave it pending.
    pub(super) async fn refresh(&self, payment: &Payment) {
        let (Some(yookassa), Some(provider_id), payments::YOOKASSA) = (
            self.shop.client().await,
            payment.provider_payment_id.as_deref(),
            payment.provider.as_str(),
        ) else {
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
            tracing::warn!(%error, payment_id = i64::from(payment.id), "a pending payment could not be refreshed");
        }
    }
}

/// A payment as the driver sees it: the page or invoice to pay with only while it is pending.
pub(super) fn view(payment: &Payment, access: Access) -> PaymentView {
    let pending = payment.status == PaymentStatus::Pending.as_str();
    let link = payment.confirmation_url.clone().filter(|_| pending);
    let stars = payment.currency == payments::XTR;
    let amount = payment.amount.max(0) as u64;
    PaymentView {
        id: payment.id.into(),
        status: PaymentStatus::parse(&payment.status).unwrap_or(PaymentStatus::Pending),
        amount_kopecks: if stars { 0 } else { amount },
        days: payment.days.max(0) as u32,
        stars: stars.then(|| u32::try_from(amount).unwrap_or(u32::MAX)),
        invoice_link: link.clone().filter(|_| stars),
        confirmation_url: link.filter(|_| !stars),
        access,
    }
}

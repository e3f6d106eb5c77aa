//! Telegram Stars, the second provider, for the platforms where Telegram's rules ask for it: an
//! invoice link in `XTR` the Mini App opens with `openInvoice`, the `pre_checkout_query` checked
//! (plan, price, driver) and answered at once, access granted on `successful_payment` exactly
//! once (keyed by `telegram_payment_charge_id`), refunds through `refundStarPayment`. Everything
//! after the money arrives goes through the same grant as YooKassa's payments.

use app::subscription::{PaymentStatus, PaymentView, Plan};
use domain::{
    DriverId, PaymentId, drivers,
    flags::{self, Flag},
    payments::{self, Event, Payment},
    promo::PromoCode,
};
use serde::Deserialize;
use serde_json::json;

use super::{Billing, BillingError, checkout::Order};
use crate::bot::messages::english;

/// Telegram's `pre_checkout_query`: the last word before the stars are taken.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PreCheckoutQuery {
    pub id: String,
    pub from: Payer,
    pub currency: String,
    pub total_amount: u64,
    pub invoice_payload: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Payer {
    pub id: i64,
}

/// Telegram's `successful_payment`, inside a message from the payer.
#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct SuccessfulPayment {
    pub currency: String,
    pub total_amount: u64,
    pub invoice_payload: String,
    pub telegram_payment_charge_id: String,
    #[serde(default)]
    pub provider_payment_charge_id: Option<String>,
}

/// What a Stars invoice says: its title, description and the price's label.
pub(super) struct Invoice {
    pub title: String,
    pub description: String,
    pub label: String,
}

fn payload(payment_id: PaymentId) -> String {
    format!("payment:{payment_id}")
}

fn payment_id(payload: &str) -> Option<PaymentId> {
    let key: i64 = payload.strip_prefix("payment:")?.parse().ok()?;
    Some(key.into())
}

impl Billing {
    /// Whether the app on this Telegram platform pays with Stars.
    pub(super) async fn pays_with_stars(
        &self,
        platform: Option<&str>,
    ) -> Result<bool, BillingError> {
        let on_this_platform =
            platform.is_some_and(|platform| self.stars_platforms.iter().any(|p| p == platform));
        Ok(on_this_platform && flags::is_on(&self.db, Flag::Stars).await?)
    }

    pub(super) async fn buy_with_stars(
        &self,
        driver_id: DriverId,
        plan: &Plan,
        promo_code: Option<&str>,
    ) -> Result<PaymentView, BillingError> {
        let stars = plan.stars.ok_or(BillingError::PlanNotForStars)?;
        let (stars, days) = match self.purchase_benefit(driver_id, promo_code).await? {
            None => (stars, plan.days),
            Some(benefit) => benefit.quote_stars(stars, plan),
        };
        let free = stars == 0;
        let (payment, promo) = self
            .open_payment(
                Order {
                    driver_id,
                    plan,
                    provider: payments::STARS,
                    currency: payments::XTR,
                    amount: stars.into(),
                    days,
                },
                promo_code,
            )
            .await?;
        if free {
            return self.give_for_free(&payment).await;
        }
        let language = drivers::by_id(&self.db, driver_id)
            .await?
            .and_then(|driver| driver.language_code);
        let (title, description, label) = if english(language.as_deref()) {
            let days = if days == 1 {
                "1 day".to_owned()
            } else {
                format!("{days} days")
            };
            (
                format!("Hauler: {days}"),
                format!("Access to loads for {days}"),
                days,
            )
        } else {
            (
                format!("Hauler: {days} дн."),
                format!("Доступ к грузам на {days} дн."),
                format!("{days} дн."),
            )
        };
        self.send_stars_invoice(
            &payment,
            promo.as_ref(),
            Invoice {
                title,
                description,
                label,
            },
        )
        .await?;
        self.view_after_purchase(driver_id, payment.id).await
    }

    /// Asks Telegram for the recorded payment's invoice link (the Mini App opens it); a payment
    /// Telegram will not invoice is abandoned.
    pub(super) async fn send_stars_invoice(
        &self,
        payment: &Payment,
        promo: Option<&PromoCode>,
        invoice: Invoice,
    ) -> Result<(), BillingError> {
        let Invoice {
            title,
            description,
            label,
        } = invoice;
        let stars = payment.amount;
        let invoice = self
            .telegram
            .call(
                "createInvoiceLink",
                &json!({
                    "title": title,
                    "description": description,
                    "payload": payload(payment.id),
                    "currency": payments::XTR,
                    "prices": [{"label": label, "amount": stars}],
                }),
            )
            .await;
        let link = match invoice
            .ok()
            .and_then(|link| link.as_str().map(str::to_owned))
        {
            Some(link) => link,
            None => {
                self.abandon(payment, promo, "invoice_failed", "createInvoiceLink failed")
                    .await?;
                return Err(BillingError::TelegramUnavailable);
            }
        };
        payments::set_confirmation_url(&self.db, payment.id, &link).await?;
        Ok(())
    }

    /// Answers Telegram's last question before the stars are taken: `Err` carries what the
    /// driver is told.
    pub async fn check_pre_checkout(&self, query: &PreCheckoutQuery) -> Result<(), &'static str> {
        let refusal = "Этот счёт больше не действует: откройте оплату в приложении заново";
        let Some(id) = payment_id(&query.invoice_payload) else {
            return Err(refusal);
        };
        let payment = match payments::by_id(&self.db, id).await {
            Ok(Some(payment)) => payment,
            Ok(None) => return Err(refusal),
            Err(error) => {
                tracing::error!(%error, "a Stars pre-checkout could not be checked");
                return Err("Не получилось проверить счёт, попробуйте ещё раз");
            }
        };
        let payer_is_driver = domain::drivers::by_id(&self.db, payment.driver_id)
            .await
            .ok()
            .flatten()
            .is_some_and(|driver| driver.telegram_id == query.from.id);
        let matches = payment.provider == payments::STARS
            && payment.status == PaymentStatus::Pending.as_str()
            && query.currency == payments::XTR
            && i64::try_from(query.total_amount).ok() == Some(payment.amount)
            && payer_is_driver;
        if matches { Ok(()) } else { Err(refusal) }
    }

    /// The stars have been taken: grant the payment's days, once, however often Telegram says so.
    pub async fn receive_stars_payment(
        &self,
        payer: i64,
        paid: &SuccessfulPayment,
    ) -> Result<(), BillingError> {
        let raw = serde_json::to_string(paid).unwrap_or_default();
        let payment = match payment_id(&paid.invoice_payload) {
            Some(id) => payments::by_id(&self.db, id).await?,
            None => None,
        };
        let Some(payment) = payment.filter(|payment| payment.provider == payments::STARS) else {
            return self.suspicious(None, &raw).await;
        };
        let payer_is_driver = domain::drivers::by_id(&self.db, payment.driver_id)
            .await?
            .is_some_and(|driver| driver.telegram_id == payer);
        if paid.currency != payments::XTR
            || i64::try_from(paid.total_amount).ok() != Some(payment.amount)
            || !payer_is_driver
        {
            return self.suspicious(Some(payment.id), &raw).await;
        }
        // The charge id is unique among payments: a second delivery cannot attach it twice.
        if !payments::attach_charge(&self.db, payment.id, &paid.telegram_payment_charge_id).await? {
            let attached = payment.provider_payment_id.as_deref();
            if attached.is_some_and(|id| id != paid.telegram_payment_charge_id) {
                return self.suspicious(Some(payment.id), &raw).await;
            }
        }
        payments::record_event(
            &self.db,
            Event {
                payment_id: Some(payment.id),
                kind: "telegram.successful_payment",
                detail: &raw,
                remote_addr: None,
                suspicious: false,
            },
        )
        .await?;
        self.grant_for_payment(&payment).await?;
        payments::settle(&self.db, payment.id, PaymentStatus::Succeeded).await?;
        Ok(())
    }

    async fn suspicious(
        &self,
        payment_id: Option<PaymentId>,
        raw: &str,
    ) -> Result<(), BillingError> {
        payments::record_event(
            &self.db,
            Event {
                payment_id,
                kind: "telegram.successful_payment",
                detail: raw,
                remote_addr: None,
                suspicious: true,
            },
        )
        .await?;
        Ok(())
    }

    /// A full refund of a Stars payment (Telegram returns whole charges only).
    pub(super) async fn refund_stars(
        &self,
        payment: &Payment,
        amount: Option<u64>,
    ) -> Result<(String, u64), BillingError> {
        let left = (payment.amount - payment.refunded).max(0) as u64;
        if amount.is_some_and(|amount| amount != left) || left == 0 {
            return Err(BillingError::RefundAmount { left });
        }
        let (Some(charge), Some(driver)) = (
            payment.provider_payment_id.as_deref(),
            domain::drivers::by_id(&self.db, payment.driver_id).await?,
        ) else {
            return Err(BillingError::NotRefundable);
        };
        self.telegram
            .call(
                "refundStarPayment",
                &json!({"user_id": driver.telegram_id, "telegram_payment_charge_id": charge}),
            )
            .await
            .map_err(|error| {
                tracing::warn!(%error, payment_id = i64::from(payment.id), "Telegram did not refund the stars");
                BillingError::TelegramUnavailable
            })?;
        Ok((format!("stars:{charge}"), left))
    }
}

/// The answer to a pre-checkout query, as the Bot API takes it.
pub fn pre_checkout_answer(query_id: &str, verdict: Result<(), &str>) -> serde_json::Value {
    match verdict {
        Ok(()) => json!({"pre_checkout_query_id": query_id, "ok": true}),
        Err(message) => {
            json!({"pre_checkout_query_id": query_id, "ok": false, "error_message": message})
        }
    }
}

//! Paid access: the paywall's offers (plans, the trial, promo codes), purchases through YooKassa,
//! the notifications that settle them, the messages the bot sends when access changes, and the
//! exchange's cabinet passes, bought the same way.
//!
//! Money is trusted only after the payment is re-read from YooKassa; access moves only through
//! grants applied once per source ([`domain::access`]).

mod autopay;
mod checkout;
pub mod gate;
mod notifications;
mod offers;
mod passes;
mod refunds;
mod reminders;
pub mod renewals;
mod settlement;
pub mod shop;
pub mod stars;
pub mod yookassa;

use domain::{PaymentId, promo::PromoRefusal, store::SharedStore};
use sea_orm::{DatabaseConnection, DbErr};

pub use notifications::NotificationRefusal;
pub use refunds::RefundOutcome;

use crate::bot::BotOutlet;

/// Everything the money path needs; cheap to clone.
#[derive(Clone)]
pub struct Billing {
    pub db: DatabaseConnection,
    pub store: SharedStore,
    /// The YooKassa shop; without credentials, purchases answer `payments_unavailable`.
    pub shop: shop::Shop,
    pub return_link: ReturnLink,
    /// The 54-FZ receipt's settings; `None` sends no receipt.
    pub receipt: Option<ReceiptSettings>,
    pub trial_days: u32,
    pub gate: gate::NotificationGate,
    pub bot: BotOutlet,
    /// Telegram platforms that pay with Stars.
    pub stars_platforms: Vec<String>,
    /// The Bot API, for Stars invoices and refunds.
    pub telegram: crate::bot::BotApi,
    /// How long before access ends autopay charges the saved card.
    pub charge_before_end: chrono::Duration,
}

/// Where YooKassa sends the driver after paying: back into the Mini App.
#[derive(Debug, Clone)]
pub enum ReturnLink {
    /// `https://t.me/<bot>/<app>`: Telegram reopens the Mini App with `startapp=payment-<id>`.
    MiniApp(String),
    /// The app's own address (sandbox, or a deployment without a t.me link).
    Web(String),
}

impl ReturnLink {
    pub fn for_payment(&self, payment_id: PaymentId) -> String {
        match self {
            Self::MiniApp(link) => format!("{link}?startapp=payment-{payment_id}"),
            Self::Web(base) => format!("{base}/subscription?payment={payment_id}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReceiptSettings {
    pub customer_email: String,
    pub vat_code: u8,
    pub payment_mode: String,
    pub payment_subject: String,
}

/// What can go wrong on the money path, each mapped once to a status and a stable code.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("the free trial was used before")]
    TrialUsed,
    #[error("the free trial is switched off")]
    TrialOff,
    #[error("payments are switched off")]
    PaymentsOff,
    #[error("no such plan on sale")]
    PlanNotFound,
    #[error("the promo code is not a valid code")]
    PromoInvalid,
    #[error("the promo code does not apply: {0}")]
    Promo(PromoRefusal),
    #[error("the promo code gives a discount, not free days")]
    PromoNeedsPurchase,
    #[error("the promo code gives free days, taken without a purchase")]
    PromoFreeDaysOnly,
    #[error("no such payment")]
    PaymentNotFound,
    #[error("only a succeeded YooKassa payment can be refunded")]
    NotRefundable,
    #[error("a refund must be above zero and at most the {left} kopecks not yet refunded")]
    RefundAmount { left: u64 },
    #[error("the plan has no price in Telegram Stars")]
    PlanNotForStars,
    #[error("autopay needs a card saved on a payment made with autopay asked for")]
    AutopayNeedsCard,
    #[error("Telegram Stars cannot renew by themselves")]
    AutopayNotForStars,
    #[error("Telegram did not answer the payment call")]
    TelegramUnavailable,
    #[error("no YooKassa shop is configured")]
    NotConfigured,
    #[error("YooKassa could not take the payment: {0}")]
    Provider(#[from] yookassa::YooKassaError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

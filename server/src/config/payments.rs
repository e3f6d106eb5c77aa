//! Subscriptions and payments: the free trial, who pays in Telegram Stars, how often pending
//! payments are looked at, and YooKassa (its shop, who may notify, the 54-FZ receipt). Plain
//! values: the payments module builds its own types from them.

use std::time::Duration;

use super::{Mode, Secret, reader::Reader};

/// The sandbox YooKassa's test shop, used in sandbox mode when no shop is configured. It opens
/// nothing real.
pub const SANDBOX_YOOKASSA_SHOP_ID: &str = "sandbox-shop";
pub const SANDBOX_YOOKASSA_SECRET_KEY: &str = "sandbox-yookassa-secret-key";

#[derive(Debug)]
pub struct PaymentsConfig {
    /// Days of the free trial each driver may start once; 0: no trial.
    pub trial_days: u32,
    /// Telegram platforms (`ios`, `android`, …) whose drivers pay in Telegram Stars.
    pub stars_platforms: Vec<String>,
    /// How often access reminders are sent and pending payments re-read from YooKassa.
    pub check_every: Duration,
    pub yookassa: YooKassaConfig,
    pub autopay: AutopayConfig,
}

/// Renewals with a saved card.
#[derive(Debug, Clone, Copy)]
pub struct AutopayConfig {
    /// How often the renewal job looks for subscriptions to renew and warnings to send.
    pub check_every: Duration,
    /// How long before access ends the card is charged: a declined charge leaves the driver this
    /// long to pay by hand. Less than a day, the shortest plan, so a renewal never falls due at
    /// once again.
    pub charge_before_end: Duration,
}

#[derive(Debug)]
pub struct YooKassaConfig {
    /// YooKassa's API. `None` in sandbox mode: the built-in stand-in served by this process.
    pub base_url: Option<String>,
    pub shop_id: Option<String>,
    pub secret_key: Option<Secret>,
    /// Who may deliver payment notifications; `None`: YooKassa's published ranges (and loopback
    /// in sandbox mode, for the stand-in).
    pub allowed_ips: Option<Vec<ipnet::IpNet>>,
    /// The 54-FZ receipt; `None` (no `YOOKASSA_RECEIPT_EMAIL`): payments carry no receipt.
    pub receipt: Option<Receipt>,
}

/// What every payment's 54-FZ receipt says.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// Telegram gives no e-mail: YooKassa sends every receipt to this contact.
    pub customer_email: String,
    /// YooKassa's VAT code, 1 to 12.
    pub vat_code: u8,
    pub payment_mode: String,
    pub payment_subject: String,
}

impl PaymentsConfig {
    pub(super) fn read(reader: &mut Reader, mode: Mode) -> Self {
        Self {
            trial_days: reader
                .parsed("TRIAL_DAYS", "a whole number of days (0: no trial)")
                .unwrap_or(3),
            stars_platforms: reader
                .text("STARS_PLATFORMS")
                .map(|list| {
                    list.split(',')
                        .map(|platform| platform.trim().to_lowercase())
                        .filter(|platform| !platform.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            check_every: reader.seconds("PAYMENTS_CHECK_SECONDS", 300),
            yookassa: YooKassaConfig::read(reader, mode),
            autopay: AutopayConfig::read(reader),
        }
    }
}

impl AutopayConfig {
    fn read(reader: &mut Reader) -> Self {
        let charge_before_end = reader.seconds("AUTOPAY_CHARGE_BEFORE_END_SECONDS", 12 * 3600);
        if charge_before_end >= Duration::from_secs(24 * 3600) {
            reader.problem(
                "AUTOPAY_CHARGE_BEFORE_END_SECONDS",
                "must be less than a day (86400), the shortest plan",
            );
        }
        Self {
            check_every: reader.seconds("AUTOPAY_CHECK_SECONDS", 60),
            charge_before_end,
        }
    }
}

impl YooKassaConfig {
    fn read(reader: &mut Reader, mode: Mode) -> Self {
        Self {
            base_url: reader.upstream("YOOKASSA_BASE_URL", mode, "https://api.yookassa.ru"),
            shop_id: reader.text("YOOKASSA_SHOP_ID"),
            secret_key: reader.secret("YOOKASSA_SECRET_KEY"),
            allowed_ips: reader.ranges("YOOKASSA_ALLOWED_IPS"),
            receipt: Receipt::read(reader),
        }
    }
}

impl Receipt {
    fn read(reader: &mut Reader) -> Option<Self> {
        let customer_email = reader.text("YOOKASSA_RECEIPT_EMAIL")?;
        let vat_code: u8 = reader
            .parsed("YOOKASSA_VAT_CODE", "YooKassa's VAT code, 1 to 12")
            .unwrap_or(1);
        if !(1..=12).contains(&vat_code) {
            reader.problem("YOOKASSA_VAT_CODE", "must be from 1 to 12");
        }
        Some(Self {
            customer_email,
            vat_code,
            payment_mode: reader
                .text("YOOKASSA_PAYMENT_MODE")
                .unwrap_or_else(|| "full_payment".into()),
            payment_subject: reader
                .text("YOOKASSA_PAYMENT_SUBJECT")
                .unwrap_or_else(|| "service".into()),
        })
    }
}

//! Paid access: plans, the driver's access, promo codes and payments — the types that cross the
//! wire, and the pricing rules the paywall and the server both apply.

use serde::{Deserialize, Serialize};

/// A plan a driver can buy: so many days of access for a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Plan {
    pub id: i64,
    pub days: u32,
    pub price_kopecks: u64,
    /// The price in Telegram Stars, where the plan is sold for Stars.
    pub stars: Option<u32>,
}

/// What a driver may do right now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Access {
    pub active: bool,
    /// RFC 3339; `None` for a driver who never had access.
    pub until: Option<String>,
    /// Whole days left, counting a started day as one.
    pub days_left: u32,
}

/// Which provider takes the driver's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Yookassa,
    Stars,
}

/// Everything the paywall and the profile show (`GET /api/v1/subscription`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionView {
    pub access: Access,
    /// The driver may still start the free trial.
    pub trial_available: bool,
    pub trial_days: u32,
    /// Payments can be switched off as a whole; the paywall then explains instead of selling.
    pub payments_enabled: bool,
    pub plans: Vec<Plan>,
    /// Telegram platforms (`ios`, `android`, …) where the app takes Telegram Stars instead of
    /// roubles, as Telegram's rules for digital goods ask.
    #[serde(default)]
    pub stars_platforms: Vec<String>,
    /// Whether the subscription renews by itself, and with which card.
    #[serde(default)]
    pub autopay: Autopay,
}

/// Where autopay stands: it renews only while `On`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AutopayState {
    /// Never asked for, or switched off by the driver (a saved card stays for one tap back).
    #[default]
    Off,
    /// The saved card is charged a little before access ends, after a word from the bot a day
    /// before.
    On,
    /// The last renewal was declined: nothing renews until the driver pays again, and the days
    /// already paid stay theirs.
    Failed,
}

/// Autopay as the driver sees it (`GET /api/v1/subscription`, `GET`/`PUT /api/v1/me/autopay`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Autopay {
    pub state: AutopayState,
    /// The saved card as YooKassa names it (`Bank card *4444`); `None` when none is saved.
    pub card: Option<String>,
    /// What each renewal charges and gives (the plan's price today, without promo codes).
    pub price_kopecks: Option<u64>,
    pub days: Option<u32>,
    /// When the card is charged next (RFC 3339), while autopay is on.
    pub next_charge_at: Option<String>,
    /// When the last renewal was declined (RFC 3339), while the state is `failed`.
    pub failed_at: Option<String>,
}

impl Autopay {
    /// YooKassa's `Bank card *4477` as the driver reads a card: `•••• 4477`.
    pub fn card_label(&self) -> String {
        let title = self.card.as_deref().unwrap_or_default();
        match title.rsplit_once('*') {
            Some((_, last4)) if !last4.is_empty() => format!("•••• {last4}"),
            _ => title.to_owned(),
        }
    }
}

/// `PUT /api/v1/me/autopay`: switch on (with the card saved before) or off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AutopayRequest {
    pub enabled: bool,
}

/// `POST /api/v1/payments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentRequest {
    pub plan_id: i64,
    /// A promo code as for checking it; blank is none.
    #[serde(default)]
    #[cfg_attr(
        feature = "ssr",
        schema(pattern = r"^\s*([A-Za-z0-9А-Яа-яЁё_-]{3,32}\s*)?$")
    )]
    pub promo_code: Option<String>,
    /// The Telegram platform the app runs on: it decides between YooKassa and Stars.
    #[serde(default)]
    pub platform: Option<String>,
    /// Save the card and renew by itself (YooKassa only; Telegram Stars cannot).
    #[serde(default)]
    pub autopay: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Created, the driver has not paid yet.
    Pending,
    Succeeded,
    Canceled,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "succeeded" => Some(Self::Succeeded),
            "canceled" => Some(Self::Canceled),
            _ => None,
        }
    }
}

/// A payment as the driver sees it (`POST /api/v1/payments`, `GET /api/v1/payments/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentView {
    pub id: i64,
    pub status: PaymentStatus,
    pub amount_kopecks: u64,
    pub days: u32,
    /// Where the driver pays (YooKassa's page); `None` once settled or when nothing is owed.
    pub confirmation_url: Option<String>,
    /// Paid in Telegram Stars: how many, and the invoice to open with `openInvoice`.
    #[serde(default)]
    pub stars: Option<u32>,
    #[serde(default)]
    pub invoice_link: Option<String>,
    pub access: Access,
}

/// `POST /api/v1/promo/check` and `/api/v1/promo/redeem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PromoRequest {
    /// Letters, digits, `-` and `_`, 3 to 32 of them (case and spaces around do not matter).
    #[cfg_attr(
        feature = "ssr",
        schema(pattern = r"^\s*[A-Za-z0-9А-Яа-яЁё_-]{3,32}\s*$")
    )]
    pub code: String,
}

/// What a promo code gives. On the wire `{"kind": "percent_off", "value": 20}`, read through the
/// same [`PromoBenefit::from_parts`] the database's rows go through (and cheaply in the browser).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(into = "BenefitParts", try_from = "BenefitParts")]
pub enum PromoBenefit {
    /// Days added on top of a purchased plan.
    ExtraDays(u32),
    /// Percent off a plan's price (1–100).
    PercentOff(u32),
    /// A fixed amount off a plan's price, in kopecks.
    AmountOff(u64),
    /// Access for this many days, with nothing to pay.
    FreeDays(u32),
}

#[derive(Serialize, Deserialize)]
struct BenefitParts {
    kind: String,
    value: u64,
}

impl From<PromoBenefit> for BenefitParts {
    fn from(benefit: PromoBenefit) -> Self {
        Self {
            kind: benefit.kind().to_owned(),
            value: benefit.value(),
        }
    }
}

impl TryFrom<BenefitParts> for PromoBenefit {
    type Error = String;

    fn try_from(parts: BenefitParts) -> Result<Self, String> {
        Self::from_parts(&parts.kind, parts.value)
            .ok_or_else(|| format!("not a promo benefit: {} {}", parts.kind, parts.value))
    }
}

/// The smallest amount YooKassa takes: below it, the purchase is free.
pub const MINIMUM_CHARGE_KOPECKS: u64 = 100;

impl PromoBenefit {
    pub fn kind(self) -> &'static str {
        match self {
            Self::ExtraDays(_) => "extra_days",
            Self::PercentOff(_) => "percent_off",
            Self::AmountOff(_) => "amount_off",
            Self::FreeDays(_) => "free_days",
        }
    }

    pub fn value(self) -> u64 {
        match self {
            Self::ExtraDays(days) | Self::PercentOff(days) | Self::FreeDays(days) => days.into(),
            Self::AmountOff(kopecks) => kopecks,
        }
    }

    pub fn from_parts(kind: &str, value: u64) -> Option<Self> {
        let small = u32::try_from(value).ok();
        match kind {
            "extra_days" => small.filter(|&d| d > 0).map(Self::ExtraDays),
            "percent_off" => small
                .filter(|&p| (1..=100).contains(&p))
                .map(Self::PercentOff),
            "amount_off" => (value > 0).then_some(Self::AmountOff(value)),
            "free_days" => small.filter(|&d| d > 0).map(Self::FreeDays),
            _ => None,
        }
    }

    /// What a plan costs in Telegram Stars and gives with this code: percent discounts and
    /// extra days apply; a discount in roubles does not. Below one star it is free.
    pub fn quote_stars(self, stars: u32, plan: &Plan) -> (u32, u32) {
        match self {
            Self::ExtraDays(extra) => (stars, plan.days + extra),
            Self::PercentOff(percent) => (
                (u64::from(stars) * u64::from(100 - percent.min(100)) / 100) as u32,
                plan.days,
            ),
            Self::AmountOff(_) | Self::FreeDays(_) => (stars, plan.days),
        }
    }

    /// What a plan costs and gives with this code: `(kopecks to pay, days of access)`. Amounts
    /// below YooKassa's minimum are rounded down to free.
    pub fn quote(self, plan: &Plan) -> (u64, u32) {
        let (price, days) = match self {
            Self::ExtraDays(extra) => (plan.price_kopecks, plan.days + extra),
            Self::PercentOff(percent) => (
                plan.price_kopecks * u64::from(100 - percent.min(100)) / 100,
                plan.days,
            ),
            Self::AmountOff(off) => (plan.price_kopecks.saturating_sub(off), plan.days),
            Self::FreeDays(_) => (plan.price_kopecks, plan.days),
        };
        if price < MINIMUM_CHARGE_KOPECKS {
            (0, days)
        } else {
            (price, days)
        }
    }
}

/// A code that applies (`POST /api/v1/promo/check`): what it gives, and each plan's new price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PromoQuote {
    /// The code as the driver should see it (upper case).
    pub code: String,
    pub benefit: PromoBenefit,
    /// `(plan id, kopecks to pay, days)` for each plan; empty for free days.
    pub plans: Vec<PlanQuote>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanQuote {
    pub plan_id: i64,
    pub price_kopecks: u64,
    pub days: u32,
}

/// Codes are compared without regard to case or surrounding spaces.
pub fn normalize_promo_code(code: &str) -> String {
    code.trim().to_uppercase()
}

/// A code may hold letters, digits, `-` and `_`, 3 to 32 of them.
pub fn is_valid_promo_code(code: &str) -> bool {
    let count = code.chars().count();
    (3..=32).contains(&count)
        && code
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month() -> Plan {
        Plan {
            id: 3,
            days: 30,
            price_kopecks: 199_000,
            stars: Some(1000),
        }
    }

    #[test]
    fn each_kind_of_code_prices_a_plan_as_promised() {
        assert_eq!(PromoBenefit::PercentOff(20).quote(&month()), (159_200, 30));
        assert_eq!(
            PromoBenefit::AmountOff(50_000).quote(&month()),
            (149_000, 30)
        );
        assert_eq!(PromoBenefit::ExtraDays(7).quote(&month()), (199_000, 37));
        assert_eq!(PromoBenefit::PercentOff(100).quote(&month()), (0, 30));
        assert_eq!(
            PromoBenefit::AmountOff(198_950).quote(&month()),
            (0, 30),
            "below YooKassa's one rouble the purchase is free"
        );
        assert_eq!(PromoBenefit::AmountOff(10_000_000).quote(&month()), (0, 30));
    }

    #[test]
    fn codes_are_read_without_regard_to_case_and_only_sane_ones_pass() {
        assert_eq!(normalize_promo_code("  leto-2026 "), "LETO-2026");
        assert_eq!(normalize_promo_code("дальнобой"), "ДАЛЬНОБОЙ");
        assert!(is_valid_promo_code("LETO-2026"));
        assert!(is_valid_promo_code("ДАЛЬНОБОЙ"));
        assert!(!is_valid_promo_code("AB"));
        assert!(!is_valid_promo_code("DROP TABLE"));
        assert!(!is_valid_promo_code(&"X".repeat(33)));
    }

    #[test]
    fn benefits_round_trip_through_their_stored_parts() {
        for benefit in [
            PromoBenefit::ExtraDays(7),
            PromoBenefit::PercentOff(15),
            PromoBenefit::AmountOff(30_000),
            PromoBenefit::FreeDays(3),
        ] {
            assert_eq!(
                PromoBenefit::from_parts(benefit.kind(), benefit.value()),
                Some(benefit)
            );
        }
        assert_eq!(PromoBenefit::from_parts("percent_off", 101), None);
        assert_eq!(PromoBenefit::from_parts("free_days", 0), None);
        assert_eq!(PromoBenefit::from_parts("gift", 1), None);
    }
}

//! What the plans and promo codes page and its API speak.

use serde::{Deserialize, Serialize};

/// A plan as admins see it, on sale or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanView {
    pub id: i64,
    pub days: u32,
    pub price_kopecks: u64,
    pub stars_price: Option<u32>,
    pub active: bool,
    pub position: i32,
}

/// `POST /admin/api/plans` and `PUT /admin/api/plans/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 3650))]
    pub days: u32,
    #[cfg_attr(feature = "ssr", schema(minimum = 100, maximum = 100_000_000))]
    pub price_kopecks: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 1_000_000))]
    pub stars_price: Option<u32>,
    #[serde(default = "on")]
    pub active: bool,
    /// Where the paywall shows it; after the last plan when absent.
    #[serde(default)]
    pub position: Option<i32>,
}

fn on() -> bool {
    true
}

/// A promo code with how often it has been used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PromoView {
    pub id: i64,
    pub code: String,
    pub kind: String,
    /// Days, percent, or kopecks (`amount_off`).
    pub value: i64,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub max_uses: Option<i32>,
    pub used_count: i32,
    /// Drivers' uses recorded in `promo_uses`.
    pub uses: i64,
    pub active: bool,
    pub campaign: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

/// `POST /admin/api/promo`. Dates are `YYYY-MM-DD` (UTC; `valid_until` is included) or
/// RFC 3339.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPromo {
    #[cfg_attr(feature = "ssr", schema(min_length = 3, max_length = 32))]
    pub code: String,
    #[cfg_attr(
        feature = "ssr",
        schema(pattern = r"^(extra_days|percent_off|amount_off|free_days)$")
    )]
    pub kind: String,
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 100_000_000))]
    pub value: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub valid_from: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub valid_until: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub max_uses: Option<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 60))]
    pub campaign: Option<String>,
}

/// `POST /admin/api/promo/batch`: `count` random codes `<PREFIX>-XXXXX-XXXX-XXXX` for a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PromoBatch {
    #[cfg_attr(
        feature = "ssr",
        schema(min_length = 1, max_length = 60, pattern = r"\S")
    )]
    pub campaign: String,
    /// The codes' first part; the campaign's name when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 16))]
    pub prefix: Option<String>,
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 1000))]
    pub count: u32,
    #[cfg_attr(
        feature = "ssr",
        schema(pattern = r"^(extra_days|percent_off|amount_off|free_days)$")
    )]
    pub kind: String,
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 100_000_000))]
    pub value: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub valid_from: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub valid_until: Option<String>,
    /// Uses of each code.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub max_uses: Option<u32>,
}

impl PromoBatch {
    pub const MAX_COUNT: u32 = 1000;
}

/// `PUT /admin/api/promo/{code}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PromoChange {
    pub active: bool,
}

/// `GET /admin/api/promo/guesses`: who tried promo codes that do not exist, most first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PromoGuesses {
    /// Wrong codes tried by all drivers, ever.
    pub total: u64,
    pub drivers: Vec<PromoGuesser>,
}

/// One driver's wrong promo codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PromoGuesser {
    pub driver_id: i64,
    pub telegram_id: i64,
    pub name: String,
    pub username: Option<String>,
    pub wrong: u64,
    pub last_code: String,
    pub last_at: String,
}

impl PromoGuesses {
    /// The most drivers the page lists.
    pub const TOP: u64 = 50;
}

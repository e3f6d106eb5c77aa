//! What the Mini App, a browser on a computer and the server say about passes.

use serde::{Deserialize, Serialize};

use crate::subscription::PaymentView;

/// A pass plan on sale: so many hours of the cabinet for a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PassPlan {
    pub id: i64,
    pub hours: u32,
    pub price_kopecks: u64,
    /// The price in Telegram Stars, where the plan is sold for Stars.
    pub stars: Option<u32>,
}

/// Where a pass stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PassState {
    /// Bought, the payment has not come through yet.
    Pending,
    Active,
    Expired,
    Revoked,
}

/// A pass as its driver sees it (never its token, which is shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PassView {
    pub id: i64,
    pub hours: u32,
    pub state: PassState,
    /// RFC 3339; `None` while the pass waits for its payment.
    pub expires_at: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// `GET /api/v1/passes`: the driver's passes and the plans on sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PassesView {
    pub passes: Vec<PassView>,
    pub plans: Vec<PassPlan>,
}

/// `POST /api/v1/passes`: buy a pass of this plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BuyPass {
    pub plan_id: i64,
    /// The Telegram platform the app runs on: it decides between YooKassa and Stars.
    #[serde(default)]
    pub platform: Option<String>,
}

/// A bought pass: its token (shown this once) and the payment to complete; the pass starts
/// when the payment comes through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BoughtPass {
    pub pass: PassView,
    /// 64 URL-safe characters; Hauler keeps only its hash.
    pub token: String,
    pub payment: PaymentView,
}

/// `POST /api/v1/cabinet/authenticate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Authenticate {
    pub token: String,
}

/// Whose pass opened the cabinet in this browser, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CabinetStatus {
    pub driver_id: i64,
    pub pass_id: i64,
    /// RFC 3339.
    pub expires_at: String,
}

/// A one-time link that opens the cabinet in another browser (a computer's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginLink {
    /// Absolute; works once.
    pub url: String,
    /// RFC 3339.
    pub expires_at: String,
}

//! What the cabinet page and its API speak: passes (issue, revoke, list), their plans, the
//! audited cabinet sessions, and the path policy.

use serde::{Deserialize, Serialize};

/// A pass as admins see it (never its token, shown once when issued).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PassRow {
    pub id: i64,
    pub driver_id: i64,
    pub hours: u32,
    /// `pending`, `active`, `expired` or `revoked`.
    pub state: String,
    pub issued_by: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub payment_id: Option<i64>,
}

/// `POST /admin/api/passes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PassGrant {
    pub driver_id: i64,
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 8784))]
    pub hours: u32,
}

/// A pass just issued: its token, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssuedPass {
    pub pass: PassRow,
    pub token: String,
}

/// A pass plan as admins see it, on sale or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PassPlanRow {
    pub id: i64,
    pub hours: u32,
    pub price_kopecks: u64,
    pub stars_price: Option<u32>,
    pub active: bool,
    pub position: i32,
}

/// `POST /admin/api/pass-plans` and `PUT /admin/api/pass-plans/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PassPlanInput {
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 8784))]
    pub hours: u32,
    #[cfg_attr(feature = "ssr", schema(minimum = 100, maximum = 100_000_000))]
    pub price_kopecks: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 1_000_000))]
    pub stars_price: Option<u32>,
    #[serde(default = "on")]
    pub active: bool,
}

fn on() -> bool {
    true
}

/// A cabinet session: who, when, from where, how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CabinetSessionRow {
    pub id: i64,
    pub pass_id: i64,
    pub driver_id: i64,
    /// `cookie` (a browser signed in) or `token` (the pass's token with each request).
    pub via: String,
    pub client_addr: Option<String>,
    pub started_at: String,
    pub last_seen_at: String,
    pub pages: i64,
    pub requests: i64,
    pub bytes_down: i64,
    pub bytes_up: i64,
    pub refused: i64,
}

/// A closed path of the cabinet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyRuleRow {
    pub id: i64,
    pub prefix: String,
    pub reason: String,
    pub added_by: String,
    pub created_at: String,
}

/// `POST /admin/api/cabinet/policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicyRuleInput {
    /// The path closed, and every path under it: from `/`, at most 200 characters.
    #[cfg_attr(feature = "ssr", schema(pattern = r"^/", max_length = 200))]
    pub prefix: String,
    /// Why, for the drivers refused and the audit log: 1 to 200 characters, not only spaces.
    #[cfg_attr(
        feature = "ssr",
        schema(pattern = r"\S", min_length = 1, max_length = 200)
    )]
    pub reason: String,
}

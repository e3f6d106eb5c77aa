//! What the CargoTech connection page and its API speak (`/admin/api/connection…`).

use serde::{Deserialize, Serialize};

/// Where a CargoTech account's login stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    NotConnected,
    LoggingIn,
    Connected,
    SmsRequired,
    WrongCredentials,
    ExchangeDown,
}

impl LinkState {
    pub fn is_healthy(self) -> bool {
        self == Self::Connected
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
/// One account (`?account=<name>`, the primary one by default), and a line for every account.
pub struct ConnectionView {
    pub account: String,
    pub state: LinkState,
    /// Since the token in use was issued or picked up (RFC 3339).
    pub token_since: Option<String>,
    pub token_age_seconds: Option<u64>,
    pub last_check: Option<String>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub logins: u64,
    pub relogins: u64,
    /// Set when a token another instance sealed does not open on this one: the instances were
    /// given different `ENCRYPTION_KEY`s.
    #[serde(default)]
    pub key_mismatch: Option<String>,
    /// The latest `cargotech.*` entries of the audit log, newest first.
    pub history: Vec<ConnectionEvent>,
    /// Every configured account, the primary one first.
    #[serde(default)]
    pub accounts: Vec<AccountLine>,
}

/// An account at a glance: its login and its share of the upstream budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountLine {
    pub account: String,
    pub state: LinkState,
    pub used_last_minute: u32,
    pub budget_per_minute: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionEvent {
    pub at: String,
    pub actor: String,
    pub action: String,
}

/// `POST /admin/api/connection/sms-code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SmsCodeEntry {
    pub code: String,
}

/// The sandbox exchange's knobs (`POST /admin/api/connection/sandbox`); what is absent stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SandboxKnobs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(maximum = 60_000))]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 100_000))]
    pub rate_limit_per_minute: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_sms: Option<bool>,
    /// The next `count` requests fail this way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<SandboxFailure>,
    #[serde(default)]
    pub revoke_tokens: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SandboxFailure {
    /// `server_error`, `timeout`, `malformed_json` or `malformed_item`.
    #[cfg_attr(
        feature = "ssr",
        schema(pattern = r"^(server_error|timeout|malformed_json|malformed_item)$")
    )]
    pub kind: String,
    #[cfg_attr(feature = "ssr", schema(maximum = 1000))]
    pub count: u32,
}

/// The sandbox exchange's own counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SandboxStats {
    pub requests: u64,
    pub logins: u64,
    pub lists: u64,
    pub details: u64,
    pub throttled: u64,
    pub unauthorized: u64,
    pub peak_per_minute: u64,
}

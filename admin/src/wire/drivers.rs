//! What the drivers page and its API speak. Times are RFC 3339 strings (UTC).

use serde::{Deserialize, Serialize};

/// The most rows one page of the list may ask for.
pub const MAX_PER_PAGE: u64 = 100;
pub const DEFAULT_PER_PAGE: u64 = 25;
/// The most days one gift may give.
pub const MAX_GIFT_DAYS: i64 = 365;
/// The longest message the bot sends for an admin, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Where a driver stands with access to loads. A ban outranks everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DriverState {
    /// Access running, with at least one paid, promo or gifted grant.
    Active,
    /// Access running on the free trial alone.
    Trial,
    /// Had access once; it has ended.
    Expired,
    /// Never had access.
    Never,
    Banned,
}

impl DriverState {
    pub const ALL: [DriverState; 5] = [
        DriverState::Active,
        DriverState::Trial,
        DriverState::Expired,
        DriverState::Never,
        DriverState::Banned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Trial => "trial",
            Self::Expired => "expired",
            Self::Never => "never",
            Self::Banned => "banned",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// How the list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DriverSort {
    /// Most recently joined first.
    Newest,
    /// By first name, then last name.
    Name,
    /// Whose access ends soonest first; drivers who never had access last.
    AccessEnds,
}

impl DriverSort {
    pub const ALL: [DriverSort; 3] = [DriverSort::Newest, DriverSort::Name, DriverSort::AccessEnds];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Name => "name",
            Self::AccessEnds => "access_ends",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|sort| sort.as_str() == text)
    }
}

/// One row of the drivers list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DriverRow {
    pub id: i64,
    pub telegram_id: i64,
    pub name: String,
    pub username: Option<String>,
    pub state: DriverState,
    pub access_ends_at: Option<String>,
    pub joined_at: String,
}

/// `GET /admin/api/drivers`: one page of the list, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DriverPage {
    pub rows: Vec<DriverRow>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl DriverPage {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DriverProfile {
    pub id: i64,
    pub telegram_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub joined_at: String,
    pub banned_at: Option<String>,
    /// The bot may write to them (they have not blocked it).
    pub bot_reachable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessView {
    pub state: DriverState,
    pub active: bool,
    pub ends_at: Option<String>,
    pub days_left: u32,
}

/// One change of a driver's access (a row of `access_grants`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantRow {
    pub source: String,
    pub source_ref: String,
    /// Negative when days were taken back.
    pub days: i32,
    pub ends_before: String,
    pub ends_after: String,
    pub granted_by: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = DriverPaymentRow))]
pub struct PaymentRow {
    pub id: i64,
    pub provider: String,
    pub status: String,
    /// In the currency's smallest unit (kopecks, stars).
    pub amount: i64,
    pub currency: String,
    pub refunded: i64,
    pub days: i32,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResponseRow {
    pub cargo_id: u64,
    pub route: String,
    pub status: String,
    pub responded_at: String,
}

/// `GET /admin/api/drivers/{id}`: everything the driver's page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DriverDetail {
    pub profile: DriverProfile,
    pub access: AccessView,
    /// Newest first.
    pub grants: Vec<GrantRow>,
    /// Newest first.
    pub payments: Vec<PaymentRow>,
    /// The latest 50, newest first.
    pub responses: Vec<ResponseRow>,
    /// `None` for a driver who never asked for autopay.
    #[serde(default)]
    pub autopay: Option<AutopayView>,
}

/// Whether the driver's subscription renews by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AutopayView {
    /// `on`, `off` (switched off by the driver) or `failed` (a renewal was declined).
    pub state: String,
    /// The saved card as YooKassa names it; `None` once a renewal failed.
    pub card: Option<String>,
    /// YooKassa's reason for the last declined renewal.
    pub failure: Option<String>,
    pub failed_at: Option<String>,
    pub updated_at: String,
}

/// `POST /admin/api/drivers/{id}/gift`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GiftDays {
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 365))]
    pub days: i64,
}

/// `POST /admin/api/drivers/{id}/message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DriverMessage {
    #[cfg_attr(
        feature = "ssr",
        schema(min_length = 1, max_length = 2000, pattern = r"\S")
    )]
    pub text: String,
}

/// What a message check finds wrong, shared by the form and the server.
pub fn message_problem(text: &str) -> Option<&'static str> {
    let length = text.trim().chars().count();
    if length == 0 {
        Some("Write a message first")
    } else if length > MAX_MESSAGE_CHARS {
        Some("A message may have at most 2000 characters")
    } else {
        None
    }
}

/// What a gift check finds wrong, shared by the form and the server.
pub fn gift_problem(days: i64) -> Option<&'static str> {
    (!(1..=MAX_GIFT_DAYS).contains(&days)).then_some("Gift between 1 and 365 days")
}

/// The most calls a minute an admin may leave a driver when cutting their share.
pub const MAX_SHARE_CUT: u32 = 1000;

/// `GET /admin/api/drivers/{id}/upstream-share`: the driver's share of the exchange's calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpstreamShare {
    /// Calls a minute the driver may cause now: the fair share, under the cut if there is one.
    pub share_per_minute: u32,
    /// An admin's cut, in calls a minute (0: cached answers only).
    pub cap_per_minute: Option<u32>,
    /// Calls the driver caused in the last hour.
    pub calls_last_hour: u64,
}

/// `PUT /admin/api/drivers/{id}/upstream-share`: cut the share to `cap_per_minute`, or lift the
/// cut with `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShareCut {
    #[cfg_attr(feature = "ssr", schema(maximum = 1000))]
    pub cap_per_minute: Option<u32>,
}

/// What a cut check finds wrong, shared by the form and the server.
pub fn cut_problem(cap: Option<u32>) -> Option<&'static str> {
    cap.is_some_and(|cap| cap > MAX_SHARE_CUT)
        .then_some("A driver's share is cut to 0 to 1000 calls a minute")
}

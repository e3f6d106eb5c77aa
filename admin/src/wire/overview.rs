//! What the overview page and its API speak (`GET /admin/api/overview`).

use serde::{Deserialize, Serialize};

/// The service at a glance. Money is in the currency's smallest unit (kopecks, stars).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Overview {
    /// When the figures were taken (RFC 3339).
    pub taken_at: String,
    pub drivers: DriverFigures,
    pub access: AccessFigures,
    pub revenue: Revenue,
    pub upstream: UpstreamFigures,
    pub upstream_use: UpstreamUse,
    /// Bot messages waiting to go out.
    pub outbox_backlog: u64,
    /// The last 30 days, oldest first (Moscow days).
    pub days: Vec<DayFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DriverFigures {
    pub total: u64,
    /// Signed in or responded to a load since midnight, Moscow time.
    pub active_today: u64,
    /// Joined in the last 7 days.
    pub new_this_week: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessFigures {
    /// Drivers with access now who have paid, redeemed a code or been gifted days.
    pub paying: u64,
    /// Drivers with access now from the free trial alone.
    pub trials: u64,
}

/// Succeeded payments minus what was refunded of them, by the day they were made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Revenue {
    pub rub_today_kopecks: i64,
    pub rub_30_days_kopecks: i64,
    pub stars_today: i64,
    pub stars_30_days: i64,
}

/// The CargoTech side, from this instance's memory (never a call to the exchange).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpstreamFigures {
    pub budget_per_minute: u32,
    pub used_last_minute: u32,
    pub queue_depth: u64,
    /// The exchange asked us to pause (Retry-After) for this long still.
    pub paused_for_ms: u64,
    /// Hits (fresh or revalidated) over all cache reads since start, 0..1.
    pub cache_hit_ratio: f64,
    /// `closed`, `open` or `half_open`.
    pub breaker: String,
    /// The connection's state, as on the connection page.
    pub connection: super::connection::LinkState,
}

/// The budget's use over the last hour (every instance's, when they share Redis), in calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpstreamUse {
    pub lists: u64,
    pub details: u64,
    pub cities: u64,
    /// The accounts' own upkeep: logging in and health checks.
    pub login: u64,
    /// Work nobody waits on: prefetching details, refreshing, watching for new loads.
    pub background: u64,
    /// The drivers who caused the most calls, the costliest first.
    pub top_drivers: Vec<DriverCost>,
}

/// How many drivers the overview names by their cost.
pub const TOP_DRIVERS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DriverCost {
    pub driver_id: i64,
    pub name: String,
    pub calls: u64,
    /// An admin's cut of their share, in calls a minute.
    pub cap_per_minute: Option<u32>,
    pub banned: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayFigures {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub rub_kopecks: i64,
    pub stars: i64,
    pub new_drivers: u64,
}

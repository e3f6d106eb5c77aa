//! What the service tokens page and its API speak (`/admin/api/service-tokens…`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ServiceTokenView {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub created_by: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    /// `live`, `expired` or `revoked`.
    pub state: String,
}

/// `POST /admin/api/service-tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewServiceToken {
    #[cfg_attr(feature = "ssr", schema(pattern = r"^[A-Za-z0-9_-]{1,40}$"))]
    pub name: String,
    /// Without it, the token lives until revoked.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 3650))]
    pub expires_in_days: Option<u32>,
}

/// The answer to creating one: the raw token, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IssuedServiceToken {
    pub token: String,
    pub service_token: ServiceTokenView,
}

//! What the service tokens page and its API speak (`/admin/api/service-tokens…`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct NewServiceToken {
    pub name: String,
    /// Without it, the token lives until revoked.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// The answer to creating one: the raw token, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedServiceToken {
    pub token: String,
    pub service_token: ServiceTokenView,
}

//! What the admins page and its API speak (`/admin/api/admins…`): owners invite further
//! admins, change their roles, and switch accounts off.

use serde::{Deserialize, Serialize};

use super::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminView {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub created_at: String,
    pub created_by: String,
    pub last_login_at: Option<String>,
    pub disabled: bool,
    /// Logging in asks for an authenticator app's code.
    pub second_factor: bool,
}

/// `POST /admin/api/admins`: the owner sets a first password and hands it over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewAdmin {
    #[cfg_attr(
        feature = "ssr",
        schema(min_length = 3, max_length = 254, pattern = "@")
    )]
    pub email: String,
    pub role: Role,
    #[cfg_attr(feature = "ssr", schema(min_length = 12))]
    pub password: String,
}

/// `PUT /admin/api/admins/{id}`: a new role, or the account switched off or on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminChange {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

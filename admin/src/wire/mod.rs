//! What the admin dashboard's JSON API (`/admin/api/…`) speaks: one definition for the browser
//! and the server.

pub mod admins;
pub mod audit;
pub mod cabinet;
pub mod cities;
pub mod connection;
pub mod drivers;
pub mod overview;
pub mod payments;
pub mod promo;
pub mod second_factor;
pub mod service_tokens;
pub mod settings;
pub mod shippers;

use serde::{Deserialize, Serialize};

/// What an admin may do. Owners do everything, secrets and admins included; admins run drivers,
/// money, promo codes and flags; support reads, and may gift days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Support,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Support => "support",
            Self::Admin => "admin",
            Self::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "support" => Some(Self::Support),
            "admin" => Some(Self::Admin),
            "owner" => Some(Self::Owner),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminProfile {
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The authenticator app's code, for admins who turned the second factor on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The signed-in admin, and the token every state-changing call must send as `X-CSRF-Token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminSessionView {
    pub admin: AdminProfile,
    pub csrf: String,
}

/// Every refusal: a stable code and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

impl ErrorBody {
    pub fn transport() -> Self {
        Self {
            code: "transport".into(),
            message: "The server cannot be reached".into(),
        }
    }
}

/// A feature flag as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FlagView {
    pub name: String,
    pub on: bool,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FlagChange {
    pub on: bool,
}

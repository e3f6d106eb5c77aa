//! What the settings and secrets page and its API speak (`/admin/api/settings…`). A secret's
//! value never comes back: only whether it is set, and at most its last two characters.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SettingView {
    pub key: String,
    pub label: String,
    pub secret: bool,
    pub set: bool,
    /// A plain setting's value; always `None` for a secret.
    pub value: Option<String>,
    /// A secret as shown, e.g. `••••42`; `None` when not set.
    pub masked: Option<String>,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    pub note: String,
}

/// `PUT /admin/api/settings/{key}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SettingChange {
    pub value: String,
}

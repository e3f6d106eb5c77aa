//! What the audit log page and its API speak. Times are RFC 3339 strings (UTC).

use serde::{Deserialize, Serialize};

pub const AUDIT_PER_PAGE: u64 = 50;

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub object: Option<String>,
    /// JSON, as recorded (before/after values and the like).
    pub details: Option<String>,
    pub client_addr: Option<String>,
}

/// `GET /admin/api/audit`: one page, newest first, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl AuditPage {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

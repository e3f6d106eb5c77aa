//! What drivers reported about shippers after responding, as moderators see and settle them.

use serde::{Deserialize, Serialize};

/// A report's places: asked (no answer yet), pending (answered, waiting), approved, rejected.
pub const STATES: [&str; 4] = ["pending", "approved", "rejected", "asked"];

/// One driver's report about one load's shipper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShipperReportView {
    pub id: i64,
    pub driver_id: i64,
    pub driver_name: String,
    pub cargo_id: i64,
    pub shipper_inn: String,
    pub shipper_name: Option<String>,
    pub route: Option<String>,
    /// `agreed`, `no_answer`, `already_gone` or `not_paid`; `null` until the driver answers.
    pub outcome: Option<String>,
    pub state: String,
    /// RFC 3339.
    pub answered_at: Option<String>,
    /// Who settled it (`admin:<email>`), when someone did.
    pub moderated_by: Option<String>,
}

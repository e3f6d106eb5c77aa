//! What the points dictionary's panel and its API speak (`/admin/api/cities…`): the dictionary
//! city search answers from, held by Hauler and refreshed from the exchange.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CitiesView {
    /// Points in the dictionary this instance searches; `None` while it has never loaded.
    pub points: Option<u64>,
    /// When it was last read from the exchange (RFC 3339), and by whom.
    pub refreshed_at: Option<String>,
    pub refreshed_by: Option<String>,
    /// A refresh runs on this instance now.
    pub refreshing: bool,
    /// Why the last refresh failed, when it did.
    pub last_failure: Option<String>,
}

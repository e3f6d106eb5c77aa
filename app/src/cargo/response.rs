//! A driver's response ("отклик") to a load: recorded once per driver and load, with the card as
//! it was when they responded, and a status that moves forward as the shipper is reached.

use serde::{Deserialize, Serialize};

use super::card::CargoCard;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatus {
    /// The card and contacts are on their way to the driver's chat.
    Sent,
    /// The driver opened the contacts.
    Viewed,
    /// The driver called the shipper.
    Contacted,
}

impl ResponseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Viewed => "viewed",
            Self::Contacted => "contacted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "sent" => Some(Self::Sent),
            "viewed" => Some(Self::Viewed),
            "contacted" => Some(Self::Contacted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CargoResponse {
    pub cargo_id: u64,
    pub status: ResponseStatus,
    /// The card as the driver saw it when responding (the load may be gone since).
    pub card: CargoCard,
    /// RFC 3339.
    pub responded_at: String,
}

/// `PUT /api/v1/cargos/{id}/response`'s body, to move a response forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatusChange {
    pub status: ResponseStatus,
}

//! Filters a driver keeps: the last one used (restored on the next open) and named ones to pick
//! from, which can also ask for alerts about new loads.

use serde::{Deserialize, Serialize};

use super::filter::CargoFilter;

/// A saved filter's name: 1 to 60 characters once trimmed.
pub const NAME_MAX_CHARS: usize = 60;
/// A driver keeps at most this many named filters.
pub const SAVED_FILTERS_MAX: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SavedFilter {
    pub id: i64,
    pub name: String,
    pub filter: CargoFilter,
    /// Alerts about new loads matching it, through the bot.
    pub notify: bool,
    /// Paused: no alerts until resumed (the filter itself still applies).
    #[serde(default)]
    pub paused: bool,
}

/// The body that creates or replaces a named filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SavedFilterDraft {
    /// 1 to 60 characters once trimmed.
    #[cfg_attr(feature = "ssr", schema(max_length = 60, pattern = r"\S"))]
    pub name: String,
    pub filter: CargoFilter,
    #[serde(default)]
    pub notify: bool,
    /// `PUT /api/v1/me/filters/{id}` pauses (`true`) or resumes (`false`) its alerts.
    #[serde(default)]
    pub paused: bool,
}

impl SavedFilterDraft {
    /// The name as it will be kept, if it is acceptable.
    pub fn clean_name(&self) -> Option<String> {
        let name = self.name.trim();
        let length = name.chars().count();
        (1..=NAME_MAX_CHARS)
            .contains(&length)
            .then(|| name.to_owned())
    }
}

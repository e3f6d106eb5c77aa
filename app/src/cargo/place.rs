//! Searches by place: loads near the driver, a load back home, loads along the way. Each answer
//! is a page of ordinary cards, each with how far its loading point is from where the search
//! starts (and, along a route, what it adds to the trip), and the cities the search looked in.

use serde::{Deserialize, Serialize};

use super::{
    card::{CargoCard, Staleness},
    dictionary::City,
};

/// A city a search looked in, and how far it is from where the search starts, km.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CitySearched {
    pub city: City,
    pub km: u32,
}

/// A card placed relative to the search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlacedCard {
    pub card: CargoCard,
    /// From where the search starts (the driver, the unloading city, the route's start) to the
    /// loading city, great-circle km.
    pub pickup_km: u32,
    /// Along a route: what going by this load's loading and unloading cities adds to the route,
    /// great-circle km.
    pub detour_km: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlacedPage {
    /// The cities looked in, in the order searched.
    pub cities: Vec<CitySearched>,
    pub cards: Vec<PlacedCard>,
    /// Every load the search found (each city's loads are searched up to its first 1,000).
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    /// Back home: the city the loads go towards (the driver's home city, or the delivery's
    /// origin).
    pub toward: Option<City>,
    /// Set when some of it is cached data served because the exchange is unavailable.
    pub stale: Option<Staleness>,
    /// Set when a city searched had more than 1,000 loads: only its first 1,000 (newest first)
    /// were searched.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub capped: bool,
}

/// The radii a driver may choose for loads near them, km.
pub const NEAR_RADII_KM: [u32; 4] = [50, 100, 200, 300];

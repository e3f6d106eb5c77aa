//! Answering a narrow question from a broader one held in full. A driver asking for loads from
//! Казань to Москва, or from Казань that fit a Gazelle, is served from the loads from Казань
//! when all of them are in the shared cache (a few windows), instead of an upstream call of
//! their own: most drivers watch a handful of loading cities, each with its own long tail of
//! destinations and truck sizes, and one broad answer serves the whole tail.
//!
//! Only what a card shows exactly is narrowed here:
//! - a destination settlement without a radius, by the card's unloading city id;
//! - a truck's capacity, as the exchange's `filter[wv]` does: the load's weight fits the tonnes
//!   and its volume fits the cubic metres; or a weight/volume category: both lie in its ranges.
//!
//! A card that cannot tell sends the question to the exchange as it is: no city id, no weight, or
//! no volume (the exchange may know a volume its list leaves out, and filter by it).

use app::cargo::{
    card::CargoCard,
    dictionary::SETTLEMENT_POINT_TYPES,
    filter::{CargoFilter, WeightVolume},
};

/// Broad answers are gathered in full only up to this many loads (five windows).
pub const MAX_BROAD_TOTAL: u64 = 500;

#[derive(Debug, Clone, PartialEq)]
pub struct Narrowing {
    /// The same filter without the destination and the capacity.
    pub broad: CargoFilter,
    destination: Option<u32>,
    weight_volume: Option<WeightVolume>,
}

impl Narrowing {
    /// `None` when the filter narrows nothing a card can check, or has no loading place (then
    /// the broader question would be the whole exchange).
    pub fn of(filter: &CargoFilter) -> Option<Self> {
        filter.from.as_ref()?;
        let destination = match &filter.to {
            None => None,
            Some(place)
                if place.radius_km == 0 && SETTLEMENT_POINT_TYPES.contains(&place.point_type) =>
            {
                Some(place.city_id)
            }
            Some(_) => return None,
        };
        let weight_volume = filter.weight_volume.clone();
        if destination.is_none() && weight_volume.is_none() {
            return None;
        }
        Some(Self {
            broad: CargoFilter {
                to: None,
                weight_volume: None,
                ..filter.clone()
            },
            destination,
            weight_volume,
        })
    }

    /// Whether the load answers the narrow question; `None` when its card cannot tell.
    pub fn admits(&self, card: &CargoCard) -> Option<bool> {
        let arrives = match self.destination {
            None => true,
            Some(city_id) => card.to_city_id? == city_id,
        };
        let fits = match &self.weight_volume {
            None => true,
            Some(weight_volume) => weight_volume.admits(card.weight_t?, card.volume_m3?),
        };
        Some(arrives && fits)
    }

    /// The loads of the broad answer that answer the narrow question, in the same order;
    /// `None` when any card cannot tell.
    pub fn select<'a>(&self, loads: Vec<&'a CargoCard>) -> Option<Vec<&'a CargoCard>> {
        let mut selected = Vec::new();
        for card in loads {
            if self.admits(card)? {
                selected.push(card);
            }
        }
        Some(selected)
    }
}

#[cfg(test)]
mod tests;

//! The three searches by place over the gateway. Each chooses a few cities, gathers each city's
//! loads from the windows an ordinary list of it pages through (the same cache keys, so the same
//! cached answers and the same single call for a window that is missing; up to the first 1,000
//! loads of a city, see `Gateway::every_load`), keeps the loads that answer the question and
//! orders them all, so that every page is cut from the one order.

use std::sync::Arc;

use app::cargo::{
    card::{CargoCard, Staleness},
    dictionary::City,
    filter::{CargoFilter, PlaceFilter, SortOrder},
    place::{CitySearched, PlacedCard, PlacedPage},
};

use super::{
    earth::{Path, Spot},
    places::{Place, Places},
};
use crate::cargotech::{Gateway, GatewayError, Payer, in_order};

/// The most cities one search asks for: each may cost the exchange calls when not cached.
pub const MAX_CITIES: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// The city is not in the gazetteer (or not a settlement): the search has nowhere to start.
    #[error("the city {0} has no coordinates")]
    NotLocated(u32),
}

/// Loads leaving within `radius_km` of the driver, nearest first.
pub struct NearSpot {
    pub spot: Spot,
    pub radius_km: f64,
}

/// Loads from a delivery's unloading city and the cities within `radius_km` of it, ending within
/// `radius_km` of `toward` (the driver's home city, or the delivery's origin), loading on or
/// after `loading_from` (`YYYY-MM-DD`).
pub struct BackHome {
    pub unloading_city_id: u32,
    pub toward_city_id: u32,
    pub loading_from: Option<String>,
    pub radius_km: f64,
}

/// Loads whose loading and unloading cities both lie within `corridor_km` of the great circle
/// from one city to another, the unloading one further along, fewest kilometres of detour first.
pub struct AlongRoute {
    pub from_city_id: u32,
    pub to_city_id: u32,
    pub corridor_km: f64,
}

/// Loads found, before the page is cut.
pub struct Found {
    cities: Vec<CitySearched>,
    cards: Vec<PlacedCard>,
    stale: Option<Staleness>,
    /// Some city had more loads than are gathered.
    capped: bool,
}

impl NearSpot {
    pub async fn search(
        &self,
        gateway: &Arc<Gateway>,
        payer: Payer,
        places: &Places,
    ) -> Result<Found, SearchError> {
        let near: Vec<(&Place, f64)> = places
            .near(self.spot, self.radius_km)
            .into_iter()
            .take(MAX_CITIES)
            .collect();
        let cities: Vec<&Place> = near.iter().map(|(place, _)| *place).collect();
        let (pages, stale, capped) = every_load(gateway, payer, &cities).await?;
        let mut cards = Vec::new();
        for ((_, km), page) in near.iter().zip(&pages) {
            cards.extend(page.iter().map(|card| PlacedCard {
                card: card.clone(),
                pickup_km: whole_km(*km),
                detour_km: None,
            }));
        }
        // Nearest first; within a city, as the exchange lists them (newest first).
        cards.sort_by_key(|placed| placed.pickup_km);
        Ok(Found {
            cities: searched(&near),
            cards,
            stale,
            capped,
        })
    }
}

impl BackHome {
    pub async fn search(
        &self,
        gateway: &Arc<Gateway>,
        payer: Payer,
        places: &Places,
    ) -> Result<(Found, City), SearchError> {
        let start = located(places, self.unloading_city_id)?;
        let toward = located(places, self.toward_city_id)?;
        let near: Vec<(&Place, f64)> = places
            .near(start.spot, self.radius_km)
            .into_iter()
            .take(MAX_CITIES)
            .collect();
        let cities: Vec<&Place> = near.iter().map(|(place, _)| *place).collect();
        let (pages, stale, capped) = every_load(gateway, payer, &cities).await?;
        let mut cards: Vec<(PlacedCard, f64)> = Vec::new();
        for ((_, km), page) in near.iter().zip(&pages) {
            for card in page {
                let Some(end) = card.to_city_id.and_then(|id| places.get(id)) else {
                    continue;
                };
                let home_km = end.spot.km_to(toward.spot);
                if home_km > self.radius_km || !self.loads_in_time(card) {
                    continue;
                }
                let placed = PlacedCard {
                    card: card.clone(),
                    pickup_km: whole_km(*km),
                    detour_km: None,
                };
                cards.push((placed, home_km));
            }
        }
        // Nearest the unloading city first, then the nearest home; otherwise as listed.
        cards.sort_by(|a, b| a.0.pickup_km.cmp(&b.0.pickup_km).then(a.1.total_cmp(&b.1)));
        let found = Found {
            cities: searched(&near),
            cards: cards.into_iter().map(|(placed, _)| placed).collect(),
            stale,
            capped,
        };
        Ok((found, toward.point.clone()))
    }

    /// Loading on or after the day asked for; a load with no loading date cannot tell and is
    /// left out.
    fn loads_in_time(&self, card: &CargoCard) -> bool {
        let Some(from) = &self.loading_from else {
            return true;
        };
        card.loading_at
            .as_deref()
            .and_then(|at| at.get(..10))
            .is_some_and(|day| day >= from.as_str())
    }
}

impl AlongRoute {
    pub async fn search(
        &self,
        gateway: &Arc<Gateway>,
        payer: Payer,
        places: &Places,
    ) -> Result<Found, SearchError> {
        let start = located(places, self.from_city_id)?;
        let end = located(places, self.to_city_id)?;
        let path = Path::new(start.spot, end.spot);
        let on_the_way = spread(places.along(&path, self.corridor_km), MAX_CITIES);
        let (pages, stale, capped) = every_load(gateway, payer, &on_the_way).await?;
        let mut cards: Vec<(PlacedCard, f64)> = Vec::new();
        for (pickup, page) in on_the_way.iter().zip(&pages) {
            let pickup_along = path.along_km(pickup.spot);
            for card in page {
                let Some(drop) = card.to_city_id.and_then(|id| places.get(id)) else {
                    continue;
                };
                if path.off_km(drop.spot) > self.corridor_km
                    || path.along_km(drop.spot) <= pickup_along
                {
                    continue;
                }
                let detour = path.detour_km(pickup.spot, drop.spot).max(0.0);
                let placed = PlacedCard {
                    card: card.clone(),
                    pickup_km: whole_km(start.spot.km_to(pickup.spot)),
                    detour_km: Some(whole_km(detour)),
                };
                cards.push((placed, detour));
            }
        }
        // Fewest kilometres of detour first, then the earliest on the way.
        cards.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.pickup_km.cmp(&b.0.pickup_km)));
        let cities = on_the_way
            .iter()
            .map(|place| CitySearched {
                city: place.point.clone(),
                km: whole_km(start.spot.km_to(place.spot)),
            })
            .collect();
        Ok(Found {
            cities,
            cards: cards.into_iter().map(|(placed, _)| placed).collect(),
            stale,
            capped,
        })
    }
}

impl Found {
    /// Every load's id, for the driver's marks.
    pub fn ids(&self) -> Vec<u64> {
        self.cards.iter().map(|placed| placed.card.id).collect()
    }

    /// Orders the loads by the driver's choice instead of the search's own order (ties keep it).
    pub fn sort(&mut self, order: SortOrder) {
        match order {
            // The exchange's order within each city; across cities, by the cards' ages.
            SortOrder::Newest => self
                .cards
                .sort_by_key(|placed| placed.card.age_seconds.unwrap_or(u64::MAX)),
            order => self.cards.sort_by(|a, b| in_order(order, &a.card, &b.card)),
        }
    }

    /// Keeps the loads `keep` admits (the driver's hidden ones go).
    pub fn retain(&mut self, keep: impl Fn(&CargoCard) -> bool) {
        self.cards.retain(|placed| keep(&placed.card));
    }

    /// The driver's page: `limit` cards from `offset`.
    pub fn page(self, offset: u32, limit: u32) -> PlacedPage {
        let total = self.cards.len() as u64;
        PlacedPage {
            cities: self.cities,
            cards: self
                .cards
                .into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .collect(),
            total,
            offset,
            limit,
            toward: None,
            stale: self.stale,
            capped: self.capped,
        }
    }
}

fn located(places: &Places, point_id: u32) -> Result<&Place, SearchError> {
    places
        .get(point_id)
        .ok_or(SearchError::NotLocated(point_id))
}

fn searched(near: &[(&Place, f64)]) -> Vec<CitySearched> {
    near.iter()
        .map(|(place, km)| CitySearched {
            city: place.point.clone(),
            km: whole_km(*km),
        })
        .collect()
}

fn whole_km(km: f64) -> u32 {
    km.round().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// At most `most` of the places, spread evenly along the list (its first and last kept).
fn spread(places: Vec<&Place>, most: usize) -> Vec<&Place> {
    if places.len() <= most || most < 2 {
        return places.into_iter().take(most).collect();
    }
    let last = places.len() - 1;
    (0..most).map(|n| places[n * last / (most - 1)]).collect()
}

/// Each city's loads, gathered as an ordinary list of that city sorted other than newest first
/// gathers them (same filter, so the same cache keys); all cities at once. With the oldest age
/// of data served stale, and whether some city had more loads than are gathered.
async fn every_load(
    gateway: &Arc<Gateway>,
    payer: Payer,
    cities: &[&Place],
) -> Result<(Vec<Vec<CargoCard>>, Option<Staleness>, bool), GatewayError> {
    let asked = cities.iter().map(|place| {
        let filter = CargoFilter {
            from: Some(PlaceFilter {
                city_id: place.point.id,
                point_type: place.point.point_type,
                city_name: String::new(),
                radius_km: 0,
            }),
            ..CargoFilter::default()
        };
        async move { gateway.every_load(payer, &filter).await }
    });
    let mut pages = Vec::new();
    let (mut oldest, mut capped) = (None, false);
    for gathered in futures_util::future::join_all(asked).await {
        let (loads, city_capped, age) = gathered?;
        oldest = oldest.max(age);
        capped |= city_capped;
        pages.push(loads);
    }
    let stale = oldest.map(|age| Staleness {
        age_seconds: age.as_secs(),
    });
    Ok((pages, stale, capped))
}

//! Search by place: loads near the driver, a load back home after a delivery, loads along a
//! route. The exchange's points are placed on the map by a built-in gazetteer of Russian cities
//! (GeoNames); the searches then ask for each chosen city's loads exactly as an ordinary list of
//! that city does, so they share the same cached windows and cost no more calls to the exchange.

pub mod earth;
pub mod gazetteer;
mod places;
mod search;

pub use places::{Place, Places};
pub use search::{AlongRoute, BackHome, Found, MAX_CITIES, NearSpot, SearchError};

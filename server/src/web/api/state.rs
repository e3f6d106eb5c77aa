//! What the driver-facing JSON API reaches: the gateway, city search, the database, the session
//! store, the bot's outbox, the feed of new loads, the limits on its doors, and what it answered
//! a moment ago (pages of loads).

use std::sync::Arc;

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;

use domain::{database::Outages, store::SharedStore};

use crate::{
    bot::BotOutlet, cargotech::Gateway, cities::Cities, doors::LiveConnections,
    new_loads::LiveFeed, shippers::ShipperBook, web::DoorKeeper,
};

/// A handle on what the API reaches, cloned for every request (by each extractor and middleware
/// that takes the state): one reference count, not one per part. Measured: cloning and dropping
/// the parts themselves (caches, channels, pools) took a tenth of a cached list's time.
#[derive(Clone)]
pub struct ApiState(Arc<ApiParts>);

pub struct ApiParts {
    pub gateway: Arc<Gateway>,
    pub cities: Arc<Cities>,
    pub db: DatabaseConnection,
    pub store: SharedStore,
    pub bot: BotOutlet,
    pub live: LiveFeed,
    /// The live feeds each driver holds open here.
    pub live_connections: LiveConnections,
    pub keeper: DoorKeeper,
    /// A recent database outage, which sends the access check and the driver's marks to the
    /// store rather than to a pool that would make each request wait.
    pub outages: Outages,
    /// Shippers' marks and pages.
    pub shippers: ShipperBook,
    /// Pages of loads answered a moment ago, as JSON.
    pub pages: super::served_pages::ServedPages,
}

impl ApiState {
    pub fn new(parts: ApiParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for ApiState {
    type Target = ApiParts;

    fn deref(&self) -> &ApiParts {
        &self.0
    }
}

/// The parts extractors and handlers take on their own (`SignedInDriver`, `SubscribedDriver`,
/// city search, shipper pages).
macro_rules! parts_from_state {
    ($($part:ident: $type:ty),* $(,)?) => {
        $(impl FromRef<ApiState> for $type {
            fn from_ref(state: &ApiState) -> Self {
                state.$part.clone()
            }
        })*
    };
}

parts_from_state!(
    store: SharedStore,
    db: DatabaseConnection,
    outages: Outages,
    cities: Arc<Cities>,
    shippers: ShipperBook,
);

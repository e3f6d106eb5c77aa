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

#[derive(Clone, FromRef)]
pub struct ApiState {
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

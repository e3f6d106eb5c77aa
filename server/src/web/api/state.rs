//! What the driver-facing JSON API reaches: the gateway, city search, the database, the session
//! store, the bot's outbox and the feed of new loads.

use std::sync::Arc;

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;

use domain::store::SharedStore;

use crate::{bot::BotOutlet, cargotech::Gateway, cities::Cities, new_loads::LiveFeed};

#[derive(Clone, FromRef)]
pub struct ApiState {
    pub gateway: Arc<Gateway>,
    pub cities: Arc<Cities>,
    pub db: DatabaseConnection,
    pub store: SharedStore,
    pub bot: BotOutlet,
    pub live: LiveFeed,
}

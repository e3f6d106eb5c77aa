//! What the driver-facing JSON API reaches: the gateway, the database, the session store, and
//! the bot's outbox.

use std::sync::Arc;

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;

use domain::store::SharedStore;

use crate::{
    bot::{Doorbell, messages::MiniAppLink},
    cargotech::Gateway,
    new_loads::LiveFeed,
};

#[derive(Clone, FromRef)]
pub struct ApiState {
    pub gateway: Arc<Gateway>,
    pub db: DatabaseConnection,
    pub store: SharedStore,
    pub bot: BotOutlet,
    pub live: LiveFeed,
}

/// Where the API's bot messages go: the outbox, whose worker the doorbell wakes.
#[derive(Clone)]
pub struct BotOutlet {
    pub link: MiniAppLink,
    pub doorbell: Doorbell,
}

//! Building the gateway from the configuration, and its background work: the first login (which
//! never holds up start-up) and the periodic token health check.

use std::{sync::Arc, time::Duration};

use app::platform::AppState;

use super::{
    CacheTtls, Client, Connection, Credentials, Gateway,
    budget::{BudgetConfig, UpstreamBudget},
};
use crate::config::{Config, Mode, SANDBOX_CARGOTECH_PASSWORD, SANDBOX_CARGOTECH_PHONE, Secret};

const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(60);
const ACCOUNT: &str = "main";

pub fn gateway(config: &Config, base_url: &str, state: &AppState) -> Arc<Gateway> {
    // The environment's account, or in sandbox mode the built-in exchange's own.
    let configured = match (&config.cargotech_phone, &config.cargotech_password) {
        (Some(phone), Some(password)) => Some(Credentials {
            phone: phone.clone(),
            password: password.clone(),
        }),
        _ => (config.mode == Mode::Sandbox).then(|| Credentials {
            phone: Secret::from(SANDBOX_CARGOTECH_PHONE),
            password: Secret::from(SANDBOX_CARGOTECH_PASSWORD),
        }),
    };
    let budget_config = BudgetConfig::new(
        config.cargotech_budget_per_minute,
        config.cargotech_queue_limit,
        format!("{}:budget:cargotech:{ACCOUNT}", config.redis_key_prefix),
    );
    let budget = match state.store.redis_connection() {
        Some(redis) => UpstreamBudget::shared(budget_config, redis),
        None => UpstreamBudget::in_process(budget_config),
    };
    let connection = Arc::new(Connection::new(
        ACCOUNT,
        Client::new(base_url),
        budget.clone(),
        configured,
        state.db.clone(),
        Arc::clone(&state.sealer),
        state.store.clone(),
    ));
    let ttls = CacheTtls {
        list: config.cache_ttl_list,
        detail: config.cache_ttl_detail,
        dictionary: config.cache_ttl_dictionary,
    };
    Gateway::new(
        connection,
        budget,
        state.store.clone(),
        ttls,
        config.cargotech_slot_wait,
    )
}

/// Logs in (or picks up the stored token) and then checks the token's health every minute.
pub fn keep_connected(gateway: &Arc<Gateway>) {
    let connection = Arc::clone(gateway.connection());
    tokio::spawn(async move {
        loop {
            if let Err(error) = connection.check_health().await {
                tracing::warn!(%error, "CargoTech health check failed");
            }
            tokio::time::sleep(HEALTH_CHECK_EVERY).await;
        }
    });
}

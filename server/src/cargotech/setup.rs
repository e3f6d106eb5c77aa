//! Building the gateway from the configuration, and its background work: each account's first
//! login (which never holds up start-up) and its periodic token health check.

use std::{sync::Arc, time::Duration};

use domain::Platform;
use tokio_util::sync::CancellationToken;

use super::{
    CacheTtls, Client, Connection, Credentials, Gateway,
    accounts::{Account, Accounts},
    budget::{BudgetConfig, UpstreamBudget},
    card_queue::QueueRules,
    connection::Upkeep,
    fair_share::{FairShare, ShareRules},
};
use crate::config::{
    Config, Mode, PRIMARY_ACCOUNT, SANDBOX_CARGOTECH_PASSWORD, SANDBOX_CARGOTECH_PHONE, Secret,
};
use crate::shippers::Sightings;

const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(60);
/// Cards fetched at once for each account: enough to keep its budget busy while the exchange
/// takes about 0.7 s an answer (600 a minute is 10 a second), and few enough that cards ready
/// to take a slot seldom race lists waiting for one.
const FETCHERS_PER_ACCOUNT: usize = 8;

/// The gateway; what the exchange answers is handed to `sightings` as it passes.
pub fn gateway(
    config: &Config,
    base_url: &str,
    platform: &Platform,
    sightings: Sightings,
) -> Arc<Gateway> {
    // The environment's account, or in sandbox mode the built-in exchange's own.
    let primary = match (&config.cargotech.phone, &config.cargotech.password) {
        (Some(phone), Some(password)) => Some(Credentials {
            phone: phone.clone(),
            password: password.clone(),
        }),
        _ => (config.mode == Mode::Sandbox).then(|| Credentials {
            phone: Secret::from(SANDBOX_CARGOTECH_PHONE),
            password: Secret::from(SANDBOX_CARGOTECH_PASSWORD),
        }),
    };
    let extra = config.cargotech.extra_accounts.iter().map(|account| {
        let credentials = Credentials {
            phone: account.phone.clone(),
            password: account.password.clone(),
        };
        (account.name.as_str(), Some(credentials))
    });
    let client = Client::new(base_url);
    let accounts: Vec<(&str, Option<Credentials>)> = std::iter::once((PRIMARY_ACCOUNT, primary))
        .chain(extra)
        .collect();
    let shares = Arc::new(fair_share(config, platform, accounts.len()));
    let accounts: Vec<Account> = accounts
        .into_iter()
        .map(|(name, credentials)| account(config, platform, &client, &shares, name, credentials))
        .collect();
    let ttls = CacheTtls {
        list: config.cargotech.cache_ttl_list,
        detail: config.cargotech.cache_ttl_detail,
        listed: config.cargotech.listed_memory,
        confirm: config.cargotech.detail_confirm_after,
    };
    let per_minute = f64::from(config.cargotech.budget_per_minute) * accounts.len() as f64;
    let line = &config.cargotech.card_queue;
    let queue = QueueRules {
        limit: line.limit,
        per_driver: line.per_driver,
        max_wait: line.max_wait,
        calls_per_second: per_minute / config.cargotech.budget_window.as_secs_f64().max(1.0),
        fetchers: FETCHERS_PER_ACCOUNT * accounts.len(),
    };
    Gateway::new(
        Accounts::new(accounts),
        platform.store.clone(),
        ttls,
        config.cargotech.slot_wait,
        shares,
        queue,
        sightings,
    )
}

/// The drivers' shares of every account's budget together, counted through Redis when there is
/// one.
fn fair_share(config: &Config, platform: &Platform, accounts: usize) -> FairShare {
    let terms = &config.cargotech.fair_share;
    let budget = u64::from(config.cargotech.budget_per_minute) * accounts as u64;
    let rules = ShareRules {
        pool_per_minute: u32::try_from(budget * u64::from(terms.percent) / 100).unwrap_or(u32::MAX),
        floor_per_minute: terms.floor_per_minute,
        ceiling_per_minute: terms.ceiling_per_minute,
        active_for: terms.active_for,
    };
    let redis = platform
        .store
        .redis()
        .map(|redis| (redis, config.store.key_prefix.clone()));
    FairShare::new(rules, platform.db.clone(), redis)
}

/// One account: its budget (shared by every instance through Redis when there is one, split
/// between the live instances otherwise) and its connection.
fn account(
    config: &Config,
    platform: &Platform,
    client: &Client,
    shares: &Arc<FairShare>,
    name: &str,
    credentials: Option<Credentials>,
) -> Account {
    let mut budget_config = BudgetConfig::new(
        config.cargotech.budget_per_minute,
        config.cargotech.queue_limit,
        format!("{}:budget:cargotech:{name}", config.store.key_prefix),
    );
    let fleet = platform.fleet.clone();
    // A call granted here reaches the exchange a little later: a second more than its window.
    budget_config.window = config.cargotech.budget_window + Duration::from_secs(1);
    let budget = match platform.store.redis() {
        Some(redis) => UpstreamBudget::shared(budget_config, redis, fleet),
        None => UpstreamBudget::in_process(budget_config, fleet),
    };
    let connection = Arc::new(Connection::new(
        name,
        client.clone(),
        Upkeep {
            budget: budget.clone(),
            shares: Arc::clone(shares),
        },
        credentials,
        platform.db.clone(),
        Arc::clone(&platform.sealer),
        platform.store.clone(),
    ));
    Account { connection, budget }
}

/// Each account logs in (or picks up its stored token) and then has its token's health checked
/// every minute, until `stop` is cancelled.
pub async fn keep_connected(gateway: Arc<Gateway>, stop: CancellationToken) {
    let checks = gateway.accounts().all().iter().map(|account| {
        let connection = Arc::clone(&account.connection);
        let stop = stop.clone();
        async move {
            loop {
                if let Err(error) = connection.check_health().await {
                    tracing::warn!(%error, account = connection.account(), "CargoTech health check failed");
                }
                if stop
                    .run_until_cancelled(tokio::time::sleep(HEALTH_CHECK_EVERY))
                    .await
                    .is_none()
                {
                    return;
                }
            }
        }
    });
    futures_util::future::join_all(checks).await;
}

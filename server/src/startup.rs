//! Building the application from its configuration, and running it until SIGTERM.

use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use domain::{
    Platform, audit, database,
    sealing::{Sealer, SealingKey},
    settings,
    store::{SharedStore, StoreError},
};
use leptos::prelude::LeptosOptions;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::{net::TcpListener, sync::watch};

use crate::{
    bot::{self, BotApi, BotOutlet, BotToken, Chatter, Delivery, Doorbell},
    cargotech,
    config::{Config, Mode, SANDBOX_YOOKASSA_SECRET_KEY, SANDBOX_YOOKASSA_SHOP_ID, UpdatesMode},
    machines::{self, ServiceTokens},
    new_loads::{Detector, LiveFeed, LiveHub},
    payments::{self, Billing, ReturnLink},
    sandbox::{
        cargotech::{Exchange, ExchangeConfig},
        telegram::SandboxTelegram,
        yookassa::SandboxYooKassa,
    },
    web::{self, Services},
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot use the data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Database(#[from] DbErr),
    #[error("cannot set up the cache and session store: {0}")]
    Store(#[from] StoreError),
    #[error("the sandbox encryption key file {path} is unusable: {reason}")]
    SandboxKey { path: String, reason: String },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Serve(std::io::Error),
    #[error("cannot listen for termination signals: {0}")]
    Signals(std::io::Error),
    #[error("the bot cannot run: {0}")]
    Bot(String),
    #[error("{0}")]
    Admin(String),
}

pub struct Application {
    gateway: Arc<cargotech::Gateway>,
    /// Long-lived requests to end at shutdown, so in-flight work can finish in the grace period.
    live: LiveHub,
    telegram: Option<SandboxTelegram>,
    termination: Termination,
    listener: TcpListener,
    router: axum::Router,
    address: SocketAddr,
    shutdown_grace: Duration,
}

impl Application {
    /// Opens the database (applying migrations), the store and the sealer, and binds the listener
    /// (port 0 picks a free port, which [`Application::address`] then tells).
    pub async fn build(config: Config) -> Result<Self, StartError> {
        // Before the port opens: a SIGTERM that arrives as soon as it does must be handled.
        let termination = Termination::listen().map_err(StartError::Signals)?;
        // reqwest is built without a default TLS provider; ring is the one this binary ships.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let db = open_database(&config).await?;
        let store = match &config.redis_url {
            Some(url) => SharedStore::with_redis(url.expose(), &config.redis_key_prefix)?,
            None => SharedStore::in_process(),
        };
        let sealer = Arc::new(sealer(&config)?);

        let listener = TcpListener::bind(config.listen_addr)
            .await
            .map_err(|source| StartError::Listen {
                addr: config.listen_addr,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartError::Listen {
            addr: config.listen_addr,
            source,
        })?;

        let leptos_options = LeptosOptions::builder()
            .output_name("hauler")
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir(crate::web::assets::pkg_dir(&config.site_root))
            .site_addr(address)
            .build();
        let platform = Platform {
            db,
            store,
            sealer,
            sandbox: config.mode == Mode::Sandbox,
        };
        tracing::info!(
            mode = ?config.mode,
            database = database::backend_name(&platform.db),
            store = platform.store.backend(),
            "Hauler is ready on http://{address}"
        );
        let exchange = built_in_exchange(&config);
        let gateway = cargotech::gateway(&config, &cargotech_base_url(&config, address), &platform);
        cargotech::keep_connected(&gateway);

        let telegram = built_in_telegram(&config);
        let doorbell = Doorbell::default();
        let bot_token = BotToken::live(
            config.bot_token(),
            platform.db.clone(),
            platform.sealer.clone(),
        );
        let bot_api = BotApi::new(&telegram_base_url(&config, address), bot_token.clone());
        if config.telegram_updates != UpdatesMode::Off {
            let queue = bot::queue::DatabaseQueue {
                db: platform.db.clone(),
            };
            Delivery::new(queue, bot_api.clone(), doorbell.clone()).spawn();
        }
        let link = bot::messages::MiniAppLink {
            base_url: public_url(&config, address),
        };
        let bot = BotOutlet {
            link: link.clone(),
            doorbell: doorbell.clone(),
        };
        let billing = billing(&config, address, &platform, bot.clone(), bot_api.clone());
        billing.clone().spawn_clockwork(config.payments_check_every);
        let chatter = Chatter {
            db: platform.db.clone(),
            api: bot_api,
            link,
            doorbell: doorbell.clone(),
            billing: billing.clone(),
        };
        let machines = ServiceTokens {
            db: platform.db.clone(),
            configured: Arc::new(config.service_token_hashes.clone()),
        };
        let internal = web::internal::Internal {
            chatter: chatter.clone(),
            queue: bot::queue::DatabaseQueue {
                db: platform.db.clone(),
            },
            tokens: machines.clone(),
        };
        let webhook = listen_to_telegram(&config, address, chatter, &platform);

        let desk = bot::operators::OperatorDesk {
            db: platform.db.clone(),
            configured: config.operator_chat_id,
            doorbell: doorbell.clone(),
        };
        bot::operators::watch(desk, Arc::clone(&gateway), config.operator_check_every);
        let yookassa = built_in_yookassa(&config, address);
        if platform.sandbox {
            crate::sandbox::seed_promo_codes(&platform.db).await;
        }
        crate::admin::commands::bootstrap(&platform.db, &config).await;
        let live = LiveHub::default();
        let feed = live_feed(&config, &platform, live.clone());
        Detector {
            gateway: Arc::clone(&gateway),
            db: platform.db.clone(),
            store: platform.store.clone(),
            bot: bot.clone(),
            live: feed.clone(),
            every: config.new_loads_every,
            alerts_per_hour: config.alerts_per_hour.into(),
        }
        .spawn();

        let services = Services {
            gateway: Arc::clone(&gateway),
            bot,
            live: feed,
            bot_token,
            bot_webhook: webhook,
            machines,
            internal,
            metrics: machines::install_recorder(),
            exchange,
            telegram: telegram.clone(),
            billing,
            yookassa,
        };
        let state = web::AppState {
            leptos_options,
            platform,
        };
        let router = web::router(state, &config, services);
        Ok(Self {
            gateway,
            live,
            telegram,
            termination,
            listener,
            router,
            address,
            shutdown_grace: config.shutdown_grace,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The CargoTech gateway, for its counters (benchmarks, diagnostics).
    pub fn gateway(&self) -> Arc<cargotech::Gateway> {
        Arc::clone(&self.gateway)
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish within the grace period.
    pub async fn run_until_stopped(self) -> Result<(), StartError> {
        let (stop, mut stopped) = watch::channel(false);
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(self.listener, service)
            .with_graceful_shutdown(async move {
                let _ = stopped.changed().await;
            })
            .into_future();
        tokio::pin!(server);

        tokio::select! {
            outcome = &mut server => return outcome.map_err(StartError::Serve),
            () = self.termination.received() => {
                tracing::info!("shutting down: finishing in-flight requests");
                let _ = stop.send(true);
                self.live.close_all();
                if let Some(telegram) = &self.telegram {
                    telegram.close();
                }
            }
        }
        match tokio::time::timeout(self.shutdown_grace, server).await {
            Ok(outcome) => outcome.map_err(StartError::Serve),
            Err(_) => {
                tracing::warn!("in-flight requests outlived the shutdown grace period");
                Ok(())
            }
        }
    }
}

/// The exchange this server talks to: the configured one, or in sandbox mode the built-in
/// simulator mounted on this very server.
fn cargotech_base_url(config: &Config, address: SocketAddr) -> String {
    config
        .cargotech_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}/sandbox/cargotech"))
}

fn public_url(config: &Config, address: SocketAddr) -> String {
    config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"))
}

/// Starts hearing from Telegram as configured; in webhook mode, returns what the route needs.
fn listen_to_telegram(
    config: &Config,
    address: SocketAddr,
    chatter: Chatter,
    platform: &Platform,
) -> Option<(Chatter, String)> {
    match config.telegram_updates {
        UpdatesMode::Off => None,
        UpdatesMode::Polling => {
            bot::intake::poll(chatter, platform.store.clone());
            None
        }
        UpdatesMode::Webhook => {
            let secret = config
                .telegram_webhook_secret
                .as_ref()
                .map(|secret| secret.expose().to_owned())
                .unwrap_or_default();
            let url = format!("{}/telegram/webhook", public_url(config, address));
            bot::intake::keep_webhook(chatter.clone(), url, secret.clone());
            Some((chatter, secret))
        }
    }
}

/// Live new loads travel between instances through Redis when there is one.
fn live_feed(config: &Config, platform: &Platform, hub: LiveHub) -> LiveFeed {
    let (Some(url), Some(connection)) = (&config.redis_url, platform.store.redis_connection())
    else {
        return LiveFeed::in_process(hub);
    };
    match redis::Client::open(url.expose()) {
        Ok(client) => LiveFeed::redis(hub, client, connection, &config.redis_key_prefix),
        Err(error) => {
            tracing::warn!(%error, "live new loads stay on this instance");
            LiveFeed::in_process(hub)
        }
    }
}

/// The Bot API this server talks to: the configured one, or in sandbox mode the stand-in mounted
/// on this very server.
fn telegram_base_url(config: &Config, address: SocketAddr) -> String {
    config
        .telegram_api_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}/sandbox/telegram"))
}

fn built_in_telegram(config: &Config) -> Option<SandboxTelegram> {
    (config.mode == Mode::Sandbox && config.telegram_api_base_url.is_none())
        .then(|| SandboxTelegram::new(config.bot_token()))
}

/// In sandbox mode with no exchange configured, the simulator this server hosts itself; it knows
/// the extra accounts the configuration names. Time passes on it: every minute
/// (`SANDBOX_CLOCK_SECONDS`) a few loads appear and a few are taken.
fn built_in_exchange(config: &Config) -> Option<Exchange> {
    if config.mode != Mode::Sandbox || config.cargotech_base_url.is_some() {
        return None;
    }
    let exchange = Exchange::new(ExchangeConfig {
        latency: config.sandbox_latency,
        jitter: config.sandbox_latency / 5,
        extra_accounts: config
            .cargotech_extra_accounts
            .iter()
            .map(|account| {
                (
                    account.phone.expose().to_owned(),
                    account.password.expose().to_owned(),
                )
            })
            .collect(),
        ..ExchangeConfig::default()
    });
    if let Some(every) = config.sandbox_clock {
        let clock = exchange.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                clock.tick(3, 2);
            }
        });
    }
    Some(exchange)
}

/// The sandbox's YooKassa, when this server hosts it (sandbox mode, no YooKassa configured).
fn built_in_yookassa(config: &Config, address: SocketAddr) -> Option<SandboxYooKassa> {
    (config.mode == Mode::Sandbox && config.yookassa_base_url.is_none()).then(|| {
        SandboxYooKassa::new(
            SANDBOX_YOOKASSA_SHOP_ID,
            SANDBOX_YOOKASSA_SECRET_KEY,
            &format!("{}/sandbox/yookassa", public_url(config, address)),
            &format!("http://{address}/api/v1/payments/yookassa/notifications"),
        )
    })
}

fn billing(
    config: &Config,
    address: SocketAddr,
    platform: &Platform,
    bot: BotOutlet,
    telegram: BotApi,
) -> Billing {
    let sandbox = config.mode == Mode::Sandbox;
    let base_url = config
        .yookassa_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}/sandbox/yookassa"));
    let credentials = match (&config.yookassa_shop_id, &config.yookassa_secret_key) {
        (Some(shop), Some(secret)) => Some((shop.clone(), secret.expose().to_owned())),
        // The built-in stand-in's own test shop.
        _ if sandbox && config.yookassa_base_url.is_none() => Some((
            SANDBOX_YOOKASSA_SHOP_ID.to_owned(),
            SANDBOX_YOOKASSA_SECRET_KEY.to_owned(),
        )),
        _ => None,
    };
    let shop = payments::shop::Shop::new(
        &base_url,
        credentials,
        platform.db.clone(),
        Arc::clone(&platform.sealer),
    );
    let allowed = config.yookassa_allowed_ips.clone().unwrap_or_else(|| {
        let mut ranges: Vec<&str> = payments::gate::YOOKASSA_RANGES.to_vec();
        if sandbox {
            ranges.extend(payments::gate::LOOPBACK);
        }
        payments::gate::parse_ranges(&ranges.join(",")).expect("the built-in ranges parse")
    });
    Billing {
        db: platform.db.clone(),
        store: platform.store.clone(),
        shop,
        return_link: match &config.telegram_mini_app_url {
            Some(link) => ReturnLink::MiniApp(link.clone()),
            None => ReturnLink::Web(public_url(config, address)),
        },
        receipt: config.yookassa_receipt.clone(),
        trial_days: config.trial_days,
        gate: payments::gate::NotificationGate {
            allowed,
            trusted_proxies: config.trusted_proxies.clone(),
        },
        bot,
        stars_platforms: config.stars_platforms.clone(),
        telegram,
    }
}

/// `hauler serve`.
pub async fn serve(config: Config) -> Result<(), StartError> {
    Application::build(config).await?.run_until_stopped().await
}

/// `hauler service-token …`.
pub async fn manage_service_tokens(
    config: &Config,
    command: crate::cli::ServiceTokenCommand,
) -> Result<(), StartError> {
    let db = open_database(config).await?;
    machines::commands::run(&db, command).await?;
    Ok(())
}

/// `hauler admin …`.
pub async fn manage_admins(
    config: &Config,
    command: crate::cli::AdminCommand,
) -> Result<(), StartError> {
    let db = open_database(config).await?;
    match command {
        crate::cli::AdminCommand::Create { email, role } => {
            let role = admin::wire::Role::parse(&role).ok_or_else(|| {
                StartError::Admin(format!(
                    "the role must be owner, admin or support, not `{role}`"
                ))
            })?;
            crate::admin::commands::create(&db, &email, role).await
        }
    }
}

/// `hauler secrets reseal`: prints which secrets were re-sealed — settings and admins' second
/// factors — by name, never value.
pub async fn manage_secrets(
    config: &Config,
    command: crate::cli::SecretsCommand,
) -> Result<(), StartError> {
    const OPERATOR: &str = "operator:command-line";
    let db = open_database(config).await?;
    let sealer = sealer(config)?;
    match command {
        crate::cli::SecretsCommand::Reseal => {
            let mut outcome = settings::reseal_all(&db, &sealer, OPERATOR).await?;
            let factors = crate::admin::second_factor::reseal_all(&db, &sealer).await?;
            outcome.resealed.extend(factors.resealed);
            outcome.current += factors.current;
            outcome.unopenable.extend(factors.unopenable);
            for key in &outcome.resealed {
                println!("resealed: {key}");
            }
            println!(
                "{} re-sealed under key `{}`, {} already under it",
                outcome.resealed.len(),
                sealer.current_key_id(),
                outcome.current
            );
            audit::record(
                &db,
                audit::AuditEntry {
                    actor: OPERATOR,
                    action: "secrets.resealed",
                    object: None,
                    details: Some(serde_json::json!({
                        "key_id": sealer.current_key_id(),
                        "resealed": outcome.resealed,
                        "unopenable": outcome.unopenable,
                    })),
                    client_addr: None,
                },
            )
            .await;
            if !outcome.unopenable.is_empty() {
                return Err(StartError::Admin(format!(
                    "these secrets open with no configured key (add the old key to ENCRYPTION_PREVIOUS_KEYS): {}",
                    outcome.unopenable.join(", ")
                )));
            }
            Ok(())
        }
    }
}

/// `hauler migrate`.
pub async fn migrate(config: &Config) -> Result<(), StartError> {
    let db = open_database(config).await?;
    tracing::info!(
        database = database::backend_name(&db),
        "migrations are up to date"
    );
    Ok(())
}

async fn open_database(config: &Config) -> Result<DatabaseConnection, StartError> {
    let url = match &config.database_url {
        Some(url) => url.expose().to_owned(),
        None => {
            create_data_dir(&config.data_dir)?;
            format!("sqlite://{}?mode=rwc", config.sqlite_path().display())
        }
    };
    let db = database::connect(&url).await?;
    database::migrate(&db).await?;
    Ok(db)
}

fn create_data_dir(path: &Path) -> Result<(), StartError> {
    std::fs::create_dir_all(path).map_err(|source| StartError::DataDir {
        path: path.display().to_string(),
        source,
    })
}

fn sealer(config: &Config) -> Result<Sealer, StartError> {
    let current = match &config.encryption_key {
        Some(key) => key.clone(),
        // Only sandbox mode gets here: production refuses to start without ENCRYPTION_KEY.
        None => sandbox_key(&config.data_dir)?,
    };
    Ok(Sealer::new(
        current,
        config.previous_encryption_keys.iter().cloned(),
    ))
}

/// The sandbox's own key, generated on first start and kept (mode 0600) beside the database.
fn sandbox_key(data_dir: &Path) -> Result<SealingKey, StartError> {
    create_data_dir(data_dir)?;
    let path = data_dir.join("sandbox-encryption.key");
    let problem = |reason: String| StartError::SandboxKey {
        path: path.display().to_string(),
        reason,
    };
    let bytes = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let decoded = STANDARD
                .decode(text.trim())
                .map_err(|e| problem(e.to_string()))?;
            <[u8; 32]>::try_from(decoded.as_slice()).map_err(|_| problem("not 32 bytes".into()))?
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let bytes = SealingKey::generate_bytes();
            write_private(&path, STANDARD.encode(bytes).as_bytes())
                .map_err(|e| problem(e.to_string()))?;
            tracing::info!(path = %path.display(), "generated the sandbox encryption key");
            bytes
        }
        Err(error) => return Err(problem(error.to_string())),
    };
    SealingKey::new("sandbox", bytes).map_err(|e| problem(e.to_string()))
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}

/// SIGTERM (as sent by an orchestrator) or Ctrl-C.
struct Termination {
    sigterm: tokio::signal::unix::Signal,
}

impl Termination {
    fn listen() -> std::io::Result<Self> {
        let sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        Ok(Self { sigterm })
    }

    async fn received(mut self) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = self.sigterm.recv() => {},
        }
    }
}

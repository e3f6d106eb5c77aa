//! Building the application from its configuration, and running it until SIGTERM. Building
//! opens the platform, builds the services and composes the router; it also gathers the
//! background workers, which start when the application runs.

mod commands;
mod connections;
mod listener;
mod platform;
mod services;
mod shutdown;
mod workers;

use std::{net::SocketAddr, sync::Arc};

use domain::{Platform, database, store::StoreError};
use leptos::prelude::LeptosOptions;
use sea_orm::DbErr;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use commands::{manage_admins, manage_secrets, manage_service_tokens, migrate};
use connections::ConnectionRules;
use services::{Parts, Urls};
use shutdown::{Shutdown, Termination};
use workers::Workers;

use crate::{
    cargotech,
    config::{Config, HttpConfig},
    payments::Billing,
    shippers, web,
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
    billing: Billing,
    workers: Workers,
    shutdown: Shutdown,
    listener: TcpListener,
    connections: ConnectionRules,
    router: axum::Router,
    address: SocketAddr,
}

impl Application {
    /// Opens the database (applying migrations), the store and the sealer, builds the services
    /// and binds the listener (port 0 picks a free port, which [`Application::address`] then
    /// tells). Nothing runs in the background until [`Application::run_until_stopped`].
    pub async fn build(config: Config) -> Result<Self, StartError> {
        // Before the port opens: a SIGTERM that arrives as soon as it does must be handled.
        let termination = Termination::listen().map_err(StartError::Signals)?;
        // reqwest is built without a default TLS provider; ring is the one this binary ships.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let platform = platform::open(&config).await?;
        let (listener, address, connections) = bind(&config.http)?;
        announce(&config, &platform, address);
        let (sightings, sightings_writer) = shippers::watch::channel(platform.db.clone());
        let urls = Urls::new(&config, address);
        let parts = Parts::build(&config, &urls, &platform, sightings);
        platform::prepare_data(&config, &platform).await;

        let workers = Workers::new(&config, &platform, &parts, sightings_writer);
        let shutdown = Shutdown {
            termination,
            stopping: CancellationToken::new(),
            live: parts.live.clone(),
            telegram: parts.stand_ins.telegram.clone(),
            drain_delay: config.http.drain_delay,
            grace: config.http.shutdown_grace,
        };
        let gateway = Arc::clone(&parts.gateway);
        let billing = parts.billing.clone();
        let services = parts.into_services(&platform, shutdown.stopping.clone());
        let state = web::AppState {
            leptos_options: site_options(&config, address),
            platform,
        };
        Ok(Self {
            gateway,
            billing,
            workers,
            shutdown,
            listener,
            connections,
            router: web::router(state, &config, services),
            address,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The CargoTech gateway, for its counters (benchmarks, diagnostics).
    pub fn gateway(&self) -> Arc<cargotech::Gateway> {
        Arc::clone(&self.gateway)
    }

    /// Cancelling it stops the application as SIGTERM would: it drains and returns (tests end
    /// their servers this way).
    pub fn stopper(&self) -> CancellationToken {
        self.shutdown.termination.asked.clone()
    }

    /// The money path, for running its jobs' rounds by hand (tests, diagnostics).
    pub fn billing(&self) -> Billing {
        self.billing.clone()
    }

    /// Starts the background workers and serves until SIGTERM or Ctrl-C, then drains: see
    /// [`shutdown`].
    pub async fn run_until_stopped(self) -> Result<(), StartError> {
        let jobs = self.workers.start(&self.shutdown.stopping);
        let (listener, router, rules) = (self.listener, self.router, self.connections);
        shutdown::serve(listener, router, rules, self.shutdown, jobs).await;
        Ok(())
    }
}

/// `hauler serve`.
pub async fn serve(config: Config) -> Result<(), StartError> {
    Application::build(config).await?.run_until_stopped().await
}

/// The listener, its address, and how many connections it may hold: as many as configured, and
/// never so many that the instance runs out of open files (see [`connections`]).
fn bind(http: &HttpConfig) -> Result<(TcpListener, SocketAddr, ConnectionRules), StartError> {
    let open_files = listener::allow_every_open_file().unwrap_or_else(|error| {
        tracing::warn!(%error, "cannot raise the limit of open files");
        listener::SYSTEMD_OPEN_FILES
    });
    let room = listener::connections_room(open_files);
    let most = http.max_connections.map_or(room, |most| most.min(room));
    if http.max_connections.is_some_and(|asked| asked > room) {
        tracing::warn!(
            asked = http.max_connections,
            open_files,
            most,
            "MAX_CONNECTIONS is more than the open files allow; fewer are taken"
        );
    }
    tracing::debug!(open_files, most, "connections held at most");
    let addr = http.listen_addr;
    let listen_error = |source| StartError::Listen { addr, source };
    let listener = listener::bind(addr).map_err(listen_error)?;
    let address = listener.local_addr().map_err(listen_error)?;
    let rules = ConnectionRules {
        most,
        idle: http.idle_connection,
    };
    Ok((listener, address, rules))
}

fn announce(config: &Config, platform: &Platform, address: SocketAddr) {
    tracing::info!(
        mode = ?config.mode,
        database = database::backend_name(&platform.db),
        store = platform.store.backend(),
        cached_answers = platform.store.cache_backend(),
        leases = platform.store.leases_backend(),
        instance = platform.fleet.id(),
        "Hauler is ready on http://{address}"
    );
}

/// What Leptos needs to know of the built site.
fn site_options(config: &Config, address: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("hauler")
        .site_root(config.http.site_root.display().to_string())
        .site_pkg_dir(web::assets::pkg_dir(&config.http.site_root))
        .site_addr(address)
        .build()
}

//! Building the application from its configuration, and running it until SIGTERM. Building
//! opens the platform, builds the services and composes the router; it also gathers the
//! background workers, which start when the application runs.

mod commands;
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
use services::{Parts, Urls};
use shutdown::{Shutdown, Termination};
use workers::Workers;

use crate::{cargotech, config::Config, payments::Billing, shippers, web};

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
        let (listener, address) = bind(config.http.listen_addr)?;
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
        shutdown::serve(self.listener, self.router, self.shutdown, jobs).await
    }
}

/// `hauler serve`.
pub async fn serve(config: Config) -> Result<(), StartError> {
    Application::build(config).await?.run_until_stopped().await
}

fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    match listener::allow_every_open_file() {
        Ok(open_files) => tracing::debug!(open_files, "open files allowed (one per connection)"),
        Err(error) => tracing::warn!(%error, "cannot raise the limit of open files"),
    }
    let listen_error = |source| StartError::Listen { addr, source };
    let listener = listener::bind(addr).map_err(listen_error)?;
    let address = listener.local_addr().map_err(listen_error)?;
    Ok((listener, address))
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

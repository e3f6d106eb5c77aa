//! `hauler sandbox`: the stand-ins for CargoTech, the Telegram Bot API and YooKassa served as a
//! process of their own, so that a Hauler in production mode reaches them by URL exactly as it
//! reaches the real services: the exchange under `/cargotech`, the Bot API under `/telegram`,
//! YooKassa under `/yookassa`.
//!
//! They are as strict as the real ones where the rules are known: Telegram takes only an
//! `https://` webhook, sends it only the kinds of update the bot asked for (`allowed_updates`)
//! and signs each delivery with the secret-token header; YooKassa checks the shop's Basic
//! credentials and the `Idempotence-Key` of every POST, and notifies from one address (Hauler
//! must list it in `YOOKASSA_ALLOWED_IPS`, as it lists YooKassa's ranges in production). The
//! accounts are the ones the environment names for Hauler (`TELEGRAM_BOT_TOKEN`,
//! `CARGOTECH_PHONE`, `YOOKASSA_SHOP_ID`, …), else the sandbox's own.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use axum::Router;

use super::{cargotech::Exchange, telegram::SandboxTelegram, yookassa::SandboxYooKassa};
use crate::config::{Config, SANDBOX_YOOKASSA_SECRET_KEY, SANDBOX_YOOKASSA_SHOP_ID};

/// Where the service listens and whom it talks to.
#[derive(Debug, Clone)]
pub struct Addresses {
    pub listen: SocketAddr,
    /// The address browsers reach the service at (YooKassa's checkout page); `None`: the
    /// listening address.
    pub public_url: Option<String>,
    /// Where YooKassa's notifications go: Hauler's `/api/v1/payments/yookassa/notifications`.
    pub notify_url: String,
    /// The local address YooKassa's notifications leave from.
    pub notify_from: IpAddr,
}

/// Serves the three stand-ins until SIGTERM or Ctrl-C.
pub async fn run(config: &Config, addresses: Addresses) -> std::io::Result<()> {
    // reqwest is built without a default TLS provider: webhooks go to an https address.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind(addresses.listen).await?;
    let bound = listener.local_addr()?;
    let public = addresses
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"));
    let exchange = Exchange::configured(config);
    if let Some(every) = config.sandbox.clock {
        tokio::spawn(keep_the_exchange_moving(exchange.clone(), every));
    }
    let telegram = SandboxTelegram::new(config.telegram.bot_token()).https_webhooks_only();
    let yookassa = yookassa(config, &public, &addresses);
    let app = Router::new()
        .nest("/cargotech", super::cargotech::router(exchange))
        .nest("/telegram", super::telegram::router(telegram.clone()))
        .nest("/yookassa", super::yookassa::router(yookassa));
    tracing::info!(
        cargotech = %format!("{public}/cargotech"),
        telegram = %format!("{public}/telegram"),
        yookassa = %format!("{public}/yookassa"),
        notify_url = %addresses.notify_url,
        notify_from = %addresses.notify_from,
        "the sandbox services are ready on http://{bound}"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            terminated().await;
            // Long polls would hold the shutdown for their whole timeout.
            telegram.close();
        })
        .await
}

fn yookassa(config: &Config, public: &str, addresses: &Addresses) -> SandboxYooKassa {
    let shop = &config.payments.yookassa;
    SandboxYooKassa::new(
        shop.shop_id.as_deref().unwrap_or(SANDBOX_YOOKASSA_SHOP_ID),
        shop.secret_key
            .as_ref()
            .map_or(SANDBOX_YOOKASSA_SECRET_KEY, |key| key.expose()),
        &format!("{public}/yookassa"),
        &addresses.notify_url,
    )
    .notifying_from(addresses.notify_from)
}

/// Loads appear on and leave the exchange (`SANDBOX_CLOCK_SECONDS`), as in-process.
async fn keep_the_exchange_moving(exchange: Exchange, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        exchange.tick(3, 2);
    }
}

async fn terminated() {
    let Ok(mut sigterm) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = sigterm.recv() => {},
    }
}

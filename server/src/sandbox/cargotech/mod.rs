//! A CargoTech exchange simulator speaking exactly the shape in `shared/cargotech-api.md`, so
//! that pointing Hauler at the real exchange is a configuration change. It serves the embedded
//! default (mounted under `/sandbox/cargotech`) and tests and benchmarks (on a listener of its
//! own), with knobs under `/__sandbox/`: latency, rate limit, token revocation, an SMS-code demand,
//! failure injection, taking a load, and request counters.
//!
//! SMS logins: when demanded, `POST /v1/auth/login` answers
//! `200 {"data": {"sms_required": true, "request_id": "…"}}`, and
//! `POST /v1/auth/login/confirm {"request_id", "code"}` completes it; a wrong code, an expired
//! request and too many attempts answer 422 with `errors.code`, `errors.request_id` and
//! `errors.attempts` respectively.

mod catalog;
mod exchange;

pub use catalog::{CITIES, LOAD_TYPES, TRUCK_TYPES};
pub use exchange::{Exchange, ExchangeConfig, Failure, Posting, Stats, router};

use std::net::SocketAddr;

/// Serves the exchange on its own listener (port 0 picks a free one).
pub async fn serve(
    address: SocketAddr,
    config: ExchangeConfig,
) -> std::io::Result<(SocketAddr, Exchange)> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    let exchange = Exchange::new(config);
    let app = router(exchange.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((bound, exchange))
}

//! Serving until told to stop: on SIGTERM or Ctrl-C the listener closes, long-lived requests
//! are ended, and in-flight requests get the grace period to finish.

use std::{net::SocketAddr, time::Duration};

use tokio::{net::TcpListener, sync::watch};

use super::StartError;
use crate::{new_loads::LiveHub, sandbox::telegram::SandboxTelegram};

/// SIGTERM (as sent by an orchestrator) or Ctrl-C.
pub(super) struct Termination {
    sigterm: tokio::signal::unix::Signal,
}

impl Termination {
    pub(super) fn listen() -> std::io::Result<Self> {
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

/// What must let go at shutdown so that in-flight work can finish within the grace period.
pub(super) struct Shutdown {
    pub termination: Termination,
    /// Live new loads: requests that would otherwise never end.
    pub live: LiveHub,
    /// The sandbox Telegram's long polls.
    pub telegram: Option<SandboxTelegram>,
    pub grace: Duration,
}

/// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish within the grace period.
pub(super) async fn serve(
    listener: TcpListener,
    router: axum::Router,
    shutdown: Shutdown,
) -> Result<(), StartError> {
    let (stop, mut stopped) = watch::channel(false);
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            let _ = stopped.changed().await;
        })
        .into_future();
    tokio::pin!(server);

    tokio::select! {
        outcome = &mut server => return outcome.map_err(StartError::Serve),
        () = shutdown.termination.received() => {
            tracing::info!("shutting down: finishing in-flight requests");
            let _ = stop.send(true);
            shutdown.live.close_all();
            if let Some(telegram) = &shutdown.telegram {
                telegram.close();
            }
        }
    }
    match tokio::time::timeout(shutdown.grace, server).await {
        Ok(outcome) => outcome.map_err(StartError::Serve),
        Err(_) => {
            tracing::warn!("in-flight requests outlived the shutdown grace period");
            Ok(())
        }
    }
}

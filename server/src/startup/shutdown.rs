//! Serving until told to stop: on SIGTERM or Ctrl-C the listener closes, long-lived requests
//! are ended, and in-flight requests get the grace period to finish.
//!
//! Every accepted connection sends without delay (`TCP_NODELAY`): otherwise the last small
//! segment of a streamed file waits for the browser's delayed acknowledgement, about 40 ms per
//! file on a kept-alive connection.

use std::{net::SocketAddr, time::Duration};

use axum::serve::{ListenerExt, TapIo};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

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
    let server = axum::serve(without_delay(listener), service)
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

/// The listener, with `TCP_NODELAY` set on each connection it accepts.
fn without_delay(listener: TcpListener) -> TapIo<TcpListener, fn(&mut TcpStream)> {
    listener.tap_io(send_without_delay)
}

fn send_without_delay(connection: &mut TcpStream) {
    if let Err(error) = connection.set_nodelay(true) {
        tracing::debug!(%error, "cannot set TCP_NODELAY on a connection");
    }
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener;
    use tokio::net::{TcpListener, TcpStream};

    #[tokio::test]
    async fn accepted_connections_send_without_delay() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let mut listener = super::without_delay(listener);
        let (client, (accepted, _)) = tokio::join!(TcpStream::connect(address), listener.accept());
        client.unwrap();
        assert!(accepted.nodelay().unwrap());
    }
}

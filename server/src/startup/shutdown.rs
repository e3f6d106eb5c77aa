//! Serving until told to stop. On SIGTERM or Ctrl-C the instance drains, in the order a load
//! balancer needs: `/readyz` answers `503 draining` at once and background jobs stop taking work;
//! the listener keeps accepting for the drain delay, while balancers take the instance out of
//! rotation; then it closes, live connections are told to reconnect elsewhere, and in-flight
//! requests and the jobs' items in hand finish. All of it within the grace period, counted from
//! the signal.

use std::time::Duration;

use tokio::{net::TcpListener, time::Instant};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use super::connections::{self, ConnectionRules};
use crate::{new_loads::LiveHub, sandbox::telegram::SandboxTelegram};

/// SIGTERM (as sent by an orchestrator), Ctrl-C, or the embedding program asking (a test that
/// is done with its server).
pub(super) struct Termination {
    sigterm: tokio::signal::unix::Signal,
    pub asked: CancellationToken,
}

impl Termination {
    pub(super) fn listen() -> std::io::Result<Self> {
        let sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        Ok(Self {
            sigterm,
            asked: CancellationToken::new(),
        })
    }

    async fn received(mut self) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = self.sigterm.recv() => {},
            () = self.asked.cancelled() => {},
        }
    }
}

/// What must let go at shutdown so that in-flight work can finish within the grace period.
pub(super) struct Shutdown {
    pub termination: Termination,
    /// Cancelled at the signal: `/readyz` answers `draining`, and the jobs stop taking work.
    pub stopping: CancellationToken,
    /// Live new loads: requests that would otherwise never end.
    pub live: LiveHub,
    /// The sandbox Telegram's long polls.
    pub telegram: Option<SandboxTelegram>,
    /// How long the listener keeps accepting after `/readyz` turned `503`.
    pub drain_delay: Duration,
    pub grace: Duration,
}

/// Serves until SIGTERM or Ctrl-C, then drains within the grace period and returns once every
/// request and job has finished.
pub(super) async fn serve(
    listener: TcpListener,
    router: axum::Router,
    rules: ConnectionRules,
    shutdown: Shutdown,
    jobs: TaskTracker,
) {
    let closing = CancellationToken::new();
    let server = connections::serve(listener, router, rules, closing.clone());
    tokio::pin!(server);

    tokio::select! {
        () = &mut server => return,
        () = shutdown.termination.received() => {},
    }
    let deadline = Instant::now() + shutdown.grace;
    tracing::info!(
        drain_delay = ?shutdown.drain_delay,
        "shutting down: draining (readyz answers 503; jobs finish what they hold)"
    );
    shutdown.stopping.cancel();
    tokio::select! {
        () = &mut server => return,
        () = tokio::time::sleep(shutdown.drain_delay) => {},
    }
    tracing::info!("shutting down: no new connections; finishing in-flight requests");
    closing.cancel();
    shutdown.live.close_all();
    if let Some(telegram) = &shutdown.telegram {
        telegram.close();
    }
    let finished = async { tokio::join!(server, jobs.wait()) };
    match tokio::time::timeout_at(deadline, finished).await {
        Ok(_) => tracing::info!("shut down: every request answered, every job finished"),
        Err(_) => tracing::warn!("in-flight requests or jobs outlived the shutdown grace period"),
    }
}

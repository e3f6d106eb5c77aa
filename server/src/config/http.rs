//! The web server: where it listens, the address the world knows it by, the built site it
//! serves, how long a request may take, and how long in-flight requests get at shutdown.
//!
//! The times must agree: a request still running when the grace period ends is cut without an
//! answer, and the grace counts from the signal while the listener still takes requests for the
//! drain delay. So the grace covers the drain delay, then the longest request (the timeout
//! answers it with a `503`) and a margin to send that answer. A shorter grace is refused at start
//! rather than discovered in a deployment.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use super::{Mode, reader::Reader};

/// The longest a request may take before it is answered `503`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the grace period needs beyond [`REQUEST_TIMEOUT`] for the last answers to leave.
const ANSWER_MARGIN: Duration = Duration::from_secs(5);

/// How long a connection may go without sending a whole request head, by default: longer than a
/// balancer keeps an idle connection to an instance (nginx's upstream `keepalive_timeout`, 60 s),
/// so that the balancer closes first and never sends a request on a connection being closed.
const IDLE_CONNECTION_SECONDS: u32 = 75;

/// How long a draining instance keeps accepting by default: about what a balancer takes to
/// notice `/readyz` failing (or the orchestrator to remove the instance) and stop sending to it.
const DRAIN_DELAY: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct HttpConfig {
    pub listen_addr: SocketAddr,
    /// The address drivers open the Mini App at (the bot's buttons lead there). `None` in sandbox
    /// mode: this server's own address.
    pub public_url: Option<String>,
    /// Where the built site (`pkg/`, static files) lives.
    pub site_root: PathBuf,
    /// The longest a request may take: [`REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// How long the listener keeps accepting after SIGTERM, `/readyz` answering `503` meanwhile.
    pub drain_delay: Duration,
    /// How long the instance may take to stop after SIGTERM: at least the drain delay, the
    /// request timeout and a margin.
    pub shutdown_grace: Duration,
    /// Proxies whose `X-Forwarded-For` is believed, wherever a client's address is read.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Connections held open at most (fewer if the open files allow fewer). `None`: as many as
    /// the open files allow.
    pub max_connections: Option<usize>,
    /// How long a connection may go without sending a whole request head before it is closed.
    pub idle_connection: Duration,
}

impl HttpConfig {
    pub(super) fn read(reader: &mut Reader, mode: Mode) -> Self {
        let listen_addr = reader
            .parsed("LISTEN_ADDR", "an address like 127.0.0.1:3000")
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let drain_delay = reader
            .parsed("SHUTDOWN_DRAIN_DELAY_SECONDS", "a whole number of seconds")
            .map_or(DRAIN_DELAY, Duration::from_secs);
        let shortest_grace = drain_delay + REQUEST_TIMEOUT + ANSWER_MARGIN;
        let shutdown_grace = reader
            .parsed("SHUTDOWN_GRACE_SECONDS", "a whole number of seconds")
            .map_or(shortest_grace, Duration::from_secs);
        if shutdown_grace < shortest_grace {
            reader.problem(
                "SHUTDOWN_GRACE_SECONDS",
                format!(
                    "must be at least {} so that requests still running at shutdown get their \
                     answer (the listener takes them for {} s, the drain delay; they may take \
                     {} s, the request timeout, and {} s to answer)",
                    shortest_grace.as_secs(),
                    drain_delay.as_secs(),
                    REQUEST_TIMEOUT.as_secs(),
                    ANSWER_MARGIN.as_secs(),
                ),
            );
        }
        // Telegram opens Mini Apps and delivers webhooks only over https: production takes nothing
        // else, and the sandbox may be served plainly on a developer's machine.
        let schemes: &[&str] = match mode {
            Mode::Production => &["https://"],
            Mode::Sandbox => &["http://", "https://"],
        };
        let public_url = reader.address("PUBLIC_URL", schemes);
        let max_connections = match reader.parsed::<usize>("MAX_CONNECTIONS", "a whole number") {
            Some(0) => {
                reader.problem("MAX_CONNECTIONS", "must be above zero");
                None
            }
            most => most,
        };
        reader.require_in_production(
            mode,
            "PUBLIC_URL",
            public_url.is_none(),
            "the https address drivers open the Mini App at",
        );
        Self {
            listen_addr,
            public_url,
            site_root: reader
                .text("SITE_ROOT")
                .unwrap_or_else(|| "target/site".into())
                .into(),
            request_timeout: REQUEST_TIMEOUT,
            drain_delay,
            shutdown_grace,
            trusted_proxies: reader.ranges("TRUSTED_PROXIES").unwrap_or_default(),
            max_connections,
            idle_connection: reader.seconds("IDLE_CONNECTION_SECONDS", IDLE_CONNECTION_SECONDS),
        }
    }
}

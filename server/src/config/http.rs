//! The web server: where it listens, the address the world knows it by, the built site it
//! serves, and how long in-flight requests get at shutdown.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use super::{Mode, reader::Reader};

#[derive(Debug)]
pub struct HttpConfig {
    pub listen_addr: SocketAddr,
    /// The address drivers open the Mini App at (the bot's buttons lead there). `None` in sandbox
    /// mode: this server's own address.
    pub public_url: Option<String>,
    /// Where the built site (`pkg/`, static files) lives.
    pub site_root: PathBuf,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl HttpConfig {
    pub(super) fn read(reader: &mut Reader, mode: Mode) -> Self {
        let listen_addr = reader
            .parsed("LISTEN_ADDR", "an address like 127.0.0.1:3000")
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let shutdown_seconds: u64 = reader
            .parsed("SHUTDOWN_GRACE_SECONDS", "a whole number of seconds")
            .unwrap_or(20);
        let public_url = reader.address("PUBLIC_URL", &["http://", "https://"]);
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
            shutdown_grace: Duration::from_secs(shutdown_seconds),
            trusted_proxies: reader.ranges("TRUSTED_PROXIES").unwrap_or_default(),
        }
    }
}

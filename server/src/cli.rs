//! The command line: subcommands of the one binary.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use clap::{Args, Parser, Subcommand};

use crate::sandbox::service::Addresses;

#[derive(Debug, Parser)]
#[command(
    name = "hauler",
    version,
    about = "Freight from CargoTech for drivers, in Telegram"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Default, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    #[default]
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run the Telegram bot as its own process, talking to the server (HAULER_SERVER_URL) with
    /// its service token (HAULER_SERVICE_TOKEN).
    Bot,
    /// Tokens for machine clients (a separate bot process, monitoring).
    #[command(subcommand)]
    ServiceToken(ServiceTokenCommand),
    /// The people who run Hauler.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Secrets stored in the database (sealed with ENCRYPTION_KEY).
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// The sandbox CargoTech (`/cargotech`), Telegram Bot API (`/telegram`) and YooKassa
    /// (`/yookassa`) as a service of their own, for a Hauler in production mode to reach by URL.
    Sandbox(SandboxArgs),
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    #[arg(long, default_value_t = 4000)]
    pub port: u16,
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// The address browsers reach this service at (YooKassa's checkout page). Default:
    /// http://HOST:PORT
    #[arg(long)]
    pub public_url: Option<String>,
    /// Where YooKassa sends its notifications: Hauler's
    /// PUBLIC_URL/api/v1/payments/yookassa/notifications.
    #[arg(
        long,
        default_value = "http://127.0.0.1:3000/api/v1/payments/yookassa/notifications"
    )]
    pub notify_url: String,
    /// The local address YooKassa's notifications leave from; Hauler's YOOKASSA_ALLOWED_IPS
    /// must list it.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub notify_from: IpAddr,
}

impl SandboxArgs {
    pub fn addresses(self) -> Addresses {
        Addresses {
            listen: SocketAddr::new(self.host, self.port),
            public_url: self.public_url,
            notify_url: self.notify_url,
            notify_from: self.notify_from,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Key rotation: re-seal every stored secret under the current ENCRYPTION_KEY (values sealed
    /// under a key in ENCRYPTION_PREVIOUS_KEYS), after which the previous keys can be retired.
    Reseal,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        /// `owner`, `admin` or `support`.
        #[arg(long, default_value = "owner")]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServiceTokenCommand {
    /// Make a token for a client; it is printed once and only its hash is kept.
    Create {
        /// The client's name, e.g. `bot` or `monitoring`.
        name: String,
        /// Days until it expires; without it, it lives until revoked.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// Revoke a token by its id (see `list`).
    Revoke { id: i64 },
    /// Every token: id, client, state, last use. Never the tokens themselves.
    List,
}

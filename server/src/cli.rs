//! The command line: subcommands of the one binary.

use clap::{Parser, Subcommand};

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

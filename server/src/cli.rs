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
}

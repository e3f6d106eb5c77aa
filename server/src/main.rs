//! `hauler`: the one binary. `serve` (the default) runs the web server; `migrate` applies the
//! database migrations and exits; `bot` runs the Telegram bot as its own process;
//! `service-token` manages machine clients' tokens; `secrets reseal` re-seals stored secrets
//! under the current key; `sandbox` serves the stand-ins for the outside services on their own.

use std::process::ExitCode;

use clap::Parser;
use server::{
    cli::{Cli, Command},
    config::Config,
    telemetry,
};

#[global_allocator]
static ALLOCATOR: server::allocator::Allocator = server::allocator::Allocator;

#[tokio::main]
async fn main() -> ExitCode {
    server::allocator::give_back_freed_memory_at_once();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(problems) => {
            eprintln!("{problems}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);

    let outcome = match cli.command.unwrap_or_default() {
        Command::Serve => server::serve(config).await,
        Command::Migrate => server::migrate(&config).await,
        Command::ServiceToken(command) => server::manage_service_tokens(&config, command).await,
        Command::Admin(command) => server::manage_admins(&config, command).await,
        Command::Secrets(command) => server::manage_secrets(&config, command).await,
        Command::Sandbox(args) => server::sandbox::service::run(&config, args.addresses())
            .await
            .map_err(server::StartError::Serve),
        Command::Bot => server::bot::process::run(&config)
            .await
            .map_err(|error| server::StartError::Bot(error.to_string())),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "hauler stopped with an error");
            ExitCode::FAILURE
        }
    }
}

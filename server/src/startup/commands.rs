//! The command-line subcommands other than `serve`: each opens only what it needs (the
//! database, perhaps the sealer), does its one job and exits.

use domain::{audit, database, settings};

use super::{
    StartError,
    platform::{open_database, sealer},
};
use crate::{
    cli::{AdminCommand, SecretsCommand, ServiceTokenCommand},
    config::Config,
    machines,
};

/// `hauler migrate`.
pub async fn migrate(config: &Config) -> Result<(), StartError> {
    let db = open_database(config).await?;
    tracing::info!(
        database = database::backend_name(&db),
        "migrations are up to date"
    );
    Ok(())
}

/// `hauler service-token …`.
pub async fn manage_service_tokens(
    config: &Config,
    command: ServiceTokenCommand,
) -> Result<(), StartError> {
    let db = open_database(config).await?;
    machines::commands::run(&db, command).await?;
    Ok(())
}

/// `hauler admin …`.
pub async fn manage_admins(config: &Config, command: AdminCommand) -> Result<(), StartError> {
    let db = open_database(config).await?;
    match command {
        AdminCommand::Create { email, role } => {
            let role = admin::wire::Role::parse(&role).ok_or_else(|| {
                StartError::Admin(format!(
                    "the role must be owner, admin or support, not `{role}`"
                ))
            })?;
            crate::admin::commands::create(&db, &email, role).await
        }
    }
}

/// `hauler secrets reseal`: prints which secrets were re-sealed — settings and admins' second
/// factors — by name, never value.
pub async fn manage_secrets(config: &Config, command: SecretsCommand) -> Result<(), StartError> {
    const OPERATOR: &str = "operator:command-line";
    let db = open_database(config).await?;
    let sealer = sealer(config)?;
    match command {
        SecretsCommand::Reseal => {
            let mut outcome = settings::reseal_all(&db, &sealer, OPERATOR).await?;
            let factors = crate::admin::second_factor::reseal_all(&db, &sealer).await?;
            outcome.resealed.extend(factors.resealed);
            outcome.current += factors.current;
            outcome.unopenable.extend(factors.unopenable);
            for key in &outcome.resealed {
                println!("resealed: {key}");
            }
            println!(
                "{} re-sealed under key `{}`, {} already under it",
                outcome.resealed.len(),
                sealer.current_key_id(),
                outcome.current
            );
            audit::record(
                &db,
                audit::AuditEntry {
                    actor: OPERATOR,
                    action: "secrets.resealed",
                    object: None,
                    details: Some(serde_json::json!({
                        "key_id": sealer.current_key_id(),
                        "resealed": outcome.resealed,
                        "unopenable": outcome.unopenable,
                    })),
                    client_addr: None,
                },
            )
            .await;
            if !outcome.unopenable.is_empty() {
                return Err(StartError::Admin(format!(
                    "these secrets open with no configured key (add the old key to ENCRYPTION_PREVIOUS_KEYS): {}",
                    outcome.unopenable.join(", ")
                )));
            }
            Ok(())
        }
    }
}

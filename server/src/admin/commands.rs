//! `hauler admin create`, and the first owner from the environment on first start.

use std::io::BufRead;

use admin::wire::Role;
use sea_orm::DatabaseConnection;

use super::accounts::{self, AccountError};
use crate::{StartError, config::Config};

/// `hauler admin create --email … [--role …]`: the password is read from standard input (one
/// line), so it never appears in the shell's history or the process list.
pub async fn create(db: &DatabaseConnection, email: &str, role: Role) -> Result<(), StartError> {
    eprint!(
        "Password for {email} (at least {} characters): ",
        accounts::MIN_PASSWORD
    );
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|error| StartError::Admin(error.to_string()))?;
    let password = password.trim_end_matches(['\r', '\n']);
    let account = accounts::create(db, email, password, role, "command-line")
        .await
        .map_err(|error| StartError::Admin(error.to_string()))?;
    println!("created {} ({})", account.email, account.role.as_str());
    Ok(())
}

/// With `ADMIN_BOOTSTRAP_EMAIL` and `ADMIN_BOOTSTRAP_PASSWORD` set and no admin yet, the first
/// owner is created at start (a deployment with no shell to run the command in).
pub async fn bootstrap(db: &DatabaseConnection, config: &Config) {
    let (Some(email), Some(password)) = (
        &config.admin.bootstrap_email,
        &config.admin.bootstrap_password,
    ) else {
        return;
    };
    match accounts::count(db).await {
        Ok(0) => {
            match accounts::create(db, email, password.expose(), Role::Owner, "environment").await {
                Ok(account) => tracing::info!(email = account.email, "the first owner was created"),
                Err(AccountError::Exists) => {}
                Err(error) => tracing::error!(%error, "the first owner could not be created"),
            }
        }
        Ok(_) => {}
        Err(error) => tracing::error!(%error, "admins could not be counted"),
    }
}

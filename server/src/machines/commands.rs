//! `hauler service-token create | revoke | list`: an operator's way to manage machine clients.

use chrono::Utc;
use domain::{
    audit::{self, AuditEntry},
    service_tokens,
};
use sea_orm::DatabaseConnection;

use crate::cli::ServiceTokenCommand;

const OPERATOR: &str = "operator:command-line";

/// Runs the command, printing its result; the error is the database's, if it failed.
pub async fn run(
    db: &DatabaseConnection,
    command: ServiceTokenCommand,
) -> Result<(), sea_orm::DbErr> {
    match command {
        ServiceTokenCommand::Create {
            name,
            expires_in_days,
        } => {
            let expires_at =
                expires_in_days.map(|days| Utc::now() + chrono::Duration::days(days.into()));
            let (token, row) = service_tokens::create(db, &name, expires_at, OPERATOR).await?;
            audit::record(
                db,
                AuditEntry {
                    actor: OPERATOR,
                    action: "service_token.created",
                    object: Some(&format!("service_token:{}", row.id)),
                    details: Some(serde_json::json!({"name": name, "expires_at": expires_at})),
                    client_addr: None,
                },
            )
            .await;
            println!("id: {}\nname: {}\ntoken: {token}", row.id, row.name);
            eprintln!(
                "The token is shown once; only its hash is kept. Send it as X-Service-Token."
            );
        }
        ServiceTokenCommand::Revoke { id } => {
            if service_tokens::revoke(db, id).await? {
                audit::record(
                    db,
                    AuditEntry {
                        actor: OPERATOR,
                        action: "service_token.revoked",
                        object: Some(&format!("service_token:{id}")),
                        details: None,
                        client_addr: None,
                    },
                )
                .await;
                println!("revoked: {id}");
            } else {
                println!("no live token with id {id}");
            }
        }
        ServiceTokenCommand::List => {
            let now = Utc::now();
            for row in service_tokens::all(db).await? {
                let state = match (row.revoked_at, row.expires_at) {
                    (Some(_), _) => "revoked",
                    (None, Some(at)) if at <= now => "expired",
                    _ => "live",
                };
                let last = row
                    .last_used_at
                    .map_or("never".to_owned(), |at| at.to_rfc3339());
                println!("{}\t{}\t{state}\tlast used {last}", row.id, row.name);
            }
        }
    }
    Ok(())
}

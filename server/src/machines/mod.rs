//! Machine clients — a separate bot process, monitoring — and the service tokens they show in
//! `X-Service-Token`. Hashes come from the environment (`SERVICE_TOKEN_<NAME>_HASH`) or the
//! database (made by `hauler service-token create`, shown raw once); a missing token is
//! `403 service_token_required`, a wrong, expired or revoked one `403 service_token_invalid`.

pub mod commands;

use std::sync::Arc;

use domain::service_tokens;
use sea_orm::{DatabaseConnection, DbErr};
use subtle::ConstantTimeEq;

/// Who may call as a machine.
#[derive(Clone)]
pub struct ServiceTokens {
    pub db: DatabaseConnection,
    /// From the environment: (name, SHA-256 hex).
    pub configured: Arc<Vec<(String, String)>>,
}

/// The machine client a request came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceClient {
    pub name: String,
}

impl ServiceClient {
    /// How the audit log names it.
    pub fn actor(&self) -> String {
        format!("service:{}", self.name)
    }
}

impl ServiceTokens {
    pub async fn authenticate(&self, presented: &str) -> Result<ServiceClient, TokenRefusal> {
        let hash = service_tokens::hash(presented.trim());
        // Every configured hash is compared, in constant time, whichever matches.
        let mut from_environment = None;
        for (name, known) in self.configured.iter() {
            if bool::from(known.as_bytes().ct_eq(hash.as_bytes())) {
                from_environment = Some(name.clone());
            }
        }
        if let Some(name) = from_environment {
            return Ok(ServiceClient { name });
        }
        match service_tokens::live_by_hash(&self.db, &hash).await? {
            Some(row) => {
                if let Err(error) = service_tokens::touch(&self.db, row.id).await {
                    tracing::warn!(%error, "a service token's last use could not be recorded");
                }
                Ok(ServiceClient { name: row.name })
            }
            None => {
                metrics::counter!("service_token_refused_total").increment(1);
                Err(TokenRefusal::Invalid)
            }
        }
    }
}

/// Why a presented service token was not taken.
#[derive(Debug, thiserror::Error)]
pub enum TokenRefusal {
    #[error("the service token is wrong, expired or revoked")]
    Invalid,
    #[error(transparent)]
    Database(#[from] DbErr),
}

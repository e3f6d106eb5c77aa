//! The token and where it is kept: sealed in the database, its durable home, so a restart or
//! another instance reuses it (also while Redis is down), and sealed in the shared store, a
//! cache of it. A freshly issued token is written to both; one another instance (or an earlier
//! run) left is picked up from them.
//!
//! A token another instance sealed that does not open here means the instances were given
//! different `ENCRYPTION_KEY`s: each would log in again and again over the other's token. That is
//! noted on the connection's report (and so shown by `/readyz` and the dashboard) until a shared
//! token opens again.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use domain::{sealing::SealError, settings};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Connection, LinkState, lock, write};
use crate::cargotech::client::IssuedToken;

/// How long a cached token may live in the shared store before it is re-read from the database.
const SHARED_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) value: Arc<str>,
    pub(super) refresh: Option<Arc<str>>,
    pub(super) expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, Deserialize)]
struct StoredToken {
    token: String,
    refresh_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
}

impl Connection {
    /// Forgets the token everywhere (the admin's "drop the token").
    pub async fn drop_token(&self, actor: &str) {
        let _login = self.login.lock().await;
        *write(&self.token) = None;
        self.store.delete(&self.key("token")).await;
        let _ = settings::delete(&self.db, &self.key("token")).await;
        lock(&self.report).state = LinkState::NotConnected;
        self.audit(
            actor,
            "cargotech.token_dropped",
            json!({ "account": self.account }),
        )
        .await;
    }

    /// Makes a freshly issued token the one everybody uses.
    pub(super) async fn adopt(&self, issued: IssuedToken, action: &str, actor: &str) -> Token {
        let token = Token {
            value: issued.token.into(),
            refresh: issued.refresh_token.map(Into::into),
            expires_at: issued
                .expires_in
                .and_then(|ttl| chrono::Duration::from_std(ttl).ok())
                .map(|ttl| Utc::now() + ttl),
        };
        let stored = serde_json::to_string(&StoredToken {
            token: token.value.to_string(),
            refresh_token: token.refresh.as_deref().map(str::to_owned),
            expires_at: token.expires_at,
        })
        .unwrap_or_default();
        if let Err(error) =
            settings::put_sealed(&self.db, &self.sealer, &self.key("token"), &stored, actor).await
        {
            tracing::error!(%error, "the CargoTech token could not be stored; it lives in memory only");
        }
        let sealed = self.sealer.seal(&self.shared_purpose(), stored.as_bytes());
        self.store
            .set(&self.key("token"), sealed.as_bytes(), SHARED_TOKEN_TTL)
            .await;
        self.use_token(token.clone());
        *lock(&self.retry_at) = None;
        {
            let mut report = lock(&self.report);
            report.state = LinkState::Connected;
            report.valid_since = Some(Utc::now());
            report.last_error = None;
            report.consecutive_failures = 0;
            report.logins += 1;
        }
        metrics::counter!("cargotech_login_successes_total").increment(1);
        tracing::info!(account = %self.account, "logged in to CargoTech");
        self.audit(actor, action, json!({ "account": self.account }))
            .await;
        token
    }

    pub(super) fn use_token(&self, token: Token) {
        *write(&self.token) = Some(token);
        let mut report = lock(&self.report);
        if report.state != LinkState::Connected {
            report.state = LinkState::Connected;
            report.valid_since.get_or_insert_with(Utc::now);
        }
    }

    /// The token another instance (or an earlier run) left, if it is usable and not `dead`: the
    /// store's copy first, then the database's, which is the durable one (a store that fell back
    /// to this process's memory during a Redis outage may hold an older token).
    pub(super) async fn shared_token(&self, dead: Option<&str>) -> Option<Token> {
        let usable =
            |token: &Token| !expiring(token) && dead.is_none_or(|dead| &*token.value != dead);
        let cached = match self.store.get(&self.key("token")).await {
            Some(sealed) => {
                let sealed = String::from_utf8(sealed).unwrap_or_default();
                match self.sealer.open(&self.shared_purpose(), &sealed) {
                    Ok(bytes) => serde_json::from_slice::<StoredToken>(&bytes).ok(),
                    Err(error) => {
                        self.note_key_mismatch(&error);
                        None
                    }
                }
            }
            None => None,
        };
        if let Some(token) = cached.map(Token::from).filter(usable) {
            lock(&self.report).key_mismatch = None;
            return Some(token);
        }
        let text = match settings::get_sealed(&self.db, &self.sealer, &self.key("token")).await {
            Ok(text) => text?,
            Err(settings::SettingError::Seal(error)) => {
                self.note_key_mismatch(&error);
                return None;
            }
            Err(settings::SettingError::Database(_)) => return None,
        };
        let token = Token::from(serde_json::from_str::<StoredToken>(&text).ok()?);
        lock(&self.report).key_mismatch = None;
        if !usable(&token) {
            return None;
        }
        let sealed = self.sealer.seal(&self.shared_purpose(), text.as_bytes());
        self.store
            .set(&self.key("token"), sealed.as_bytes(), SHARED_TOKEN_TTL)
            .await;
        Some(token)
    }

    /// Says, on the report and once in the log, that a token sealed elsewhere does not open here.
    fn note_key_mismatch(&self, error: &SealError) {
        let problem = format!(
            "the exchange token another instance sealed does not open with this instance's \
             ENCRYPTION_KEY (key `{}`): {error}; give every instance the same ENCRYPTION_KEY",
            self.sealer.current_key_id()
        );
        let mut report = lock(&self.report);
        if report.key_mismatch.is_none() {
            tracing::error!(account = %self.account, "{problem}");
        }
        report.key_mismatch = Some(problem);
    }

    fn shared_purpose(&self) -> String {
        format!("store:{}", self.key("token"))
    }
}

impl From<StoredToken> for Token {
    fn from(stored: StoredToken) -> Self {
        Self {
            value: stored.token.into(),
            refresh: stored.refresh_token.map(Into::into),
            expires_at: stored.expires_at,
        }
    }
}

/// Refresh a minute before an expiring token runs out (only for exchanges that issue such tokens).
pub(super) fn expiring(token: &Token) -> bool {
    token
        .expires_at
        .is_some_and(|at| at - chrono::Duration::seconds(60) <= Utc::now())
}

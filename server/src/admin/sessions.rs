//! Admin sessions: a random token in an `HttpOnly; SameSite=Strict` cookie (and `Secure` in
//! production), kept only as its hash in the shared store with a CSRF token beside it. A session
//! ends after 30 idle minutes or 12 hours whatever happens; "log out everywhere" ends every
//! session an admin has, on every instance.

use std::time::Duration;

use admin::wire::Role;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use domain::{AdminId, service_tokens, store::SharedStore};
use serde::{Deserialize, Serialize};

pub const COOKIE: &str = "hauler_admin";
pub const IDLE: Duration = Duration::from_secs(30 * 60);
pub const ABSOLUTE: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSession {
    pub admin_id: AdminId,
    pub email: String,
    pub role: Role,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
}

impl AdminSession {
    /// How the audit log names this admin.
    pub fn actor(&self) -> String {
        format!("admin:{}", self.email)
    }
}

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn key(token: &str) -> String {
    format!("admin-session:{}", service_tokens::hash(token))
}

fn revocation_key(admin_id: AdminId) -> String {
    format!("admin-sessions-revoked-before:{admin_id}")
}

/// Starts a session; returns the cookie's token (never stored) and the session.
pub async fn begin(
    store: &SharedStore,
    admin_id: AdminId,
    email: &str,
    role: Role,
) -> (String, AdminSession) {
    let token = random_token();
    let session = AdminSession {
        admin_id,
        email: email.to_owned(),
        role,
        csrf: random_token(),
        created_at: Utc::now(),
    };
    store.set_json(&key(&token), &session, IDLE).await;
    (token, session)
}

/// The live session behind a cookie; each use keeps it alive for another idle period.
pub async fn find(store: &SharedStore, token: &str) -> Option<AdminSession> {
    if token.len() > 100 {
        return None;
    }
    let session: AdminSession = store.get_json(&key(token)).await?;
    let age = Utc::now() - session.created_at;
    if age.to_std().is_ok_and(|age| age > ABSOLUTE) {
        return None;
    }
    let revoked: Option<DateTime<Utc>> = store.get_json(&revocation_key(session.admin_id)).await;
    if revoked.is_some_and(|mark| session.created_at <= mark) {
        return None;
    }
    store.set_json(&key(token), &session, IDLE).await;
    Some(session)
}

pub async fn end(store: &SharedStore, token: &str) {
    store.delete(&key(token)).await;
}

pub async fn end_everywhere(store: &SharedStore, admin_id: AdminId) {
    store
        .set_json(&revocation_key(admin_id), &Utc::now(), ABSOLUTE)
        .await;
}

/// The `Set-Cookie` value for a new session, or (with an empty token) for clearing it.
pub fn cookie(token: &str, secure: bool) -> String {
    let max_age = if token.is_empty() {
        0
    } else {
        ABSOLUTE.as_secs()
    };
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

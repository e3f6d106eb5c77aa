//! Driver sessions: a random 256-bit token handed to the client once, kept only as its SHA-256
//! hash in the shared store, with an expiry. Revocable one by one (logout) or all at once for a
//! driver (a ban): every session begun before the driver's revocation mark is dead, on every
//! instance, the moment the mark is written. Both are mirrored in the issuing process, so a Redis
//! outage does not sign that instance's drivers out.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::store::SharedStore;

use crate::DriverId;

pub const SESSION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub driver_id: DriverId,
    pub telegram_id: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Renewed into a new session: still good for requests for a short while (another window
    /// of the app may be using it), never renewed again.
    #[serde(default)]
    pub superseded: bool,
}

/// How long a renewed session's old token keeps working for requests already under way.
pub const RENEWAL_GRACE: Duration = Duration::from_secs(120);

/// The raw token, returned to the client once; never stored.
pub struct IssuedSession {
    pub token: String,
    pub session: Session,
}

pub async fn issue(store: &SharedStore, driver_id: DriverId, telegram_id: i64) -> IssuedSession {
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let now = Utc::now();
    let session = Session {
        driver_id,
        telegram_id,
        created_at: now,
        expires_at: now + chrono::Duration::from_std(SESSION_TTL).unwrap_or_default(),
        superseded: false,
    };
    store
        .set_json_mirrored(&key(&token), &session, SESSION_TTL)
        .await;
    IssuedSession { token, session }
}

/// The live session behind a token, if any.
pub async fn find(store: &SharedStore, token: &str) -> Option<Session> {
    if token.len() > 100 {
        return None;
    }
    let session: Session = store.get_json(&key(token)).await?;
    if session.expires_at <= Utc::now() {
        return None;
    }
    let revoked_before: Option<DateTime<Utc>> =
        store.get_json(&revocation_key(session.driver_id)).await;
    match revoked_before {
        Some(mark) if session.created_at <= mark => None,
        _ => Some(session),
    }
}

/// A new session in place of a live one, whose token ends: a session kept on the device lives as
/// long as the driver keeps coming back, and a copy of an old token cannot be renewed. The old
/// token still answers for [`RENEWAL_GRACE`], so another window of the app that holds it (the
/// payment page's way back, a second tab) is not signed out under the driver. `None` when the
/// token's session has ended or was renewed already.
pub async fn renew(store: &SharedStore, token: &str) -> Option<IssuedSession> {
    let session = find(store, token).await?;
    if session.superseded {
        return None;
    }
    let renewed = issue(store, session.driver_id, session.telegram_id).await;
    let grace_ends = Utc::now() + chrono::Duration::from_std(RENEWAL_GRACE).unwrap_or_default();
    let old = Session {
        expires_at: session.expires_at.min(grace_ends),
        superseded: true,
        ..session
    };
    store
        .set_json_mirrored(&key(token), &old, RENEWAL_GRACE)
        .await;
    Some(renewed)
}

pub async fn end(store: &SharedStore, token: &str) {
    store.admitted().forget_token(token);
    store.delete(&key(token)).await;
}

/// Ends every session the driver has (a ban, or "log out everywhere").
pub async fn end_all(store: &SharedStore, driver_id: DriverId) {
    store.admitted().forget_driver(driver_id);
    store
        .set_json_mirrored(&revocation_key(driver_id), &Utc::now(), SESSION_TTL)
        .await;
}

fn key(token: &str) -> String {
    format!("session:{}", hex_sha256(token))
}

fn revocation_key(driver_id: DriverId) -> String {
    format!("sessions-revoked-before:{driver_id}")
}

fn hex_sha256(text: &str) -> String {
    use std::fmt::Write;
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(text.as_bytes()) {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

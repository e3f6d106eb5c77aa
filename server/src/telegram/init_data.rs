//! Telegram Mini App launch data (`initData`), validated exactly as Telegram specifies.
//!
//! The raw string is parsed as a URL query (values decoded, nothing re-serialized). First-party
//! validation: the check string is every field but `hash` — `signature` included — as
//! `key=value`, sorted by key, joined with `\n`; the secret is HMAC-SHA256(key "WebAppData",
//! message bot token); the hex HMAC of the check string must equal `hash` (compared in constant
//! time). Third-party validation: an Ed25519 `signature` (base64url) over
//! `"{bot_id}:WebAppData\n"` and the sorted pairs without `hash` and `signature`, checked with
//! Telegram's public key. The signature is checked before freshness, so a value signed correctly
//! but too old is reported as expired, never as forged.
//!
//! `sign` is the first-party signing as Telegram does it. Hauler itself never signs launch data:
//! the integration tests and the bench do, to open the app as a driver would, and they share
//! the one signer that sits beside the check so the two cannot drift apart.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Telegram's published keys for third-party validation.
pub const PRODUCTION_PUBLIC_KEY: &str =
    "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d";
pub const TEST_PUBLIC_KEY: &str =
    "40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec";

/// How launch data is checked.
#[derive(Clone)]
pub enum Validation {
    /// With the bot's own token (HMAC).
    BotToken(String),
    /// With Telegram's public key (Ed25519), knowing only the bot's id.
    ThirdParty {
        bot_id: u64,
        public_key: VerifyingKey,
    },
}

impl std::fmt::Debug for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BotToken(_) => f.write_str("BotToken(<redacted>)"),
            Self::ThirdParty { bot_id, .. } => write!(f, "ThirdParty({bot_id})"),
        }
    }
}

/// Why launch data was refused; each has a stable code for clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InitDataError {
    #[error("no initData was sent")]
    Missing,
    #[error("initData is not well-formed")]
    Malformed,
    #[error("initData's signature does not match")]
    BadSignature,
    #[error("initData is too old")]
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelegramUser {
    pub id: i64,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub language_code: Option<String>,
    #[serde(default)]
    pub photo_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchData {
    pub user: TelegramUser,
    pub auth_date: i64,
    pub start_param: Option<String>,
}

/// Validates `raw` at `now` (unix seconds), accepting launch data up to `max_age_seconds` old.
pub fn validate(
    raw: &str,
    validation: &Validation,
    now: i64,
    max_age_seconds: i64,
) -> Result<LaunchData, InitDataError> {
    if raw.trim().is_empty() {
        return Err(InitDataError::Missing);
    }
    let mut fields = BTreeMap::new();
    for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
        if fields
            .insert(key.into_owned(), value.into_owned())
            .is_some()
        {
            return Err(InitDataError::Malformed);
        }
    }
    let hash = fields.remove("hash");
    match validation {
        Validation::BotToken(token) => {
            let expected = hex::decode(hash.ok_or(InitDataError::Malformed)?)
                .map_err(|_| InitDataError::Malformed)?;
            first_party_mac(&fields, token)
                .verify_slice(&expected)
                .map_err(|_| InitDataError::BadSignature)?;
        }
        Validation::ThirdParty { bot_id, public_key } => {
            let signature = fields.remove("signature").ok_or(InitDataError::Malformed)?;
            let signature = URL_SAFE_NO_PAD
                .decode(signature.trim_end_matches('='))
                .ok()
                .and_then(|bytes| Signature::from_slice(&bytes).ok())
                .ok_or(InitDataError::Malformed)?;
            let message = format!("{bot_id}:WebAppData\n{}", check_string(&fields));
            public_key
                .verify(message.as_bytes(), &signature)
                .map_err(|_| InitDataError::BadSignature)?;
        }
    }

    let auth_date: i64 = fields
        .get("auth_date")
        .and_then(|d| d.parse().ok())
        .ok_or(InitDataError::Malformed)?;
    // A little clock skew is forgiven; data from the future beyond that is not fresh either.
    if now - auth_date > max_age_seconds || auth_date - now > 60 {
        return Err(InitDataError::Expired);
    }
    let user: TelegramUser = fields
        .get("user")
        .and_then(|user| serde_json::from_str(user).ok())
        .ok_or(InitDataError::Malformed)?;
    Ok(LaunchData {
        user,
        auth_date,
        start_param: fields.get("start_param").cloned(),
    })
}

/// The HMAC whose hex is `hash`: keyed with HMAC-SHA256("WebAppData", bot token), over the
/// check string of every field but `hash`.
fn first_party_mac(fields: &BTreeMap<String, String>, bot_token: &str) -> Hmac<Sha256> {
    let mut secret = Hmac::<Sha256>::new_from_slice(b"WebAppData").expect("HMAC takes any key");
    secret.update(bot_token.as_bytes());
    let secret = secret.finalize().into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).expect("HMAC takes any key");
    mac.update(check_string(fields).as_bytes());
    mac
}

fn check_string(fields: &BTreeMap<String, String>) -> String {
    fields
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses a hex Ed25519 public key (Telegram's production or test key).
pub fn public_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// Launch data as Telegram signs it for the bot with `bot_token`: `fields` in the order given,
/// then `hash`.
pub fn sign(fields: &[(&str, &str)], bot_token: &str) -> String {
    let sorted: BTreeMap<String, String> = fields
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    let hash = hex::encode(first_party_mac(&sorted, bot_token).finalize().into_bytes());
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in fields {
        query.append_pair(key, value);
    }
    query.append_pair("hash", &hash).finish()
}

/// A driver opening the app at `auth_date` (unix seconds): `user` as Telegram sends it, signed
/// for the bot with `bot_token`.
pub fn signed_init_data(user: &serde_json::Value, auth_date: i64, bot_token: &str) -> String {
    sign(
        &[
            ("auth_date", &auth_date.to_string()),
            ("query_id", "AAHdF6IQ"),
            ("user", &user.to_string()),
        ],
        bot_token,
    )
}

#[cfg(test)]
mod tests;

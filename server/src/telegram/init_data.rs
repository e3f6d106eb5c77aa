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
//! A correctly signed user is then held to Telegram's own limits ([`TelegramUser::check`]), and
//! the launch is named by a digest of what Telegram signed ([`LaunchData::launch_id`]), so the
//! same launch data can be told when it comes again.
//!
//! `sign` is the first-party signing as Telegram does it. Hauler itself never signs launch data:
//! the integration tests and the bench do, to open the app as a driver would, and they share
//! the one signer that sits beside the check so the two cannot drift apart.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    #[error("initData's user is not acceptable: {0}")]
    Unacceptable(UserFault),
}

/// What in a correctly signed user is beyond what Telegram itself allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UserFault {
    #[error("the user id is not a positive number")]
    Id,
    #[error("the first name is empty or longer than {MAX_NAME} characters")]
    FirstName,
    #[error("the last name is longer than {MAX_NAME} characters")]
    LastName,
    #[error("the username is not {MIN_USERNAME} to {MAX_USERNAME} Latin letters, digits or _")]
    Username,
    #[error("the language code is not a language tag of at most {MAX_LANGUAGE_CODE} characters")]
    LanguageCode,
    #[error("the photo URL is not an https URL of at most {MAX_PHOTO_URL} characters")]
    PhotoUrl,
}

/// Telegram's limits: a first name 1–64 characters, a last name up to 64.
pub const MAX_NAME: usize = 64;
/// Usernames are 5–32 characters, and the collectible ones sold on Fragment have 4.
pub const MIN_USERNAME: usize = 4;
pub const MAX_USERNAME: usize = 32;
/// An IETF language tag (`ru`, `en`, `pt-br`); RFC 5646 asks room for 35 characters.
pub const MAX_LANGUAGE_CODE: usize = 35;
/// Telegram's profile photo links are about 100 characters.
pub const MAX_PHOTO_URL: usize = 1024;

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

impl TelegramUser {
    /// Refuses what Telegram itself would never send: a signature proves who sent the data,
    /// not that it is sane (a test bot's or a leaked token's signature is just as valid).
    pub fn check(&self) -> Result<(), UserFault> {
        let within = |text: &str, range: std::ops::RangeInclusive<usize>| {
            range.contains(&text.chars().count())
        };
        if self.id <= 0 {
            return Err(UserFault::Id);
        }
        if !within(&self.first_name, 1..=MAX_NAME) {
            return Err(UserFault::FirstName);
        }
        if self
            .last_name
            .as_deref()
            .is_some_and(|name| !within(name, 0..=MAX_NAME))
        {
            return Err(UserFault::LastName);
        }
        if self.username.as_deref().is_some_and(|name| {
            !within(name, MIN_USERNAME..=MAX_USERNAME)
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }) {
            return Err(UserFault::Username);
        }
        if self.language_code.as_deref().is_some_and(|code| {
            !within(code, 1..=MAX_LANGUAGE_CODE)
                || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }) {
            return Err(UserFault::LanguageCode);
        }
        if self
            .photo_url
            .as_deref()
            .is_some_and(|url| !within(url, 1..=MAX_PHOTO_URL) || !url.starts_with("https://"))
        {
            return Err(UserFault::PhotoUrl);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchData {
    pub user: TelegramUser,
    pub auth_date: i64,
    pub start_param: Option<String>,
    /// The hex SHA-256 of exactly what Telegram signed: one launch of the app, whichever way
    /// its fields are encoded.
    pub launch_id: String,
}

impl LaunchData {
    /// How long this launch data stays fresh after `now` (unix seconds), at least a second.
    pub fn fresh_for(&self, now: i64, max_age_seconds: i64) -> std::time::Duration {
        let seconds = (self.auth_date + max_age_seconds - now).max(1);
        std::time::Duration::from_secs(seconds.unsigned_abs())
    }
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
    let signed = match validation {
        Validation::BotToken(token) => {
            let expected = hex::decode(hash.ok_or(InitDataError::Malformed)?)
                .map_err(|_| InitDataError::Malformed)?;
            first_party_mac(&fields, token)
                .verify_slice(&expected)
                .map_err(|_| InitDataError::BadSignature)?;
            check_string(&fields)
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
            message
        }
    };

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
    user.check().map_err(InitDataError::Unacceptable)?;
    Ok(LaunchData {
        user,
        auth_date,
        start_param: fields.get("start_param").cloned(),
        launch_id: hex::encode(Sha256::digest(signed.as_bytes())),
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
/// for the bot with `bot_token`. Each opening is a launch of its own, with its own `query_id`.
pub fn signed_init_data(user: &serde_json::Value, auth_date: i64, bot_token: &str) -> String {
    sign(
        &[
            ("auth_date", &auth_date.to_string()),
            ("query_id", &format!("AAH{:016x}", rand::random::<u64>())),
            ("user", &user.to_string()),
        ],
        bot_token,
    )
}

#[cfg(test)]
mod tests;

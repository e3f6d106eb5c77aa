//! Secrets: the [`Secret`] wrapper every credential is kept in, and the keys that seal secrets
//! at rest (the current one and those of earlier rotations).

use std::fmt;

use base64::{Engine, engine::general_purpose::STANDARD};
use domain::sealing::SealingKey;

use super::{Mode, reader::Reader};

/// A value that must never be printed: `Debug` shows only that it is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub(super) String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Debug)]
pub struct SecretsConfig {
    /// `None` only in sandbox mode: a key is then generated once and kept under the data folder.
    pub encryption_key: Option<SealingKey>,
    /// Keys that still open values sealed before a rotation.
    pub previous_keys: Vec<SealingKey>,
}

impl SecretsConfig {
    pub(super) fn read(reader: &mut Reader, mode: Mode) -> Self {
        let encryption_key = encryption_key(reader);
        reader.require_in_production(
            mode,
            "ENCRYPTION_KEY",
            encryption_key.is_none(),
            "the key that seals secrets at rest",
        );
        Self {
            encryption_key,
            previous_keys: previous_keys(reader),
        }
    }
}

fn encryption_key(reader: &mut Reader) -> Option<SealingKey> {
    let encoded = reader.text("ENCRYPTION_KEY")?;
    let id = reader
        .text("ENCRYPTION_KEY_ID")
        .unwrap_or_else(|| "k1".into());
    sealing_key(reader, "ENCRYPTION_KEY", &id, &encoded)
}

/// `ENCRYPTION_PREVIOUS_KEYS=id:base64,id:base64`: keys that still open old values.
fn previous_keys(reader: &mut Reader) -> Vec<SealingKey> {
    let Some(list) = reader.text("ENCRYPTION_PREVIOUS_KEYS") else {
        return Vec::new();
    };
    list.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .filter_map(|entry| match entry.trim().split_once(':') {
            Some((id, encoded)) => sealing_key(reader, "ENCRYPTION_PREVIOUS_KEYS", id, encoded),
            None => {
                reader.problem(
                    "ENCRYPTION_PREVIOUS_KEYS",
                    "each entry must read `<key id>:<base64 key>`",
                );
                None
            }
        })
        .collect()
}

fn sealing_key(reader: &mut Reader, name: &str, id: &str, encoded: &str) -> Option<SealingKey> {
    let bytes = match STANDARD.decode(encoded.trim()) {
        Ok(bytes) => bytes,
        Err(_) => {
            reader.problem(name, "must be base64 (e.g. from `openssl rand -base64 32`)");
            return None;
        }
    };
    let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) else {
        reader.problem(
            name,
            format!("must be 32 bytes of base64, got {} bytes", bytes.len()),
        );
        return None;
    };
    SealingKey::new(id, key)
        .map_err(|error| reader.problem(name, error.to_string()))
        .ok()
}

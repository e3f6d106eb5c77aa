//! Secrets at rest, sealed with AES-256-GCM.
//!
//! A sealed value reads `v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`. The nonce is random
//! per value; the key id lets keys rotate: new values use the current key while values sealed under
//! an older key still open as long as that key is configured. The value's purpose (for example
//! `setting:yookassa_secret_key`) is bound in as associated data, so a sealed value copied into
//! another slot does not open there.

use std::collections::HashMap;

use aes_gcm::{
    Aes256Gcm, Key, KeyInit,
    aead::{Aead, Generate, Nonce, Payload},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

const VERSION: &str = "v1";
const NONCE_LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the sealed value is not in the v1:<key id>:<data> form")]
    Malformed,
    #[error("the sealed value names key `{0}`, which is not configured")]
    UnknownKey(String),
    #[error("the sealed value does not open: it was changed, or belongs to another purpose")]
    Tampered,
    #[error("invalid key id `{0}`: use 1-32 letters, digits, `-` or `_`")]
    BadKeyId(String),
}

/// One AES-256 key and the id stored beside every value sealed under it.
#[derive(Clone)]
pub struct SealingKey {
    id: String,
    key: [u8; 32],
}

impl SealingKey {
    pub fn new(id: impl Into<String>, key: [u8; 32]) -> Result<Self, SealError> {
        let id = id.into();
        let valid = (1..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(Self { id, key })
        } else {
            Err(SealError::BadKeyId(id))
        }
    }

    /// A fresh random key, for the sandbox's generated key file.
    pub fn generate_bytes() -> [u8; 32] {
        Key::<Aes256Gcm>::generate().into()
    }
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealingKey({}, <redacted>)", self.id)
    }
}

pub struct Sealer {
    current: String,
    ciphers: HashMap<String, Aes256Gcm>,
}

impl Sealer {
    /// `current` seals new values; `previous` keys only open what they sealed before.
    pub fn new(current: SealingKey, previous: impl IntoIterator<Item = SealingKey>) -> Self {
        let current_id = current.id.clone();
        let ciphers = previous
            .into_iter()
            .chain(std::iter::once(current))
            .map(|key| (key.id, Aes256Gcm::new(&Key::<Aes256Gcm>::from(key.key))))
            .collect();
        Self {
            current: current_id,
            ciphers,
        }
    }

    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        let cipher = &self.ciphers[&self.current];
        let nonce = Nonce::<Aes256Gcm>::generate();
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: purpose.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut data = nonce.to_vec();
        data.extend_from_slice(&ciphertext);
        format!(
            "{VERSION}:{}:{}",
            self.current,
            URL_SAFE_NO_PAD.encode(data)
        )
    }

    pub fn open(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        let (key_id, data) = parse(sealed)?;
        let cipher = self
            .ciphers
            .get(key_id)
            .ok_or_else(|| SealError::UnknownKey(key_id.to_owned()))?;
        let (nonce, ciphertext) = data.split_at(NONCE_LEN);
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| SealError::Malformed)?;
        cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| SealError::Tampered)
    }

    /// Re-seals a value under the current key (key rotation).
    pub fn reseal(&self, purpose: &str, sealed: &str) -> Result<String, SealError> {
        self.open(purpose, sealed)
            .map(|plaintext| self.seal(purpose, &plaintext))
    }

    /// The key id a sealed value was made with, without opening it.
    pub fn key_id_of(sealed: &str) -> Result<&str, SealError> {
        parse(sealed).map(|(key_id, _)| key_id)
    }
}

fn parse(sealed: &str) -> Result<(&str, Vec<u8>), SealError> {
    let mut parts = sealed.splitn(3, ':');
    let (Some(VERSION), Some(key_id), Some(data)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(SealError::Malformed);
    };
    let data = URL_SAFE_NO_PAD
        .decode(data)
        .map_err(|_| SealError::Malformed)?;
    // A nonce and a 16-byte tag at the very least.
    if data.len() < NONCE_LEN + 16 {
        return Err(SealError::Malformed);
    }
    Ok((key_id, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, byte: u8) -> SealingKey {
        SealingKey::new(id, [byte; 32]).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_to_the_same_bytes_and_never_shows_them() {
        let sealer = Sealer::new(key("k1", 7), []);
        let sealed = sealer.seal("setting:bot_token", b"123456:secret-token");
        assert!(sealed.starts_with("v1:k1:"));
        assert!(!sealed.contains("secret-token"));
        assert_eq!(
            sealer.open("setting:bot_token", &sealed).unwrap(),
            b"123456:secret-token"
        );
    }

    #[test]
    fn the_same_secret_sealed_twice_looks_different() {
        let sealer = Sealer::new(key("k1", 7), []);
        assert_ne!(sealer.seal("p", b"same"), sealer.seal("p", b"same"));
    }

    #[test]
    fn a_changed_byte_fails_to_open_with_a_clear_error() {
        let sealer = Sealer::new(key("k1", 7), []);
        let sealed = sealer.seal("p", b"password");
        let (head, data) = sealed.rsplit_once(':').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(data).unwrap();
        for index in [0, NONCE_LEN, bytes.len() - 1] {
            bytes[index] ^= 0x01;
            let tampered = format!("{head}:{}", URL_SAFE_NO_PAD.encode(&bytes));
            assert_eq!(sealer.open("p", &tampered), Err(SealError::Tampered));
            bytes[index] ^= 0x01;
        }
    }

    #[test]
    fn a_value_sealed_for_one_purpose_does_not_open_for_another() {
        let sealer = Sealer::new(key("k1", 7), []);
        let sealed = sealer.seal("setting:yookassa_secret_key", b"live_abc");
        assert_eq!(
            sealer.open("setting:cargotech_password", &sealed),
            Err(SealError::Tampered)
        );
    }

    #[test]
    fn after_rotation_old_values_still_open_and_new_values_use_the_new_key() {
        let before = Sealer::new(key("k1", 1), []);
        let old_value = before.seal("p", b"secret");

        let after = Sealer::new(key("k2", 2), [key("k1", 1)]);
        assert_eq!(after.open("p", &old_value).unwrap(), b"secret");
        let new_value = after.seal("p", b"secret");
        assert_eq!(Sealer::key_id_of(&new_value), Ok("k2"));

        let resealed = after.reseal("p", &old_value).unwrap();
        assert_eq!(Sealer::key_id_of(&resealed), Ok("k2"));
        let only_new = Sealer::new(key("k2", 2), []);
        assert_eq!(only_new.open("p", &resealed).unwrap(), b"secret");
        assert_eq!(
            only_new.open("p", &old_value),
            Err(SealError::UnknownKey("k1".into()))
        );
    }

    #[test]
    fn garbage_is_reported_as_malformed() {
        let sealer = Sealer::new(key("k1", 7), []);
        for garbage in [
            "",
            "plain",
            "v1:k1",
            "v2:k1:AAAA",
            "v1:k1:!!!",
            "v1:k1:AAAA",
        ] {
            assert_eq!(
                sealer.open("p", garbage),
                Err(SealError::Malformed),
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn key_ids_are_checked() {
        assert!(SealingKey::new("2026-11", [0; 32]).is_ok());
        for bad in ["", "has:colon", "has space", &"x".repeat(33)] {
            assert!(matches!(
                SealingKey::new(bad, [0; 32]),
                Err(SealError::BadKeyId(_))
            ));
        }
    }
}

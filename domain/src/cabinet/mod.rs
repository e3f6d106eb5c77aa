//! The exchange's web cabinet through Hauler, as data and rules: the pass plans on sale, the
//! passes (tokens kept hashed, tied to a driver, revocable) and their two-level check (the store,
//! then the database), the browser sessions a pass opens and their audit, and the path policy
//! that keeps the shared account's dangerous pages closed.

pub mod passes;
pub mod plans;
pub mod policy;
pub mod sessions;

use sha2::{Digest, Sha256};

/// The SHA-256 of a secret, as lowercase hex: what is stored instead of it.
fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

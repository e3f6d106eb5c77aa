//! Argon2id password hashing, off the async runtime. One hash costs tens of milliseconds of a
//! core and 19 MiB (OWASP's parameters, the crate's defaults); run on the runtime's threads, a
//! burst of logins would stall every other request. So each hash runs on a blocking thread, and
//! at most one per core at a time: the rest wait their turn without holding a thread, and no
//! database connection is held while they wait or hash.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

/// One permit per core: hashing more at once only makes each slower.
static CORES: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from)));

/// A hash of a password nobody knows, checked against when the email is unknown: made by the
/// same hasher with the same parameters, so it costs the same time as a real account's.
static UNKNOWABLE: LazyLock<String> = LazyLock::new(|| {
    let password = format!("{:032x}", rand::random::<u128>());
    hash_now(&password).unwrap_or_default()
});

#[derive(Debug, thiserror::Error)]
#[error("the password could not be hashed")]
pub struct HashingFailed;

/// A new hash of `password`, with a fresh salt.
pub async fn hash(password: &str) -> Result<String, HashingFailed> {
    let password = password.to_owned();
    on_a_core(move || hash_now(&password))
        .await
        .ok_or(HashingFailed)?
}

/// Whether `password` matches `stored`; `None` checks it against a hash nobody knows, at the
/// same cost, and is always `false`.
pub async fn matches(password: &str, stored: Option<String>) -> bool {
    let password = password.to_owned();
    on_a_core(move || {
        let stored = stored.as_deref().unwrap_or(&UNKNOWABLE);
        PasswordHash::new(stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

fn hash_now(password: &str) -> Result<String, HashingFailed> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|_| HashingFailed)
}

/// Runs `work` on a blocking thread once a core is free; `None` if it panicked.
async fn on_a_core<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    // The semaphore is never closed, so a permit always comes.
    let _core = CORES.acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_matches_its_own_hash_only() {
        let stored = hash("correct horse battery staple").await.unwrap();
        assert!(matches("correct horse battery staple", Some(stored.clone())).await);
        assert!(!matches("correct horse battery stapler", Some(stored)).await);
        assert!(!matches("correct horse battery staple", None).await);
        assert!(!matches("anything", Some("not a hash".into())).await);
    }

    #[tokio::test]
    async fn an_unknown_email_costs_what_a_known_one_costs() {
        let known = PasswordHash::new(&hash("whatever it is").await.unwrap())
            .unwrap()
            .params
            .to_string();
        let unknowable = PasswordHash::new(&UNKNOWABLE).unwrap().params.to_string();
        assert_eq!(unknowable, known);
    }
}

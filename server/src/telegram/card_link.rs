//! Links to a load that the bot sends (new-load alerts, response confirmations) carry a sealed
//! token naming the load and when the link lapses. Opening such a link asks the exchange for the
//! card even when no list shows it any more, while an id typed at random is not asked (see
//! `cargotech::CardLead`); a token made up, or made for another load, vouches for nothing.
//!
//! Sealed with the secrets' own key (`ENCRYPTION_KEY`, bound to this purpose) rather than a key of
//! its own: after a key rotation, links already sent keep opening while the old key is listed in
//! `ENCRYPTION_PREVIOUS_KEYS`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use domain::sealing::Sealer;

const PURPOSE: &str = "cargo-link";
/// Longer than a load stays on the exchange: a link outlives the load it opens.
const VALID_FOR: Duration = Duration::days(14);

#[derive(Clone)]
pub struct CardLinks {
    sealer: Arc<Sealer>,
}

impl std::fmt::Debug for CardLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardLinks(<sealed>)")
    }
}

impl CardLinks {
    pub fn new(sealer: Arc<Sealer>) -> Self {
        Self { sealer }
    }

    /// The token for a link to load `id`, valid from now for two weeks.
    pub fn token(&self, id: u64) -> String {
        self.token_until(id, Utc::now() + VALID_FOR)
    }

    fn token_until(&self, id: u64, until: DateTime<Utc>) -> String {
        self.sealer
            .seal(PURPOSE, format!("{id}:{}", until.timestamp()).as_bytes())
    }

    /// Whether `token` is a link the bot made for load `id` that has not lapsed.
    pub fn vouches_for(&self, id: u64, token: &str) -> bool {
        let Ok(opened) = self.sealer.open(PURPOSE, token) else {
            return false;
        };
        let opened = String::from_utf8_lossy(&opened);
        let Some((linked, until)) = opened.split_once(':') else {
            return false;
        };
        linked.parse() == Ok(id)
            && until
                .parse()
                .is_ok_and(|until: i64| Utc::now().timestamp() < until)
    }
}

#[cfg(test)]
mod tests {
    use domain::sealing::SealingKey;

    use super::*;

    fn links(key: u8) -> CardLinks {
        let key = SealingKey::new(format!("k{key}"), [key; 32]).unwrap();
        CardLinks::new(Arc::new(Sealer::new(key, [])))
    }

    #[test]
    fn a_link_opens_its_own_load_only_until_it_lapses() {
        let links = links(1);
        let token = links.token(100_042);
        assert!(links.vouches_for(100_042, &token));
        assert!(!links.vouches_for(100_043, &token), "another load");
        let lapsed = links.token_until(100_042, Utc::now() - Duration::minutes(1));
        assert!(!links.vouches_for(100_042, &lapsed));
    }

    #[test]
    fn a_made_up_or_foreign_token_vouches_for_nothing() {
        let links = links(1);
        assert!(!links.vouches_for(100_042, "100042"));
        assert!(!links.vouches_for(100_042, "v1:k1:AAAA"));
        assert!(!links.vouches_for(100_042, &self::links(2).token(100_042)));
        let sealed_elsewhere = links.sealer.seal("setting:x", b"100042:99999999999");
        assert!(!links.vouches_for(100_042, &sealed_elsewhere));
    }
}

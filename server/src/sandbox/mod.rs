//! The built-in stand-ins for the outside systems: the embedded default and the tests use them
//! instead of real accounts, and `hauler sandbox` serves them on their own (see [`service`]).

pub mod cargotech;
pub mod service;
pub mod telegram;
pub mod yookassa;

use app::subscription::PromoBenefit;
use domain::promo::{self, CreateError, NewPromoCode};

/// Promo codes a person trying the sandbox can type: `HAULER20` (20 % off any plan) and `FREE3`
/// (three days free). Created once; restarting keeps their counts.
pub async fn seed_promo_codes(db: &sea_orm::DatabaseConnection) {
    for (code, benefit) in [
        ("HAULER20", PromoBenefit::PercentOff(20)),
        ("FREE3", PromoBenefit::FreeDays(3)),
    ] {
        let created = promo::create(
            db,
            NewPromoCode {
                code: code.into(),
                benefit,
                valid_from: None,
                valid_until: None,
                max_uses: None,
                campaign: Some("sandbox".into()),
                created_by: "system:sandbox".into(),
            },
        )
        .await;
        match created {
            Ok(_) | Err(CreateError::Duplicate(_)) => {}
            Err(error) => tracing::warn!(%error, code, "a sandbox promo code could not be created"),
        }
    }
}

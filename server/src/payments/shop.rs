//! The YooKassa shop Hauler sells through. Its credentials are the ones an owner enters on the
//! dashboard (the secret key sealed at rest), read on every use so a change takes effect without a
//! restart; without them, the environment's (or the sandbox's own shop).

use std::sync::{Arc, Mutex};

use domain::{
    sealing::Sealer,
    service_tokens,
    settings::{self, SettingError},
};
use sea_orm::DatabaseConnection;

use super::yookassa::YooKassa;

pub const SHOP_ID_SETTING: &str = "yookassa.shop_id";
pub const SECRET_KEY_SETTING: &str = "yookassa.secret_key";

#[derive(Clone)]
pub struct Shop {
    base_url: String,
    /// Credentials from the environment (or the sandbox's own shop), for when none are set.
    configured: Option<YooKassa>,
    db: DatabaseConnection,
    sealer: Arc<Sealer>,
    /// The client made from settings, with the shop id and a hash of the key it was made from.
    from_settings: Arc<Mutex<Option<(String, String, YooKassa)>>>,
}

impl Shop {
    pub fn new(
        base_url: &str,
        credentials: Option<(String, String)>,
        db: DatabaseConnection,
        sealer: Arc<Sealer>,
    ) -> Self {
        Self {
            base_url: base_url.to_owned(),
            configured: credentials.map(|(shop, secret)| YooKassa::new(base_url, &shop, &secret)),
            db,
            sealer,
            from_settings: Arc::default(),
        }
    }

    /// The client to call YooKassa with, or `None` while no shop is configured anywhere.
    pub async fn client(&self) -> Option<YooKassa> {
        match self.credentials_from_settings().await {
            Ok(Some((shop, secret))) => {
                let fingerprint = service_tokens::hash(&secret);
                let mut cached = self.from_settings.lock().expect("the shop cache");
                match cached.as_ref() {
                    Some((id, print, client)) if *id == shop && *print == fingerprint => {
                        Some(client.clone())
                    }
                    _ => {
                        let client = YooKassa::new(&self.base_url, &shop, &secret);
                        *cached = Some((shop, fingerprint, client.clone()));
                        Some(client)
                    }
                }
            }
            Ok(None) => self.configured.clone(),
            Err(error) => {
                tracing::error!(%error, "the YooKassa settings cannot be read");
                self.configured.clone()
            }
        }
    }

    async fn credentials_from_settings(&self) -> Result<Option<(String, String)>, SettingError> {
        let shop = settings::get_plain(&self.db, SHOP_ID_SETTING).await?;
        let secret = settings::get_sealed(&self.db, &self.sealer, SECRET_KEY_SETTING).await?;
        Ok(shop.zip(secret))
    }
}

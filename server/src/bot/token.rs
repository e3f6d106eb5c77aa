//! The bot's token. The environment gives the one the server starts with; an owner may enter a
//! new one on the dashboard (stored sealed), and from then on it wins — within a second, on every
//! instance, without a restart. Clearing it there falls back to the environment's again.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use domain::{sealing::Sealer, settings};
use sea_orm::DatabaseConnection;

pub const SETTING: &str = "telegram.bot_token";

/// How long a token read from the settings is trusted before it is read again.
const FRESH_FOR: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct BotToken(Arc<Source>);

struct Source {
    configured: Arc<str>,
    settings: Option<(DatabaseConnection, Arc<Sealer>)>,
    read: Mutex<Option<(Instant, Arc<str>)>>,
}

impl BotToken {
    /// Always `token`: the bot as its own process, which keeps no data.
    pub fn fixed(token: &str) -> Self {
        Self(Arc::new(Source {
            configured: token.into(),
            settings: None,
            read: Mutex::default(),
        }))
    }

    /// The dashboard's token when one is set, else `configured`.
    pub fn live(configured: &str, db: DatabaseConnection, sealer: Arc<Sealer>) -> Self {
        Self(Arc::new(Source {
            configured: configured.into(),
            settings: Some((db, sealer)),
            read: Mutex::default(),
        }))
    }

    pub async fn current(&self) -> Arc<str> {
        let source = &self.0;
        let Some((db, sealer)) = &source.settings else {
            return Arc::clone(&source.configured);
        };
        if let Some((at, token)) = source.read.lock().expect("the bot token").as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return Arc::clone(token);
        }
        let token: Arc<str> = match settings::get_sealed(db, sealer, SETTING).await {
            Ok(Some(token)) => token.into(),
            Ok(None) => Arc::clone(&source.configured),
            Err(error) => {
                tracing::error!(%error, "the bot token setting cannot be opened; using the environment's");
                Arc::clone(&source.configured)
            }
        };
        *source.read.lock().expect("the bot token") = Some((Instant::now(), Arc::clone(&token)));
        token
    }
}

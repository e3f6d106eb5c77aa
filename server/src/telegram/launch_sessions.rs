//! One session per launch of the Mini App. Launch data is exchanged for a session once; the same
//! launch data again (Telegram reloading the page, the app navigating within itself, a retried
//! request) gets that same session back while it lives, never a second one. Once that session
//! has ended (logged out, the driver banned) the launch data is spent: the driver reopens the app
//! from the bot, which signs a new launch.
//!
//! Remembered in the shared store, so every instance agrees, until the launch data would expire
//! anyway; keyed by the launch's id (what Telegram signed), and holding the session's token
//! sealed, so the store never holds a usable token (sessions themselves are kept by hash).

use std::{sync::Arc, time::Duration};

use domain::{
    DriverId,
    sealing::Sealer,
    sessions::{self, IssuedSession},
    store::SharedStore,
};
use serde::{Deserialize, Serialize};

use super::init_data::LaunchData;

/// The sealing purpose of a remembered token.
const PURPOSE: &str = "launch-session";

#[derive(Clone)]
pub struct LaunchSessions {
    pub store: SharedStore,
    pub sealer: Arc<Sealer>,
}

/// What a launch was exchanged for.
#[derive(Serialize, Deserialize)]
struct Exchanged {
    driver_id: DriverId,
    /// The session's token, sealed.
    token: String,
}

/// This launch data was exchanged before, for a session that has ended.
#[derive(Debug, thiserror::Error)]
#[error("this launch data was exchanged for a session that has ended")]
pub struct Spent;

impl LaunchSessions {
    /// The session for this launch: the one it was exchanged for before, or else a new one.
    /// `fresh_for` is how long the launch data has left.
    pub async fn session(
        &self,
        launch: &LaunchData,
        fresh_for: Duration,
        driver_id: DriverId,
    ) -> Result<IssuedSession, Spent> {
        let key = format!("launch-exchanged:{}", launch.launch_id);
        if let Some(earlier) = self.store.get_json(&key).await {
            return self.earlier(earlier, driver_id).await;
        }
        let issued = sessions::issue(&self.store, driver_id, launch.user.id).await;
        let exchanged = Exchanged {
            driver_id,
            token: self.sealer.seal(PURPOSE, issued.token.as_bytes()),
        };
        let remembered =
            serde_json::to_vec(&exchanged).expect("a record of a number and a string serializes");
        if self.store.set_if_absent(&key, &remembered, fresh_for).await {
            return Ok(issued);
        }
        // The same launch data was exchanged at the same moment elsewhere: that one counts.
        sessions::end(&self.store, &issued.token).await;
        let earlier = self.store.get_json(&key).await.ok_or(Spent)?;
        self.earlier(earlier, driver_id).await
    }

    async fn earlier(
        &self,
        earlier: Exchanged,
        driver_id: DriverId,
    ) -> Result<IssuedSession, Spent> {
        let token = self
            .sealer
            .open(PURPOSE, &earlier.token)
            .ok()
            .and_then(|token| String::from_utf8(token).ok())
            .ok_or(Spent)?;
        let session = sessions::find(&self.store, &token)
            .await
            .filter(|session| session.driver_id == driver_id && earlier.driver_id == driver_id)
            .ok_or(Spent)?;
        Ok(IssuedSession { token, session })
    }
}

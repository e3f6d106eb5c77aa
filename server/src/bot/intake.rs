//! How updates reach the bot: a webhook Telegram calls (production; its route is in the web
//! layer), or long polling (local use), by one setting. At start the bot also sets its commands
//! and the chat's menu button, which opens the Mini App. Told to stop, polling abandons its wait
//! (unconfirmed updates are fetched again by whoever polls next), answers the updates already
//! fetched, and lets the lease go. An update the database could not take (it is down) is left
//! unconfirmed: polling starts again from it a little later, so Telegram gives it again.

use std::{sync::Arc, time::Duration};

use domain::store::SharedStore;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::chat::{Chatter, Handling, IN_SERVER, Update};

const POLL_TIMEOUT_SECONDS: u64 = 25;
/// Every kind of update the bot handles, asked for by the webhook and by polling alike: Telegram
/// withholds a kind not listed, and a Stars payment stalls without its `pre_checkout_query` (its
/// `successful_payment` comes inside a `message`).
const UPDATE_KINDS: [&str; 3] = ["message", "callback_query", "pre_checkout_query"];
const LEASE: &str = "hauler:lease:bot-updates";
/// How often the webhook's registration looks for a new token.
const TOKEN_CHECK: Duration = Duration::from_secs(5);

/// Commands and the menu button, best effort: a failure is logged.
pub async fn introduce(chatter: &Chatter) {
    let commands = json!({"commands": [
        {"command": "start", "description": "Открыть Hauler"},
        {"command": "status", "description": "Моя подписка"},
        {"command": "help", "description": "Что умеет бот"},
    ]});
    let menu = json!({"menu_button": {
        "type": "web_app",
        "text": "Грузы",
        "web_app": {"url": chatter.link.home()},
    }});
    for (method, params) in [("setMyCommands", commands), ("setChatMenuButton", menu)] {
        if let Err(error) = chatter.api.call(method, &params).await {
            tracing::warn!(%error, method, "the bot could not introduce itself");
        }
    }
}

/// Keeps Telegram calling `url` with every update, signed with `secret`: registers at start, and
/// again whenever the bot's token changes on the dashboard (it may be another bot), retrying a
/// registration that failed; until `stop` is cancelled.
pub async fn keep_webhook(chatter: Chatter, url: String, secret: String, stop: CancellationToken) {
    let mut registered_as: Option<Arc<str>> = None;
    loop {
        let token = chatter.api.token().current().await;
        if registered_as.as_ref() != Some(&token) && register_webhook(&chatter, &url, &secret).await
        {
            introduce(&chatter).await;
            registered_as = Some(token);
        }
        if stop
            .run_until_cancelled(tokio::time::sleep(TOKEN_CHECK))
            .await
            .is_none()
        {
            return;
        }
    }
}

async fn register_webhook(chatter: &Chatter, url: &str, secret: &str) -> bool {
    let params = json!({
        "url": url,
        "secret_token": secret,
        "allowed_updates": UPDATE_KINDS,
    });
    match chatter.api.call("setWebhook", &params).await {
        Ok(_) => {
            tracing::info!(url, "the bot's webhook is registered");
            true
        }
        Err(error) => {
            tracing::error!(%error, url, "the bot's webhook could not be registered");
            false
        }
    }
}

/// Long polling, by one instance at a time (Telegram allows one `getUpdates` per bot), until
/// `stop` is cancelled.
pub async fn poll(chatter: Chatter, store: SharedStore, stop: CancellationToken) {
    let holder = format!("{:016x}", rand::random::<u64>());
    let mut offset = 0_i64;
    let mut polling_as: Option<Arc<str>> = None;
    while !stop.is_cancelled() {
        let lease = Duration::from_secs(POLL_TIMEOUT_SECONDS + 10);
        if !store.hold_lease(LEASE, &holder, lease).await {
            stop.run_until_cancelled(tokio::time::sleep(Duration::from_secs(5)))
                .await;
            continue;
        }
        let token = chatter.api.token().current().await;
        if polling_as.as_ref() != Some(&token) {
            // The first round, or a new token from the dashboard (perhaps another bot, with a
            // webhook set and its own update numbers).
            let _ = chatter.api.call("deleteWebhook", &json!({})).await;
            introduce(&chatter).await;
            offset = 0;
            polling_as = Some(token);
        }
        let params = json!({
            "offset": offset,
            "timeout": POLL_TIMEOUT_SECONDS,
            "allowed_updates": UPDATE_KINDS,
        });
        let wait = Duration::from_secs(POLL_TIMEOUT_SECONDS);
        let fetched = chatter.api.call_waiting("getUpdates", &params, wait);
        let Some(fetched) = stop.run_until_cancelled(fetched).await else {
            break;
        };
        match fetched {
            Ok(updates) => {
                if updates.as_array().is_none_or(Vec::is_empty) {
                    // An empty answer ends a long wait; a breath before the next one keeps
                    // a Telegram that answers at once from spinning this loop.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                for update in updates.as_array().into_iter().flatten() {
                    let update = match Update::read(update) {
                        Ok(update) => update,
                        // Moved past, or Telegram would send it again on every poll.
                        Err(unreadable) => {
                            tracing::warn!(%unreadable, "an unreadable update was dropped");
                            if let Some(id) = unreadable.update_id {
                                offset = offset.max(id.saturating_add(1));
                            }
                            continue;
                        }
                    };
                    let id = update.update_id;
                    if chatter.handle(update, IN_SERVER).await == Handling::Later {
                        // Fetched again from here: it and those after it are answered later.
                        offset = offset.max(id);
                        stop.run_until_cancelled(tokio::time::sleep(Duration::from_secs(2)))
                            .await;
                        break;
                    }
                    offset = offset.max(id.saturating_add(1));
                }
            }
            Err(error) => {
                tracing::warn!(%error, "the bot could not fetch updates");
                stop.run_until_cancelled(tokio::time::sleep(Duration::from_secs(2)))
                    .await;
            }
        }
    }
    store.release_lease(LEASE, &holder).await;
}

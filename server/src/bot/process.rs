//! `hauler bot`: the bot as its own process. It talks to Telegram (long polling, sending) and to
//! the server's internal API with its service token; it keeps no data of its own. Start the
//! server with `TELEGRAM_UPDATES=off` so that only this process talks to Telegram. Told to stop,
//! it finishes the message it is sending and gives the rest of its batch back.

use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{BotApi, BotToken, Delivery, Doorbell, queue::RemoteQueue};
use crate::config::Config;

const POLL_TIMEOUT_SECONDS: u64 = 25;

#[derive(Debug, thiserror::Error)]
pub enum BotProcessError {
    #[error("HAULER_SERVER_URL and HAULER_SERVICE_TOKEN are required to run the bot on its own")]
    NotConfigured,
    #[error("cannot listen for termination signals: {0}")]
    Signals(std::io::Error),
}

pub async fn run(config: &Config) -> Result<(), BotProcessError> {
    let (Some(server), Some(token)) = (&config.machines.server_url, &config.machines.service_token)
    else {
        return Err(BotProcessError::NotConfigured);
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let telegram = config
        .telegram
        .api_base_url
        .clone()
        .unwrap_or_else(|| format!("{server}/sandbox/telegram"));
    let api = BotApi::new(&telegram, BotToken::fixed(config.telegram.bot_token()));
    let queue = RemoteQueue::new(server, token.expose());
    let stop = CancellationToken::new();
    let delivery = tokio::spawn(
        Delivery::new(queue.clone(), api.clone(), Doorbell::default()).run(stop.clone()),
    );
    tracing::info!(server, "the bot runs on its own, talking to the server");

    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(BotProcessError::Signals)?;
    tokio::select! {
        () = forward_updates(&api, &queue) => {},
        _ = tokio::signal::ctrl_c() => {},
        _ = sigterm.recv() => {},
    }
    tracing::info!("the bot stops");
    stop.cancel();
    let _ = delivery.await;
    Ok(())
}

/// Long polling; each update goes to the server before it is confirmed to Telegram, so an
/// update is never lost when the server is away (it is fetched again).
async fn forward_updates(api: &BotApi, queue: &RemoteQueue) {
    let _ = api.call("deleteWebhook", &json!({})).await;
    let mut offset = 0_i64;
    loop {
        let params = json!({"offset": offset, "timeout": POLL_TIMEOUT_SECONDS});
        let wait = Duration::from_secs(POLL_TIMEOUT_SECONDS);
        let updates = match api.call_waiting("getUpdates", &params, wait).await {
            Ok(updates) => updates.as_array().cloned().unwrap_or_default(),
            Err(error) => {
                tracing::warn!(%error, "the bot could not fetch updates");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        if updates.is_empty() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        for update in updates {
            let id = update["update_id"].as_i64().unwrap_or(offset);
            match queue.hand_over(&update).await {
                Ok(()) => offset = offset.max(id + 1),
                Err(error) => {
                    tracing::error!(%error, "the server did not take an update; retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    break;
                }
            }
        }
    }
}

//! Alerts for the people who run Hauler, in a Telegram chat: the CargoTech login failing, the
//! upstream budget saturated, payments going wrong. Each topic at most once an hour; through the
//! outbox like every other message. The chat is the one set on the dashboard, else the
//! environment's, read at every alert; without either, alerts reach only the logs.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use domain::{outbox, payments, settings};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::Doorbell;
use crate::cargotech::{Gateway, LinkState};

#[derive(Clone)]
pub struct OperatorDesk {
    pub db: DatabaseConnection,
    /// `TELEGRAM_OPERATOR_CHAT_ID`.
    pub configured: Option<i64>,
    pub doorbell: Doorbell,
}

pub const CHAT_SETTING: &str = "telegram.operator_chat_id";

impl OperatorDesk {
    async fn chat_id(&self) -> Option<i64> {
        match settings::get_plain(&self.db, CHAT_SETTING).await {
            Ok(Some(value)) => value.parse().ok().or(self.configured),
            Ok(None) => self.configured,
            Err(error) => {
                tracing::warn!(%error, "the operator chat setting cannot be read");
                self.configured
            }
        }
    }

    /// Queues an alert unless this topic was raised within the current hour.
    pub async fn raise(&self, topic: &str, text: &str) {
        let Some(chat_id) = self.chat_id().await else {
            tracing::warn!(
                alert = true,
                topic,
                "no operator chat is set to alert: {text}"
            );
            return;
        };
        let hour = Utc::now().timestamp() / 3600;
        let queued = outbox::enqueue(
            &self.db,
            outbox::Outgoing {
                chat_id,
                dedupe_key: format!("operator:{topic}:{hour}"),
                payload: json!({"chat_id": chat_id, "text": format!("⚠️ Hauler: {text}")}),
            },
        )
        .await;
        match queued {
            Ok(true) => {
                tracing::warn!(alert = true, topic, "operators alerted: {text}");
                self.doorbell.ring();
            }
            Ok(false) => {}
            Err(error) => tracing::error!(%error, topic, "an operator alert could not be queued"),
        }
    }
}

/// Looks at the CargoTech connection and the upstream budget every `every`, until `stop` is
/// cancelled.
pub async fn watch(
    desk: OperatorDesk,
    gateway: Arc<Gateway>,
    every: Duration,
    stop: CancellationToken,
) {
    let mut refused_before = None;
    let mut looked_at = Utc::now();
    while stop
        .run_until_cancelled(tokio::time::sleep(every))
        .await
        .is_some()
    {
        let now = Utc::now();
        match payments::problems_since(&desk.db, looked_at).await {
                Ok(0) => {}
                Ok(problems) => {
                    desk.raise(
                        "payments",
                        &format!(
                            "{problems} payment problem(s) just now: notifications YooKassa did not confirm, or a provider refusing payments. See the payment's history."
                        ),
                    )
                    .await
                }
                Err(error) => tracing::warn!(%error, "payment problems could not be counted"),
            }
        looked_at = now;
        for report in gateway.connection_reports() {
            let login = match report.state {
                LinkState::WrongCredentials => {
                    Some("the exchange refuses the account's phone or password")
                }
                LinkState::SmsRequired => {
                    Some("the exchange asks for an SMS code: enter it on the connection page")
                }
                LinkState::ExchangeDown if report.consecutive_failures >= 3 => {
                    Some("the exchange has not answered several logins in a row")
                }
                _ => None,
            };
            if let Some(why) = login {
                let detail = report.last_error.clone().unwrap_or_default();
                let account = &report.account;
                desk.raise(
                    &format!("cargotech-login-{account}"),
                    &format!("CargoTech login failing (account {account}): {why}. {detail}"),
                )
                .await;
            }
        }
        let budget = gateway.budget().await;
        let refused: u64 = budget.refused.iter().sum();
        if refused_before.is_some_and(|before| refused > before) {
            desk.raise(
                    "upstream-budget",
                    &format!(
                        "the upstream budget is saturated: {} of {} calls used this minute, drivers were turned away",
                        budget.used_in_window, budget.limit
                    ),
                )
                .await;
        }
        refused_before = Some(refused);
    }
}

//! What the bot says back: `/start` (with an optional deep-link payload), `/help`, `/status`, and
//! the buttons under its messages. Every reply goes through the outbox, keyed by the update, so
//! an update Telegram delivers twice is answered once.
//!
//! An update that meets a database outage (a Stars payment that cannot be recorded, a reply that
//! cannot be queued) is not taken: [`Handling::Later`] tells polling not to confirm it and the
//! webhook to answer `503`, so Telegram, which keeps updates for a day, gives it again until the
//! database is back. Handling is idempotent (the charge id, the grant's source and the reply's
//! dedupe key are unique), so an update given twice still counts once.

use domain::{
    access,
    audit::{self, AuditEntry},
    drivers::{self, TelegramProfile},
    hidden, marks, outbox,
    shippers::reports,
};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{BotApi, Doorbell, messages::MiniAppLink};
use crate::payments::{
    Billing, BillingError,
    stars::{PreCheckoutQuery, SuccessfulPayment, pre_checkout_answer},
};
use crate::shippers::question;

/// Telegram's update, as far as the bot reads it (every other field is ignored).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Update {
    pub update_id: i64,
    #[serde(default)]
    message: Option<Message>,
    #[serde(default)]
    callback_query: Option<CallbackQuery>,
    #[serde(default)]
    pre_checkout_query: Option<PreCheckoutQuery>,
}

/// An update Telegram sent that is not the shape Hauler reads; its id, when it has one, so the
/// poller moves past it instead of fetching it again.
#[derive(Debug, thiserror::Error)]
#[error("an unreadable update (id {update_id:?}): {reason}")]
pub struct UnreadableUpdate {
    pub update_id: Option<i64>,
    pub reason: String,
}

impl Update {
    /// An update is an object (serde alone would also read one from an array of its fields).
    pub fn read(value: &Value) -> Result<Self, UnreadableUpdate> {
        let unreadable = |reason: String| UnreadableUpdate {
            update_id: value.get("update_id").and_then(Value::as_i64),
            reason,
        };
        if !value.is_object() {
            return Err(unreadable("not an object".into()));
        }
        Update::deserialize(value).map_err(|error| unreadable(error.to_string()))
    }
}

/// A message's command and what follows it: `/start@hauler_bot payload` is `("/start",
/// "payload")` (the bot's name is added in groups).
fn command(text: &str) -> (&str, &str) {
    let (command, payload) = text.split_once(' ').unwrap_or((text, ""));
    let command = command.split('@').next().unwrap_or(command);
    (command, payload.trim())
}

/// The load a "Скрыть" button names (`hide:<id>`), if it is one.
fn hidden_cargo(data: &str) -> Option<u64> {
    data.strip_prefix("hide:")?
        .parse::<u64>()
        .ok()
        .filter(|id| i64::try_from(*id).is_ok_and(|id| id > 0))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct Message {
    chat: Chat,
    #[serde(default)]
    from: Option<User>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    successful_payment: Option<SuccessfulPayment>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct Chat {
    id: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct User {
    id: i64,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    language_code: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct CallbackQuery {
    id: String,
    from: User,
    #[serde(default)]
    data: Option<String>,
}

/// Whether an update was dealt with, or must be given again once the database answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Handling {
    Done,
    Later,
}

/// Who answers updates inside the server, in the audit log.
pub const IN_SERVER: &str = "system:bot";

/// Everything a reply needs; cheap to clone.
#[derive(Clone)]
pub struct Chatter {
    pub db: DatabaseConnection,
    pub api: BotApi,
    pub link: MiniAppLink,
    pub doorbell: Doorbell,
    /// Stars payments arrive as updates.
    pub billing: Billing,
}

fn english(language_code: Option<&str>) -> bool {
    language_code.is_some_and(|code| code == "en" || code.starts_with("en-"))
}

impl Chatter {
    /// `/status`: the driver's access and the days left.
    async fn status(&self, telegram_id: Option<i64>, en: bool) -> Result<String, sea_orm::DbErr> {
        let driver = match telegram_id {
            Some(id) => drivers::by_telegram_id(&self.db, id).await?,
            None => None,
        };
        let ends_at = match &driver {
            Some(driver) => access::stored_ends_at(&self.db, driver.id.into()).await?,
            None => None,
        };
        let now = chrono::Utc::now();
        Ok(match (ends_at, en) {
            (Some(ends_at), false) if ends_at > now => format!(
                "Доступ к грузам открыт до {} (мск), осталось дней: {}.",
                super::messages::moscow_date(ends_at),
                access::describe(Some(ends_at), now).days_left
            ),
            (Some(ends_at), true) if ends_at > now => format!(
                "Loads are open to you until {} (Moscow time), days left: {}.",
                super::messages::moscow_date(ends_at),
                access::describe(Some(ends_at), now).days_left
            ),
            (Some(_), false) => {
                "Подписка закончилась. Продлить её можно в приложении: кнопка под чатом.".into()
            }
            (Some(_), true) => {
                "Your subscription has ended. Renew it in the app: the button below the chat."
                    .into()
            }
            (None, false) => {
                "Подписки пока нет. Откройте приложение: там бесплатный период и тарифы.".into()
            }
            (None, true) => {
                "No subscription yet. Open the app for the free trial and the plans.".into()
            }
        })
    }

    /// Answers an update; `actor` is who handed it over (`system:bot` inside the server,
    /// `service:<name>` for a separate bot process), for the audit log.
    pub async fn handle(&self, update: Update, actor: &str) -> Handling {
        if let Some(query) = update.pre_checkout_query {
            self.on_pre_checkout(query).await;
            return Handling::Done;
        }
        let outcome = match (update.message, update.callback_query) {
            (Some(message), _) => self.on_message(update.update_id, message).await,
            (None, Some(query)) => self.on_button(query, actor).await,
            (None, None) => Ok(()),
        };
        match outcome {
            Ok(()) => Handling::Done,
            Err(error) if domain::database::is_outage(&error) => {
                tracing::warn!(%error, update_id = update.update_id, "the database is down: the update is left for Telegram to give again");
                Handling::Later
            }
            Err(error) => {
                tracing::warn!(%error, update_id = update.update_id, "a bot update could not be handled");
                Handling::Done
            }
        }
    }

    /// Telegram waits ten seconds for this answer: it is sent at once, not through the outbox.
    async fn on_pre_checkout(&self, query: PreCheckoutQuery) {
        let verdict = self.billing.check_pre_checkout(&query).await;
        if verdict.is_err() {
            tracing::warn!(
                payload = query.invoice_payload,
                "a Stars pre-checkout was refused"
            );
        }
        let answer = pre_checkout_answer(&query.id, verdict);
        if let Err(error) = self.api.call("answerPreCheckoutQuery", &answer).await {
            tracing::warn!(%error, "a Stars pre-checkout could not be answered");
        }
    }

    async fn on_message(&self, update_id: i64, message: Message) -> Result<(), sea_orm::DbErr> {
        if let (Some(paid), Some(payer)) = (&message.successful_payment, &message.from) {
            return match self.billing.receive_stars_payment(payer.id, paid).await {
                Err(BillingError::Database(error)) => Err(error),
                Err(error) => {
                    tracing::error!(%error, "a Stars payment could not be recorded");
                    Ok(())
                }
                Ok(()) => Ok(()),
            };
        }
        let Some(text) = message.text.as_deref() else {
            return Ok(());
        };
        let language = message.from.as_ref().and_then(|u| u.language_code.clone());
        let en = english(language.as_deref());
        let (command, payload) = command(text);
        let reply = match command {
            "/start" => {
                if let Some(user) = &message.from {
                    let profile = TelegramProfile {
                        telegram_id: user.id,
                        first_name: user.first_name.clone(),
                        last_name: user.last_name.clone(),
                        username: user.username.clone(),
                        language_code: user.language_code.clone(),
                        photo_url: None,
                    };
                    drivers::upsert(&self.db, &profile).await?;
                    // Writing to the bot again means the driver unblocked it.
                    drivers::set_bot_blocked(&self.db, user.id, false).await?;
                }
                welcome(message.chat.id, en, payload, &self.link)
            }
            "/help" => plain(message.chat.id, help(en)),
            "/status" => plain(
                message.chat.id,
                &self
                    .status(message.from.as_ref().map(|user| user.id), en)
                    .await?,
            ),
            _ => plain(
                message.chat.id,
                if en {
                    "I understand /start, /help and /status. Loads are in the app: the button below the chat."
                } else {
                    "Я понимаю /start, /help и /status. Грузы — в приложении: кнопка под чатом."
                },
            ),
        };
        outbox::enqueue(
            &self.db,
            outbox::Outgoing {
                chat_id: message.chat.id,
                dedupe_key: format!("update:{update_id}"),
                payload: reply,
            },
        )
        .await?;
        self.doorbell.ring();
        Ok(())
    }

    /// "Скрыть" under a load card: the load leaves the driver's list; an answer under the question
    /// about a response is kept for a moderator. Telegram shows a toast.
    async fn on_button(&self, query: CallbackQuery, actor: &str) -> Result<(), sea_orm::DbErr> {
        let en = english(query.from.language_code.as_deref());
        let mut answer = json!({"callback_query_id": query.id});
        if let Some(cargo_id) = query.data.as_deref().and_then(hidden_cargo)
            && let Some(driver) = drivers::by_telegram_id(&self.db, query.from.id).await?
        {
            hidden::hide(&self.db, driver.id.into(), cargo_id).await?;
            // The store's copy of the driver's marks, read while the database is down.
            if let Err(error) =
                marks::remember(&self.db, &self.billing.store, driver.id.into()).await
            {
                tracing::warn!(%error, "a driver's marks could not be copied to the store");
            }
            audit::record(
                &self.db,
                AuditEntry {
                    actor,
                    action: "cargo.hidden_from_bot",
                    object: Some(&format!("driver:{}", driver.id)),
                    details: Some(json!({"cargo_id": cargo_id})),
                    client_addr: None,
                },
            )
            .await;
            answer["text"] = json!(if en {
                "Hidden from your list"
            } else {
                "Груз скрыт из списка"
            });
        } else if let Some((cargo_id, outcome)) =
            query.data.as_deref().and_then(question::answer_of)
            && let Some(driver) = drivers::by_telegram_id(&self.db, query.from.id).await?
        {
            let answered = reports::answer(
                &self.db,
                driver.id.into(),
                cargo_id,
                outcome,
                chrono::Utc::now(),
            )
            .await?;
            if answered != reports::Answered::NotAsked {
                answer["text"] = json!(question::thanks(answered, en));
            }
        }
        // A toast, not a message: it must come within seconds or not at all.
        if let Err(error) = self.api.call("answerCallbackQuery", &answer).await {
            tracing::debug!(%error, "a button press could not be acknowledged");
        }
        Ok(())
    }
}

fn plain(chat_id: i64, text: &str) -> Value {
    json!({"chat_id": chat_id, "text": text})
}

/// The welcome, with the button that opens the Mini App (a deep-link payload rides along).
pub fn welcome(chat_id: i64, en: bool, payload: &str, link: &MiniAppLink) -> Value {
    let url = if payload.is_empty() {
        link.home()
    } else {
        format!("{}?start={}", link.home(), app::api::encode(payload))
    };
    let text = if en {
        "Hauler finds freight from the CargoTech exchange for you: filter by route, weight and body, respond in one tap, and the shipper's phone comes to this chat."
    } else {
        "Hauler подбирает грузы с биржи CargoTech: фильтр по маршруту, весу и кузову, отклик в одно касание — телефон грузоотправителя придёт в этот чат."
    };
    json!({
        "chat_id": chat_id,
        "text": text,
        "reply_markup": {"inline_keyboard": [[{
            "text": if en { "Find loads" } else { "Найти грузы" },
            "web_app": {"url": url},
        }]]},
    })
}

fn help(en: bool) -> &'static str {
    if en {
        "/start — open Hauler\n/status — your subscription\nIn the app: filters, a card's contacts, \"Respond\" sends them here."
    } else {
        "/start — открыть Hauler\n/status — ваша подписка\nВ приложении: фильтры, карточка груза с контактами, «Откликнуться» присылает их сюда."
    }
}

#[cfg(test)]
mod generated {
    //! Telegram's updates, generated: any JSON, and updates shaped like Telegram's with every
    //! value free to be wrong. Reading never panics; what cannot be read is an
    //! `UnreadableUpdate` that keeps the id when there is one; commands and buttons are read
    //! from any text.

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::outside_input::{any_json, object_with};

    fn shaped() -> impl Strategy<Value = Value> {
        (
            prop_oneof![any::<i64>().prop_map(Value::from), any_json()],
            proptest::option::of(object_with(&["chat", "from", "text", "successful_payment"])),
            proptest::option::of(object_with(&["id", "from", "data"])),
            proptest::option::of(object_with(&["id", "from", "invoice_payload", "currency", "total_amount"])),
        )
            .prop_map(|(id, message, button, checkout)| {
                json!({"update_id": id, "message": message, "callback_query": button, "pre_checkout_query": checkout})
            })
    }

    proptest! {
        #[test]
        fn any_update_is_read_or_refused_with_its_id(update in prop_oneof![any_json(), shaped()]) {
            match Update::read(&update) {
                Ok(read) => prop_assert_eq!(Some(read.update_id), update["update_id"].as_i64()),
                Err(unreadable) => prop_assert_eq!(unreadable.update_id, update["update_id"].as_i64()),
            }
        }

        #[test]
        fn any_text_is_a_command_and_its_payload(text in ".{0,40}") {
            let (command, payload) = command(&text);
            prop_assert!(!command.contains(' ') && !command.contains('@'));
            prop_assert!(text.starts_with(command));
            prop_assert_eq!(payload, payload.trim());
        }

        #[test]
        fn a_button_names_a_load_only_by_a_positive_bigint(data in prop_oneof!["hide:[0-9]{0,20}", ".{0,24}"]) {
            if let Some(id) = hidden_cargo(&data) {
                prop_assert_eq!(data.strip_prefix("hide:").map(str::parse::<u64>), Some(Ok(id)));
                prop_assert!(id >= 1 && id <= i64::MAX as u64);
            }
        }
    }
}

//! The Telegram bot: how Hauler talks back to drivers. Every message is queued in the database's
//! outbox and sent by [`Delivery`], through a Bot API client whose base URL is configurable;
//! updates arrive by webhook or long polling ([`intake`]) and are answered by [`Chatter`].

mod chat;
mod client;
mod delivery;
pub mod intake;
pub mod messages;
pub mod operators;
pub mod process;
pub mod queue;
mod token;

pub use chat::{Chatter, Handling, IN_SERVER, Update};
pub use client::{BotApi, BotError};
pub use delivery::{Delivery, Doorbell};
pub use token::{BotToken, SETTING as TOKEN_SETTING};

/// Where other capabilities' bot messages go: the outbox, whose worker the doorbell wakes, with
/// the link their buttons open.
#[derive(Clone)]
pub struct BotOutlet {
    pub link: messages::MiniAppLink,
    pub doorbell: Doorbell,
}

//! The Telegram bot: how Hauler talks back to drivers. Every message is queued in the database's
//! outbox and sent by [`Delivery`], through a Bot API client whose base URL is configurable;
//! updates arrive by webhook or long polling ([`intake`]) and are answered by [`Chatter`].

mod chat;
mod client;
mod delivery;
pub mod intake;
pub mod internal;
pub mod messages;
pub mod operators;
pub mod process;
pub mod queue;
mod token;

pub use chat::{Chatter, Update};
pub use client::{BotApi, BotError};
pub use delivery::{Delivery, Doorbell};
pub use token::{BotToken, SETTING as TOKEN_SETTING};

//! The Telegram bot: how Hauler talks back to drivers. Every message is queued in the database's
//! outbox and sent by [`Delivery`], through a Bot API client whose base URL is configurable.

mod client;
mod delivery;
pub mod messages;

pub use client::{BotApi, BotError};
pub use delivery::{Delivery, Doorbell};

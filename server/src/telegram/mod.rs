//! Telegram: validating the Mini App's launch data, and the links to loads the bot sends.

pub mod card_link;
pub mod init_data;

//! Telegram: validating the Mini App's launch data, the one session each launch gets, and the
//! links to loads the bot sends.

pub mod card_link;
pub mod init_data;
pub mod launch_sessions;

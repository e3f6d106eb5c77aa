//! Telegram: validating the Mini App's launch data, and the one session each launch gets.

pub mod init_data;
pub mod launch_sessions;

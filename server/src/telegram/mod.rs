//! Telegram: validating the Mini App's launch data.

pub mod init_data;

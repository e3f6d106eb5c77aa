//! Operators' alerts: the Telegram chat they go to and how often the watch looks for trouble.

use std::time::Duration;

use super::reader::Reader;

#[derive(Debug)]
pub struct OperatorsConfig {
    /// The Telegram chat where operators get alerts; `None`: alerts go to the logs only.
    pub chat_id: Option<i64>,
    /// How often the operators' watch looks at the exchange connection and the budget.
    pub check_every: Duration,
}

impl OperatorsConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        Self {
            chat_id: reader.parsed("TELEGRAM_OPERATOR_CHAT_ID", "a Telegram chat id"),
            check_every: reader.seconds("OPERATOR_ALERTS_CHECK_SECONDS", 30),
        }
    }
}

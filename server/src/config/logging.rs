//! Logs: their format (human-readable or JSON) and the `tracing` filter.

use super::{Mode, reader::Reader};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug)]
pub struct LoggingConfig {
    /// JSON by default in production, where logs are collected; pretty otherwise.
    pub format: LogFormat,
    pub filter: String,
}

impl LoggingConfig {
    pub(super) fn read(reader: &mut Reader, mode: Mode) -> Self {
        let format = match reader.text("LOG_FORMAT").as_deref() {
            None if mode == Mode::Production => LogFormat::Json,
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                reader.problem(
                    "LOG_FORMAT",
                    format!("must be `pretty` or `json`, not `{other}`"),
                );
                LogFormat::Pretty
            }
        };
        Self {
            format,
            filter: reader
                .text("RUST_LOG")
                .unwrap_or_else(|| "info,sqlx=warn".into()),
        }
    }
}

//! The built-in exchange of sandbox mode: how fast it answers and how fast time passes on it.

use std::time::Duration;

use super::reader::Reader;

#[derive(Debug)]
pub struct SandboxConfig {
    /// The built-in exchange's answer time, like the real one's.
    pub latency: Duration,
    /// How often loads appear on and leave the built-in exchange; `None`: it stands still.
    pub clock: Option<Duration>,
}

impl SandboxConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        Self {
            latency: Duration::from_millis(
                reader
                    .parsed("SANDBOX_LATENCY_MS", "a whole number of milliseconds")
                    .unwrap_or(700),
            ),
            clock: match reader.parsed::<u64>("SANDBOX_CLOCK_SECONDS", "a whole number of seconds")
            {
                Some(0) => None,
                Some(seconds) => Some(Duration::from_secs(seconds)),
                None => Some(Duration::from_secs(60)),
            },
        }
    }
}

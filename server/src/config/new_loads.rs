//! New loads: how often the detector looks at watched filters, and how many alerts a driver
//! may get.

use std::time::Duration;

use super::reader::Reader;

#[derive(Debug)]
pub struct NewLoadsConfig {
    /// How often the detector of new loads takes a fresh look at watched filters.
    pub check_every: Duration,
    /// New-load alerts a driver gets at most in an hour.
    pub alerts_per_hour: u32,
}

impl NewLoadsConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        Self {
            check_every: reader.seconds("NEW_LOADS_CHECK_SECONDS", 30),
            alerts_per_hour: reader.positive("ALERTS_PER_HOUR", 10),
        }
    }
}

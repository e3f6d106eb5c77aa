//! Limits on the public doors: how often one driver, and one client address, may sign in, begin
//! the trial, try promo codes, open payments, respond to loads and save filters, and how many live
//! feeds a driver may hold open. The defaults are far above what a person does with a thumb; they
//! stop scripts. So does each driver's pace (`LIMIT_PACE`, `<per second>,<at once>`): how many
//! requests of any kind a driver may keep making on one instance, and make at once after a pause.
//!
//! Each `LIMIT_<DOOR>` is `<per driver>,<per address>` in the door's window (sign-in knows no
//! driver yet: one number, per address). Addresses get more than drivers because many phones share
//! one address behind a mobile operator's NAT.

use std::time::Duration;

use super::reader::Reader;

const MINUTE: Duration = Duration::from_secs(60);

/// How many knocks a door takes in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// `None` where the door does not know the driver (sign-in).
    pub per_driver: Option<u32>,
    pub per_address: u32,
    pub window: Duration,
}

/// A driver's pace: requests a second, kept up, and at once after a pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceRules {
    pub per_second: u32,
    pub burst: u32,
}

#[derive(Debug, Clone)]
pub struct DoorsConfig {
    pub sign_in: Allowance,
    pub trial: Allowance,
    /// Checking and redeeming promo codes together.
    pub promo: Allowance,
    /// Promo codes that do not exist: past this, every promo code is refused until the window ends.
    pub wrong_promo: Allowance,
    /// Opening a payment (YooKassa or Stars).
    pub payment: Allowance,
    pub respond: Allowance,
    /// Saving a filter or changing the remembered one.
    pub filters: Allowance,
    /// Making one-time links that open the cabinet in another browser.
    pub cabinet_link: Allowance,
    /// Live feeds (`/api/v1/live`) one driver may hold open on one instance.
    pub live_per_driver: u32,
    /// Every request of a driver's, on one instance.
    pub pace: PaceRules,
}

impl DoorsConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        let sign_in = reader.positive("LIMIT_SIGN_IN", 120);
        Self {
            sign_in: Allowance {
                per_driver: None,
                per_address: sign_in,
                window: MINUTE,
            },
            trial: allowance(reader, "LIMIT_TRIAL", (10, 120), MINUTE),
            promo: allowance(reader, "LIMIT_PROMO", (30, 300), 10 * MINUTE),
            wrong_promo: allowance(reader, "LIMIT_PROMO_WRONG", (10, 60), 60 * MINUTE),
            payment: allowance(reader, "LIMIT_PAYMENT", (10, 120), MINUTE),
            respond: allowance(reader, "LIMIT_RESPOND", (30, 300), MINUTE),
            filters: allowance(reader, "LIMIT_FILTERS", (60, 600), MINUTE),
            cabinet_link: allowance(reader, "LIMIT_CABINET_LINKS", (10, 120), MINUTE),
            live_per_driver: reader.positive("LIVE_CONNECTIONS_PER_DRIVER", 5),
            pace: {
                let (per_second, burst) = reader.pair("LIMIT_PACE", (20, 100));
                PaceRules { per_second, burst }
            },
        }
    }
}

fn allowance(reader: &mut Reader, name: &str, default: (u32, u32), window: Duration) -> Allowance {
    let (per_driver, per_address) = reader.pair(name, default);
    Allowance {
        per_driver: Some(per_driver),
        per_address,
        window,
    }
}

//! Retention: how long rows kept only for a while stay before the retention job deletes them,
//! and how often it looks. Raw payment notifications are accounting evidence: Russian law keeps
//! primary accounting documents five years (402-FZ "On Accounting", art. 29), so they stay at
//! least that long, and a shorter age is refused at start. The audit log records refunds and the
//! staff's other acts on money and drivers: it is kept for good unless an age (no shorter than
//! the same five years) is set. Loads noted for shippers' pages go once the exchange has not shown
//! them for two years by default: a page then speaks of at most that long. Cabinet passes go half
//! a year after they ended, with the records of their sessions (pages, bytes, client addresses).

use std::time::Duration;

use super::reader::Reader;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Five years, leap days included.
const ACCOUNTING_YEARS_IN_DAYS: u32 = 5 * 365 + 2;

#[derive(Debug)]
pub struct RetentionConfig {
    /// Bot messages Telegram took are deleted this long after they were sent.
    pub sent_messages: Duration,
    /// Raw payment notifications: at least five years.
    pub payment_notifications: Duration,
    /// The audit log: kept for good when `None`.
    pub audit_entries: Option<Duration>,
    /// Loads noted for shippers' pages are deleted this long after the exchange last showed them.
    pub shipper_loads: Duration,
    /// Cabinet passes (and their sessions' records) are deleted this long after they ended.
    pub ended_passes: Duration,
    /// How often the retention job looks.
    pub check_every: Duration,
}

impl RetentionConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        Self {
            sent_messages: days(reader.positive("RETENTION_SENT_MESSAGES_DAYS", 30)),
            payment_notifications: days(
                evidence_days(reader, "RETENTION_PAYMENT_NOTIFICATIONS_DAYS")
                    .unwrap_or(ACCOUNTING_YEARS_IN_DAYS),
            ),
            audit_entries: evidence_days(reader, "RETENTION_AUDIT_DAYS").map(days),
            shipper_loads: days(reader.positive("RETENTION_SHIPPER_LOADS_DAYS", 730)),
            ended_passes: days(reader.positive("RETENTION_PASSES_DAYS", 180)),
            check_every: reader.seconds("RETENTION_CHECK_SECONDS", 3600),
        }
    }
}

fn days(count: u32) -> Duration {
    DAY * count
}

/// An age for accounting evidence: no shorter than five years.
fn evidence_days(reader: &mut Reader, name: &str) -> Option<u32> {
    let count = reader.parsed::<u32>(name, "a whole number of days")?;
    if count < ACCOUNTING_YEARS_IN_DAYS {
        reader.problem(
            name,
            format!(
                "must be at least {ACCOUNTING_YEARS_IN_DAYS} days: accounting evidence is kept \
                 five years (402-FZ, art. 29)"
            ),
        );
        return None;
    }
    Some(count)
}

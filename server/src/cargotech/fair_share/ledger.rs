//! The fair share counted in this process: each driver's charges of the last minute, who was
//! active lately, and the last hour's use in five-minute steps.

use std::{
    collections::{HashMap, VecDeque},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use domain::DriverId;

use super::{MINUTE, OverShare, STEP, STEPS_IN_AN_HOUR, UpstreamKind, UpstreamUse};

#[derive(Default)]
pub(super) struct Ledger {
    /// Each driver's charges within the last minute, oldest first.
    charges: HashMap<DriverId, VecDeque<Instant>>,
    /// When each driver was last charged.
    last_charged: HashMap<DriverId, Instant>,
    /// The last hour, oldest step first.
    steps: VecDeque<Step>,
}

/// Five minutes of use.
struct Step {
    number: u64,
    by_kind: [u64; 5],
    drivers: HashMap<DriverId, u64>,
}

impl Ledger {
    /// Charges the driver if their share has room, else says when it will.
    pub(super) fn admit(
        &mut self,
        driver: DriverId,
        kind: UpstreamKind,
        share: u32,
        active_for: Duration,
    ) -> Result<(), OverShare> {
        let now = Instant::now();
        self.forget_idle(now, active_for);
        let charges = self.charges.entry(driver).or_default();
        while charges
            .front()
            .is_some_and(|&at| now.duration_since(at) >= MINUTE)
        {
            charges.pop_front();
        }
        let share = share as usize;
        if charges.len() >= share {
            // The charge whose leaving brings the driver back under their share (none: a cap of 0).
            let retry_after = match share {
                0 => MINUTE,
                share => (charges[charges.len() - share] + MINUTE).saturating_duration_since(now),
            };
            return Err(OverShare {
                retry_after: retry_after.max(Duration::from_secs(1)),
            });
        }
        self.charge(driver, kind, active_for);
        Ok(())
    }

    /// Notes a charge already admitted (by Redis, mirrored here).
    pub(super) fn charge(&mut self, driver: DriverId, kind: UpstreamKind, active_for: Duration) {
        let now = Instant::now();
        self.forget_idle(now, active_for);
        self.charges.entry(driver).or_default().push_back(now);
        self.last_charged.insert(driver, now);
        let step = self.step();
        step.by_kind[kind.index()] += 1;
        *step.drivers.entry(driver).or_default() += 1;
    }

    /// Counts a call charged to nobody.
    pub(super) fn record(&mut self, kind: UpstreamKind) {
        self.step().by_kind[kind.index()] += 1;
    }

    /// Drivers charged within `active_for`, the last time it was looked at; at least 1.
    pub(super) fn active(&self) -> u32 {
        u32::try_from(self.last_charged.len())
            .unwrap_or(u32::MAX)
            .max(1)
    }

    pub(super) fn last_hour(&mut self) -> UpstreamUse {
        let now = step_number();
        self.steps
            .retain(|step| step.number + STEPS_IN_AN_HOUR > now);
        let mut used = UpstreamUse::default();
        let mut drivers: HashMap<DriverId, u64> = HashMap::new();
        for step in &self.steps {
            for (total, calls) in used.by_kind.iter_mut().zip(step.by_kind) {
                *total += calls;
            }
            for (&driver, &calls) in &step.drivers {
                *drivers.entry(driver).or_default() += calls;
            }
        }
        used.drivers = super::costliest_first(drivers);
        used
    }

    /// Drivers not charged within `active_for` are no longer active, and their charges (all
    /// older than a minute) are dropped.
    fn forget_idle(&mut self, now: Instant, active_for: Duration) {
        let idle: Vec<DriverId> = self
            .last_charged
            .iter()
            .filter(|(_, at)| now.duration_since(**at) >= active_for.max(MINUTE))
            .map(|(&driver, _)| driver)
            .collect();
        for driver in idle {
            self.last_charged.remove(&driver);
            self.charges.remove(&driver);
        }
    }

    /// The current five minutes' counts, begun when the step changes; steps older than an hour
    /// are dropped.
    fn step(&mut self) -> &mut Step {
        let number = step_number();
        if self.steps.back().is_none_or(|step| step.number != number) {
            self.steps.push_back(Step {
                number,
                by_kind: [0; 5],
                drivers: HashMap::new(),
            });
            while self
                .steps
                .front()
                .is_some_and(|step| step.number + STEPS_IN_AN_HOUR <= number)
            {
                self.steps.pop_front();
            }
        }
        let current = self.steps.len() - 1;
        &mut self.steps[current]
    }
}

/// Which five minutes of the Unix era it is.
fn step_number() -> u64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_secs() / STEP.as_secs()
}

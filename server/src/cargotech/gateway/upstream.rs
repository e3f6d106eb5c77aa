//! One call to the exchange, as every path makes it: charged to the driver who causes it (refused
//! when their fair share is spent), through the circuit breaker, a budget slot of an account that
//! can call, and retries with back-off on transient failures, honouring the exchange's
//! Retry-After. Background work never queues for a slot: it takes a free one or gives way to
//! drivers. A card in line is charged when it is put in line and called later (`call_within`).

use std::{sync::Arc, time::Duration};

use domain::DriverId;

use super::Gateway;
use crate::cargotech::{
    budget::{BudgetError, Priority},
    cache::FetchError,
    client::UpstreamError,
    fair_share::{Payer, UpstreamKind},
};

/// Backoff between attempts of an idempotent call (with up to 20 % jitter), at most 4 attempts.
const BACKOFF: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_millis(1500),
    Duration::from_millis(3000),
];

impl Gateway {
    /// One idempotent upstream call of this kind, charged to `payer` (once, however many
    /// attempts it takes), through the breaker and the budget, retried on transient failures
    /// with back-off, honouring the exchange's Retry-After.
    pub(super) async fn upstream<T, F, Fut>(
        &self,
        payer: Payer,
        kind: UpstreamKind,
        priority: Priority,
        call: F,
    ) -> Result<T, FetchError>
    where
        F: Fn(Arc<str>) -> Fut + Clone,
        Fut: Future<Output = Result<T, UpstreamError>>,
    {
        if let Payer::Driver(driver) = payer {
            self.charge(driver, kind).await?;
        }
        let wait = if priority == Priority::Background {
            Duration::ZERO
        } else {
            self.wait_for_slot
        };
        self.call_within(kind, payer == Payer::Background, priority, wait, call)
            .await
    }

    /// Charges a call of this kind to the driver who causes it, or refuses it when their share
    /// is spent.
    pub(super) async fn charge(
        &self,
        driver: DriverId,
        kind: UpstreamKind,
    ) -> Result<(), FetchError> {
        self.shares
            .admit(driver, kind)
            .await
            .map_err(FetchError::OverShare)
    }

    /// One upstream call of this kind already charged (or charged to nobody: `background`, then
    /// counted as background work), waiting at most `wait` for a budget slot; background work
    /// is tried once, a driver's call retried on transient failures.
    pub(super) async fn call_within<T, F, Fut>(
        &self,
        kind: UpstreamKind,
        background: bool,
        priority: Priority,
        wait: Duration,
        call: F,
    ) -> Result<T, FetchError>
    where
        F: Fn(Arc<str>) -> Fut + Clone,
        Fut: Future<Output = Result<T, UpstreamError>>,
    {
        let attempts = if priority == Priority::Background {
            1
        } else {
            BACKOFF.len() + 1
        };
        let mut last_error = UpstreamError::Unavailable("not tried".into());
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(jitter(BACKOFF[attempt - 1])).await;
            }
            // The pass goes with this attempt: dropped unsettled (no slot, a cancelled request),
            // it frees the breaker's probe for the next call.
            let Some(pass) = self.breaker.allow() else {
                return Err(UpstreamError::Unavailable(
                    "the exchange is failing; retrying shortly".into(),
                )
                .into());
            };
            let Ok(outcome) = self.through_an_account(kind, priority, wait, &call).await else {
                // No slot in time: the driver's answer is "busy", at once.
                return Err(UpstreamError::Throttled {
                    retry_after: Duration::from_secs(1),
                    remaining: Some(0),
                }
                .into());
            };
            if background && attempt == 0 {
                self.shares.record(UpstreamKind::Background).await;
            }
            pass.settle(&outcome);
            match outcome {
                Ok(value) => return Ok(value),
                Err(error) if error.is_transient() => last_error = error,
                Err(error) => return Err(error.into()),
            }
        }
        Err(last_error.into())
    }

    /// The call through an account with a slot for it (`Err` when no account has one in time).
    /// An account the exchange asks to slow down pauses; an account that cannot log in hands the
    /// call on to the next usable one.
    async fn through_an_account<T, F, Fut>(
        &self,
        kind: UpstreamKind,
        priority: Priority,
        wait: Duration,
        call: &F,
    ) -> Result<Result<T, UpstreamError>, BudgetError>
    where
        F: Fn(Arc<str>) -> Fut + Clone,
        Fut: Future<Output = Result<T, UpstreamError>>,
    {
        let mut accounts_left = self.accounts.all().len();
        loop {
            let account = self.accounts.slot(priority, wait).await?;
            match account.connection.call(kind, call.clone()).await {
                Err(UpstreamError::Throttled {
                    retry_after,
                    remaining,
                }) => {
                    account.budget.pause_for(retry_after).await;
                    if let Some(remaining) = remaining {
                        account.budget.observe_remaining(remaining);
                    }
                    return Ok(Err(UpstreamError::Throttled {
                        retry_after,
                        remaining,
                    }));
                }
                Err(error) if error.is_account_problem() && accounts_left > 1 => {
                    accounts_left -= 1;
                    tracing::info!(%error, account = account.connection.account(), "the account cannot call: trying the next one");
                }
                outcome => return Ok(outcome),
            }
        }
    }
}

fn jitter(base: Duration) -> Duration {
    let spread = base.as_millis() as u64 / 5;
    base + Duration::from_millis(rand::random::<u64>() % spread.max(1))
}

//! The CargoTech accounts the gateway calls through. Each has its own token (its `Connection`)
//! and its own budget; calls are spread across the usable ones, so an operator raises capacity
//! by adding an account.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use super::{
    budget::{BudgetError, BudgetSnapshot, Priority, UpstreamBudget},
    connection::{Connection, ConnectionReport, LinkState},
};

pub struct Account {
    pub connection: Arc<Connection>,
    pub budget: UpstreamBudget,
}

pub struct Accounts {
    /// The primary account first; never empty.
    all: Vec<Account>,
    /// Where the next call starts looking, so calls take turns.
    turn: AtomicUsize,
}

impl Accounts {
    /// # Panics
    /// With no account: the gateway always has the primary one.
    pub fn new(all: Vec<Account>) -> Self {
        assert!(!all.is_empty(), "the gateway needs at least one account");
        Self {
            all,
            turn: AtomicUsize::new(0),
        }
    }

    pub fn primary(&self) -> &Account {
        &self.all[0]
    }

    pub fn all(&self) -> &[Account] {
        &self.all
    }

    pub fn named(&self, name: &str) -> Option<&Account> {
        self.all.iter().find(|a| a.connection.account() == name)
    }

    pub fn reports(&self) -> Vec<ConnectionReport> {
        self.all.iter().map(|a| a.connection.report()).collect()
    }

    /// An account with a slot for this call. The usable accounts are tried in turn for a free
    /// slot; when none has one, the call queues on the next account in turn for up to `wait`.
    /// When no account is usable, the primary one is used, and its error is the caller's answer.
    pub async fn slot(&self, priority: Priority, wait: Duration) -> Result<&Account, BudgetError> {
        let start = self.turn.fetch_add(1, Ordering::Relaxed);
        let mut usable: Vec<&Account> = (0..self.all.len())
            .map(|n| &self.all[(start + n) % self.all.len()])
            .filter(|account| account.connection.is_usable())
            .collect();
        if usable.is_empty() {
            usable.push(self.primary());
        }
        if usable.len() > 1 {
            for account in &usable {
                if account.budget.try_acquire(priority).await {
                    return Ok(account);
                }
            }
        }
        let account = usable[0];
        account
            .budget
            .acquire(priority, wait)
            .await
            .map(|()| account)
    }

    /// Whether any usable account (the primary one when none is) looks to have a slot at this
    /// priority now.
    pub fn room_for(&self, priority: Priority) -> bool {
        let mut usable = self
            .all
            .iter()
            .filter(|account| account.connection.is_usable())
            .peekable();
        if usable.peek().is_none() {
            return self.primary().budget.room_for(priority);
        }
        usable.any(|account| account.budget.room_for(priority))
    }

    /// How many callers wait for a slot at this priority, on every account together.
    pub fn waiting_at(&self, priority: Priority) -> usize {
        self.all
            .iter()
            .map(|account| account.budget.waiting_at(priority))
            .sum()
    }

    /// How long until an account takes calls again after the exchange asked them to slow down
    /// (zero when one takes them now).
    pub fn paused_for(&self) -> Duration {
        self.all
            .iter()
            .map(|account| account.budget.paused_for())
            .min()
            .unwrap_or_default()
    }

    /// All accounts' budgets as one: limits, use and queues add up.
    pub async fn budget(&self) -> BudgetSnapshot {
        let mut total = self.primary().budget.snapshot().await;
        for account in &self.all[1..] {
            let one = account.budget.snapshot().await;
            total.limit += one.limit;
            total.used_in_window += one.used_in_window;
            total.queue_depth += one.queue_depth;
            total.paused_for_ms = total.paused_for_ms.max(one.paused_for_ms);
            for n in 0..total.granted.len() {
                total.granted[n] += one.granted[n];
                total.refused[n] += one.refused[n];
            }
        }
        total
    }
}

/// The service's link to the exchange from its accounts' reports: connected while any account
/// is, connecting while any is on its way, else the primary account's state.
pub fn service_state(reports: &[ConnectionReport]) -> LinkState {
    let any = |wanted: &[LinkState]| {
        reports
            .iter()
            .map(|report| report.state)
            .find(|state| wanted.contains(state))
    };
    any(&[LinkState::Connected])
        .or_else(|| any(&[LinkState::NotConnected, LinkState::LoggingIn]))
        .or_else(|| reports.first().map(|report| report.state))
        .unwrap_or(LinkState::NotConnected)
}

//! The server's session with CargoTech: one company account, one token.
//!
//! The token is sealed in the database, its durable home (a restart, or another instance, reuses
//! it), and cached sealed in the store. A login happens once for all callers, whether the first
//! one or after a 401: in this process a mutex makes the others wait, and across instances a
//! lease on the login (in the database on PostgreSQL, so it holds while Redis is down) lets one
//! log in while the rest wait for the token it stores. Failed logins back off; wrong credentials
//! wait for an operator; an SMS code request waits for an admin to enter the code.
//!
//! `login` is the login flow, `token` where the token is kept; here is what every call goes
//! through: the token to use, its renewal after a 401, and the health check.

use std::{
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

pub use admin::wire::connection::LinkState;
use chrono::{DateTime, Utc};
use domain::{
    audit::{self, AuditEntry},
    sealing::Sealer,
    store::{LeaseAnswer, SharedStore},
};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use self::token::{Token, expiring};
use super::{
    budget::{Priority, UpstreamBudget},
    client::{Client, LoginAnswer, UpstreamError},
    fair_share::{FairShare, UpstreamKind},
};
use crate::config::Secret;

mod calls;
mod login;
mod token;

pub use calls::CallCounts;

pub use login::SmsCodeError;

/// How long an instance's login may take before another may try (a lease, let go when done).
const LOGIN_LEASE_TTL: Duration = Duration::from_secs(30);
const WAIT_FOR_OTHER_INSTANCE: Duration = Duration::from_secs(20);
/// Logins and health checks spend the same account budget as everything else.
const SLOT_WAIT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Credentials {
    pub phone: Secret,
    pub password: Secret,
}

/// What an account's own calls (logins, health checks) spend: slots of the account's budget,
/// counted in the fair share's ledger as upkeep charged to nobody.
pub struct Upkeep {
    pub budget: UpstreamBudget,
    pub shares: Arc<FairShare>,
}

pub const PHONE_SETTING: &str = "cargotech.phone";
pub const PASSWORD_SETTING: &str = "cargotech.password";

/// What the admin API shows about the connection.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionReport {
    pub account: String,
    pub state: LinkState,
    pub valid_since: Option<DateTime<Utc>>,
    pub last_check: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub logins: u64,
    pub relogins: u64,
    /// A token sealed by another instance that does not open here (different `ENCRYPTION_KEY`s).
    pub key_mismatch: Option<String>,
}

pub struct Connection {
    account: String,
    client: Client,
    upkeep: Upkeep,
    /// The environment's account (or the sandbox's), for when the dashboard has none: the
    /// dashboard's phone and password, read at every login, win so a change needs no restart.
    configured: Option<Credentials>,
    db: DatabaseConnection,
    sealer: Arc<Sealer>,
    store: SharedStore,
    token: RwLock<Option<Token>>,
    login: tokio::sync::Mutex<()>,
    report: Mutex<ConnectionReport>,
    retry_at: Mutex<Option<(Instant, String)>>,
    calls: CallCounts,
}

impl Connection {
    pub fn new(
        account: &str,
        client: Client,
        upkeep: Upkeep,
        configured: Option<Credentials>,
        db: DatabaseConnection,
        sealer: Arc<Sealer>,
        store: SharedStore,
    ) -> Self {
        Self {
            account: account.to_owned(),
            client,
            upkeep,
            configured,
            db,
            sealer,
            store,
            token: RwLock::new(None),
            login: tokio::sync::Mutex::new(()),
            report: Mutex::new(ConnectionReport {
                account: account.to_owned(),
                state: LinkState::NotConnected,
                valid_since: None,
                last_check: None,
                last_error: None,
                consecutive_failures: 0,
                logins: 0,
                relogins: 0,
                key_mismatch: None,
            }),
            retry_at: Mutex::new(None),
            calls: CallCounts::default(),
        }
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// Whether calls may go through this account now: not while it waits for an operator (wrong
    /// credentials, an SMS code) or after the exchange refused its login.
    pub fn is_usable(&self) -> bool {
        matches!(
            lock(&self.report).state,
            LinkState::NotConnected | LinkState::LoggingIn | LinkState::Connected
        )
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn report(&self) -> ConnectionReport {
        lock(&self.report).clone()
    }

    /// The calls this account made, by kind and outcome.
    pub fn calls(&self) -> &CallCounts {
        &self.calls
    }

    /// Runs an upstream call of this kind with the token; on a 401, renews the token once and
    /// retries once.
    pub async fn call<T, F, Fut>(&self, kind: UpstreamKind, call: F) -> Result<T, UpstreamError>
    where
        F: Fn(Arc<str>) -> Fut,
        Fut: Future<Output = Result<T, UpstreamError>>,
    {
        let token = self.token().await?;
        let outcome = call(token.value.clone()).await;
        self.calls.count(kind, &outcome);
        match outcome {
            Err(UpstreamError::Unauthorized) => {
                let renewed = self.renew(&token.value).await?;
                let outcome = call(renewed.value).await;
                self.calls.count(kind, &outcome);
                outcome
            }
            outcome => outcome,
        }
    }

    /// The account's token as it stands (logging in first if there is none): for the cabinet
    /// proxy, which sends it with every request it forwards and never shows it to the browser.
    pub async fn bearer(&self) -> Result<Arc<str>, UpstreamError> {
        Ok(self.token().await?.value)
    }

    /// Checks the token with `/v1/me` (the periodic health check).
    pub async fn check_health(&self) -> Result<(), UpstreamError> {
        let client = self.client.clone();
        self.take_slot(Priority::List).await?;
        let outcome = self
            .call(UpstreamKind::Login, |token| {
                let client = client.clone();
                async move { client.me(&token).await }
            })
            .await;
        let mut report = lock(&self.report);
        report.last_check = Some(Utc::now());
        match &outcome {
            Ok(()) => {
                report.last_error = None;
                if report.state == LinkState::ExchangeDown {
                    report.state = LinkState::Connected;
                }
            }
            Err(error) => {
                metrics::counter!("cargotech_health_check_failures_total").increment(1);
                report.last_error = Some(error.to_string());
            }
        }
        outcome
    }

    /// The token to use: this process's, the shared one, the stored one, or a new login.
    async fn token(&self) -> Result<Token, UpstreamError> {
        if let Some(token) = read(&self.token).clone().filter(|t| !expiring(t)) {
            return Ok(token);
        }
        let _login = self.login.lock().await;
        if let Some(token) = read(&self.token).clone().filter(|t| !expiring(t)) {
            return Ok(token);
        }
        if let Some(token) = self.shared_token(None).await {
            self.use_token(token.clone());
            return Ok(token);
        }
        let refresh = read(&self.token).clone().and_then(|t| t.refresh);
        let refreshed = match refresh {
            Some(refresh) => {
                let refreshed = self.client.refresh(&refresh).await;
                self.calls.count(UpstreamKind::Login, &refreshed);
                Some(refreshed)
            }
            None => None,
        };
        if let Some(Ok(LoginAnswer::Token(issued))) = refreshed {
            return Ok(self
                .adopt(issued, "cargotech.token_refreshed", "system")
                .await);
        }
        self.log_in_once(None).await
    }

    /// After a 401 with `dead`: one new login for everyone, unless someone already made one.
    async fn renew(&self, dead: &str) -> Result<Token, UpstreamError> {
        let _login = self.login.lock().await;
        if let Some(token) = read(&self.token).clone().filter(|t| &*t.value != dead) {
            return Ok(token);
        }
        if let Some(token) = self.shared_token(Some(dead)).await {
            self.use_token(token.clone());
            return Ok(token);
        }
        *write(&self.token) = None;
        lock(&self.report).relogins += 1;
        metrics::counter!("cargotech_relogins_total").increment(1);
        self.log_in_once(Some(dead)).await
    }

    /// Logs in unless another instance is doing so, in which case it waits for the token that
    /// one stores. A login lease nobody can grant (its store is down) does not stop drivers:
    /// this instance logs in alone then. The caller holds the login mutex.
    async fn log_in_once(&self, dead: Option<&str>) -> Result<Token, UpstreamError> {
        let lease = self.key("login");
        let holder = format!("{:016x}", rand::random::<u64>());
        match self.store.ask_lease(&lease, &holder, LOGIN_LEASE_TTL).await {
            LeaseAnswer::Held => {
                // Another instance may have stored a token just before it let the lease go.
                let outcome = match self.shared_token(dead).await {
                    Some(token) => {
                        self.use_token(token.clone());
                        Ok(token)
                    }
                    None => self.log_in("system").await,
                };
                self.store.release_lease(&lease, &holder).await;
                outcome
            }
            LeaseAnswer::Unknown => self.log_in("system").await,
            LeaseAnswer::HeldByAnother => {
                let deadline = Instant::now() + WAIT_FOR_OTHER_INSTANCE;
                while Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if let Some(token) = self.shared_token(dead).await {
                        self.use_token(token.clone());
                        return Ok(token);
                    }
                }
                Err(UpstreamError::Unavailable(
                    "another instance's login did not finish".into(),
                ))
            }
        }
    }

    /// A budget slot for one of the account's own calls, counted as upkeep.
    async fn take_slot(&self, priority: Priority) -> Result<(), UpstreamError> {
        self.upkeep
            .budget
            .acquire(priority, SLOT_WAIT)
            .await
            .map_err(|_| UpstreamError::Throttled {
                retry_after: Duration::from_secs(1),
                remaining: Some(0),
            })?;
        self.upkeep.shares.record(UpstreamKind::Login).await;
        Ok(())
    }

    fn key(&self, name: &str) -> String {
        format!("cargotech.{}.{name}", self.account)
    }

    async fn audit(&self, actor: &str, action: &str, details: serde_json::Value) {
        audit::record(
            &self.db,
            AuditEntry {
                actor,
                action,
                object: Some(&audit_object(&self.account)),
                details: Some(details),
                client_addr: None,
            },
        )
        .await;
    }
}

/// What the audit log names an account's events by, `cargotech:<account>`, so each account's
/// history reads apart from the others'.
pub fn audit_object(account: &str) -> String {
    format!("cargotech:{account}")
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

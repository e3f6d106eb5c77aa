//! The server's session with CargoTech: one company account, one token.
//!
//! The token is sealed in the database (so a restart reuses it) and shared through the store (so
//! every instance uses the same one). A 401 leads to exactly one new login for all callers: in
//! this process a mutex makes the others wait, and across instances a store lock lets one log in
//! while the rest wait for the token it writes. Failed logins back off; wrong credentials wait
//! for an operator; an SMS code request waits for an admin to enter the code.

use std::{
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

pub use admin::wire::connection::LinkState;
use app::platform::{
    audit::{self, AuditEntry},
    sealing::Sealer,
    settings,
    store::SharedStore,
};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::json;

use super::{
    budget::{Priority, UpstreamBudget},
    client::{Client, IssuedToken, LoginAnswer, SmsProblem, UpstreamError},
};
use crate::config::{PRIMARY_ACCOUNT, Secret};

/// How long a cached token may live in the shared store before it is re-read from the database.
const SHARED_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
const LOGIN_LOCK_TTL: Duration = Duration::from_secs(30);
const WAIT_FOR_OTHER_INSTANCE: Duration = Duration::from_secs(20);
const WRONG_CREDENTIALS_PAUSE: Duration = Duration::from_secs(300);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Consecutive login failures after which the logs and metrics raise an alert.
const ALERT_AFTER_FAILURES: u32 = 3;
/// Logins and health checks spend the same account budget as everything else.
const SLOT_WAIT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Credentials {
    pub phone: Secret,
    pub password: Secret,
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
}

#[derive(Clone, PartialEq, Eq)]
struct Token {
    value: Arc<str>,
    refresh: Option<Arc<str>>,
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, serde::Deserialize)]
struct StoredToken {
    token: String,
    refresh_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
}

pub struct Connection {
    account: String,
    client: Client,
    budget: UpstreamBudget,
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
}

impl Connection {
    pub fn new(
        account: &str,
        client: Client,
        budget: UpstreamBudget,
        configured: Option<Credentials>,
        db: DatabaseConnection,
        sealer: Arc<Sealer>,
        store: SharedStore,
    ) -> Self {
        Self {
            account: account.to_owned(),
            client,
            budget,
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
            }),
            retry_at: Mutex::new(None),
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

    /// Runs an upstream call with the token; on a 401, renews the token once and retries once.
    pub async fn call<T, F, Fut>(&self, call: F) -> Result<T, UpstreamError>
    where
        F: Fn(Arc<str>) -> Fut,
        Fut: Future<Output = Result<T, UpstreamError>>,
    {
        let token = self.token().await?;
        match call(token.value.clone()).await {
            Err(UpstreamError::Unauthorized) => {
                let renewed = self.renew(&token.value).await?;
                call(renewed.value).await
            }
            outcome => outcome,
        }
    }

    /// Checks the token with `/v1/me` (the periodic health check).
    pub async fn check_health(&self) -> Result<(), UpstreamError> {
        let client = self.client.clone();
        self.take_slot(Priority::List).await?;
        let outcome = self
            .call(|token| {
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

    /// Completes a login the exchange paused for a one-time SMS code.
    pub async fn submit_sms_code(&self, code: &str, actor: &str) -> Result<(), SmsCodeError> {
        let _login = self.login.lock().await;
        let pending = settings::get_sealed(&self.db, &self.sealer, &self.key("sms_request"))
            .await
            .map_err(|error| SmsCodeError::Upstream(UpstreamError::Unavailable(error.to_string())))?
            .ok_or(SmsCodeError::NothingPending)?;
        let code = code.trim();
        if code.is_empty() || code.len() > 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SmsCodeError::Problem(SmsProblem::WrongCode));
        }
        let outcome = self.client.confirm_sms(&pending, code).await;
        let details = json!({ "account": self.account });
        match outcome {
            Ok(LoginAnswer::Token(issued)) => {
                let _ = settings::delete(&self.db, &self.key("sms_request")).await;
                self.adopt(issued, "cargotech.sms_code_accepted", actor)
                    .await;
                Ok(())
            }
            Ok(LoginAnswer::SmsRequired { .. }) => {
                Err(SmsCodeError::Problem(SmsProblem::WrongCode))
            }
            Err(UpstreamError::Sms(problem)) => {
                self.audit(
                    actor,
                    "cargotech.sms_code_refused",
                    json!({ "account": self.account, "problem": format!("{problem:?}") }),
                )
                .await;
                if problem != SmsProblem::WrongCode {
                    // The pending request is spent: the next login starts over.
                    let _ = settings::delete(&self.db, &self.key("sms_request")).await;
                }
                Err(SmsCodeError::Problem(problem))
            }
            Err(error) => {
                self.audit(actor, "cargotech.sms_code_failed", details)
                    .await;
                Err(SmsCodeError::Upstream(error))
            }
        }
    }

    /// Logs in now (the admin's "log in now", and start-up), unless a login is under way.
    pub async fn log_in_now(&self, actor: &str) -> Result<(), UpstreamError> {
        let _login = self.login.lock().await;
        lock(&self.retry_at).take();
        // An explicit login starts over, even if an SMS code was awaited.
        lock(&self.report).state = LinkState::NotConnected;
        self.log_in(actor).await.map(drop)
    }

    /// Forgets the token everywhere (the admin's "drop the token").
    pub async fn drop_token(&self, actor: &str) {
        let _login = self.login.lock().await;
        *write(&self.token) = None;
        self.store.delete(&self.key("token")).await;
        let _ = settings::delete(&self.db, &self.key("token")).await;
        lock(&self.report).state = LinkState::NotConnected;
        self.audit(
            actor,
            "cargotech.token_dropped",
            json!({ "account": self.account }),
        )
        .await;
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
        if let Some(token) = self.shared_token().await.filter(|t| !expiring(t)) {
            self.use_token(token.clone());
            return Ok(token);
        }
        let refresh = read(&self.token).clone().and_then(|t| t.refresh);
        if let Some(refresh) = refresh
            && let Ok(LoginAnswer::Token(issued)) = self.client.refresh(&refresh).await
        {
            return Ok(self
                .adopt(issued, "cargotech.token_refreshed", "system")
                .await);
        }
        self.log_in("system").await
    }

    /// After a 401 with `dead`: one new login for everyone, unless someone already made one.
    async fn renew(&self, dead: &str) -> Result<Token, UpstreamError> {
        let _login = self.login.lock().await;
        if let Some(token) = read(&self.token).clone().filter(|t| &*t.value != dead) {
            return Ok(token);
        }
        if let Some(token) = self.shared_token().await.filter(|t| &*t.value != dead) {
            self.use_token(token.clone());
            return Ok(token);
        }
        *write(&self.token) = None;
        lock(&self.report).relogins += 1;
        metrics::counter!("cargotech_relogins_total").increment(1);

        let lock_key = self.key("login-lock");
        if self
            .store
            .set_if_absent(&lock_key, b"1", LOGIN_LOCK_TTL)
            .await
        {
            let outcome = self.log_in("system").await;
            self.store.delete(&lock_key).await;
            return outcome;
        }
        // Another instance is logging in: wait for the token it will share.
        let deadline = Instant::now() + WAIT_FOR_OTHER_INSTANCE;
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if let Some(token) = self.shared_token().await.filter(|t| &*t.value != dead) {
                self.use_token(token.clone());
                return Ok(token);
            }
        }
        Err(UpstreamError::Unavailable(
            "another instance's login did not finish".into(),
        ))
    }

    /// The dashboard's phone and password when both are set, else the environment's, else the
    /// sandbox's own account.
    async fn credentials(&self) -> Option<Credentials> {
        // The dashboard edits the primary account only; the others come from the environment.
        if self.account != PRIMARY_ACCOUNT {
            return self.configured.clone();
        }
        let phone = settings::get_sealed(&self.db, &self.sealer, PHONE_SETTING).await;
        let password = settings::get_sealed(&self.db, &self.sealer, PASSWORD_SETTING).await;
        let otherwise = || self.configured.clone();
        match (phone, password) {
            (Ok(Some(phone)), Ok(Some(password))) => Some(Credentials {
                phone: Secret::from(phone.as_str()),
                password: Secret::from(password.as_str()),
            }),
            (Err(error), _) => {
                tracing::error!(%error, "the CargoTech phone setting cannot be read");
                otherwise()
            }
            (_, Err(error)) => {
                tracing::error!(%error, "the CargoTech password setting cannot be opened");
                otherwise()
            }
            _ => otherwise(),
        }
    }

    /// Logs in with the account's credentials. The caller holds the login mutex.
    async fn log_in(&self, actor: &str) -> Result<Token, UpstreamError> {
        let Some(credentials) = self.credentials().await else {
            return Err(UpstreamError::NotConfigured);
        };
        if lock(&self.report).state == LinkState::SmsRequired {
            // Every new login would text the account owner a new code: wait for the admin.
            return Err(UpstreamError::SmsCodeRequired);
        }
        if let Some((until, reason)) = lock(&self.retry_at).clone()
            && Instant::now() < until
        {
            return Err(UpstreamError::LoginPaused(reason));
        }
        self.take_slot(Priority::Detail).await?;
        lock(&self.report).state = LinkState::LoggingIn;
        metrics::counter!("cargotech_login_attempts_total").increment(1);
        let started = Instant::now();
        let answer = self
            .client
            .login(credentials.phone.expose(), credentials.password.expose())
            .await;
        metrics::histogram!("cargotech_login_duration_seconds")
            .record(started.elapsed().as_secs_f64());

        match answer {
            Ok(LoginAnswer::Token(issued)) => {
                Ok(self.adopt(issued, "cargotech.login_succeeded", actor).await)
            }
            Ok(LoginAnswer::SmsRequired { request_id }) => {
                let key = self.key("sms_request");
                if let Err(error) =
                    settings::put_sealed(&self.db, &self.sealer, &key, &request_id, actor).await
                {
                    tracing::error!(%error, "the pending SMS login could not be stored");
                }
                lock(&self.report).state = LinkState::SmsRequired;
                tracing::warn!(account = %self.account, "CargoTech asks for a one-time SMS code: an admin must enter it");
                self.audit(
                    actor,
                    "cargotech.sms_code_requested",
                    json!({ "account": self.account }),
                )
                .await;
                Err(UpstreamError::SmsCodeRequired)
            }
            Err(error) => {
                self.login_failed(&error, actor).await;
                Err(error)
            }
        }
    }

    async fn login_failed(&self, error: &UpstreamError, actor: &str) {
        let failures = {
            let mut report = lock(&self.report);
            report.consecutive_failures += 1;
            report.last_error = Some(error.to_string());
            report.state = match error {
                UpstreamError::WrongCredentials(_) => LinkState::WrongCredentials,
                _ => LinkState::ExchangeDown,
            };
            report.consecutive_failures
        };
        let pause = match error {
            UpstreamError::WrongCredentials(_) => WRONG_CREDENTIALS_PAUSE,
            UpstreamError::Throttled { retry_after, .. } => *retry_after,
            _ => MAX_BACKOFF.min(Duration::from_secs(1 << failures.min(6))),
        };
        *lock(&self.retry_at) = Some((Instant::now() + pause, error.to_string()));
        if failures >= ALERT_AFTER_FAILURES || matches!(error, UpstreamError::WrongCredentials(_)) {
            metrics::counter!("cargotech_login_alerts_total").increment(1);
            tracing::error!(alert = true, account = %self.account, failures, %error, "CargoTech login keeps failing");
        } else {
            tracing::warn!(account = %self.account, failures, %error, "CargoTech login failed");
        }
        let reason = match error {
            UpstreamError::WrongCredentials(_) => "wrong_credentials",
            UpstreamError::Throttled { .. } => "throttled",
            _ => "exchange_unavailable",
        };
        self.audit(
            actor,
            "cargotech.login_failed",
            json!({ "account": self.account, "reason": reason, "failures": failures }),
        )
        .await;
    }

    /// Makes a freshly issued token the one everybody uses.
    async fn adopt(&self, issued: IssuedToken, action: &str, actor: &str) -> Token {
        let token = Token {
            value: issued.token.into(),
            refresh: issued.refresh_token.map(Into::into),
            expires_at: issued
                .expires_in
                .and_then(|ttl| chrono::Duration::from_std(ttl).ok())
                .map(|ttl| Utc::now() + ttl),
        };
        let stored = serde_json::to_string(&StoredToken {
            token: token.value.to_string(),
            refresh_token: token.refresh.as_deref().map(str::to_owned),
            expires_at: token.expires_at,
        })
        .unwrap_or_default();
        if let Err(error) =
            settings::put_sealed(&self.db, &self.sealer, &self.key("token"), &stored, actor).await
        {
            tracing::error!(%error, "the CargoTech token could not be stored; it lives in memory only");
        }
        let sealed = self.sealer.seal(&self.shared_purpose(), stored.as_bytes());
        self.store
            .set(&self.key("token"), sealed.as_bytes(), SHARED_TOKEN_TTL)
            .await;
        self.use_token(token.clone());
        *lock(&self.retry_at) = None;
        {
            let mut report = lock(&self.report);
            report.state = LinkState::Connected;
            report.valid_since = Some(Utc::now());
            report.last_error = None;
            report.consecutive_failures = 0;
            report.logins += 1;
        }
        metrics::counter!("cargotech_login_successes_total").increment(1);
        tracing::info!(account = %self.account, "logged in to CargoTech");
        self.audit(actor, action, json!({ "account": self.account }))
            .await;
        token
    }

    async fn take_slot(&self, priority: Priority) -> Result<(), UpstreamError> {
        self.budget
            .acquire(priority, SLOT_WAIT)
            .await
            .map_err(|_| UpstreamError::Throttled {
                retry_after: Duration::from_secs(1),
                remaining: Some(0),
            })
    }

    fn use_token(&self, token: Token) {
        *write(&self.token) = Some(token);
        let mut report = lock(&self.report);
        if report.state != LinkState::Connected {
            report.state = LinkState::Connected;
            report.valid_since.get_or_insert_with(Utc::now);
        }
    }

    /// The token another instance (or an earlier run) left: the store first, then the database.
    async fn shared_token(&self) -> Option<Token> {
        let from_store = self.store.get(&self.key("token")).await.and_then(|sealed| {
            let sealed = String::from_utf8(sealed).ok()?;
            self.sealer.open(&self.shared_purpose(), &sealed).ok()
        });
        let stored = match from_store {
            Some(bytes) => serde_json::from_slice::<StoredToken>(&bytes).ok()?,
            None => {
                let text = settings::get_sealed(&self.db, &self.sealer, &self.key("token"))
                    .await
                    .ok()??;
                let stored: StoredToken = serde_json::from_str(&text).ok()?;
                let sealed = self.sealer.seal(&self.shared_purpose(), text.as_bytes());
                self.store
                    .set(&self.key("token"), sealed.as_bytes(), SHARED_TOKEN_TTL)
                    .await;
                stored
            }
        };
        Some(Token {
            value: stored.token.into(),
            refresh: stored.refresh_token.map(Into::into),
            expires_at: stored.expires_at,
        })
    }

    fn key(&self, name: &str) -> String {
        format!("cargotech.{}.{name}", self.account)
    }

    fn shared_purpose(&self) -> String {
        format!("store:{}", self.key("token"))
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsCodeError {
    #[error("no login is waiting for an SMS code")]
    NothingPending,
    #[error("the SMS code was refused: {0:?}")]
    Problem(SmsProblem),
    #[error(transparent)]
    Upstream(UpstreamError),
}

/// Refresh a minute before an expiring token runs out (only for exchanges that issue such tokens).
fn expiring(token: &Token) -> bool {
    token
        .expires_at
        .is_some_and(|at| at - chrono::Duration::seconds(60) <= Utc::now())
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

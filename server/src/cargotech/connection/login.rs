//! Logging in: the account's credentials (the dashboard's, else the environment's), the login
//! itself, and what a failed one leads to: a back-off that grows, a pause for an operator after
//! wrong credentials, an alert when failures repeat. A login the exchange pauses for a one-time
//! SMS code waits for an admin to enter it.

use std::time::{Duration, Instant};

use domain::settings;
use serde_json::json;

use super::{Connection, Credentials, LinkState, PASSWORD_SETTING, PHONE_SETTING, Token, lock};
use crate::{
    cargotech::{
        budget::Priority,
        client::{LoginAnswer, SmsProblem, UpstreamError},
        fair_share::UpstreamKind,
    },
    config::{PRIMARY_ACCOUNT, Secret},
};

const WRONG_CREDENTIALS_PAUSE: Duration = Duration::from_secs(300);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Consecutive login failures after which the logs and metrics raise an alert.
const ALERT_AFTER_FAILURES: u32 = 3;

impl Connection {
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
        self.calls.count(UpstreamKind::Login, &outcome);
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
    pub(super) async fn log_in(&self, actor: &str) -> Result<Token, UpstreamError> {
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
        self.take_slot(Priority::List).await?;
        lock(&self.report).state = LinkState::LoggingIn;
        metrics::counter!("cargotech_login_attempts_total").increment(1);
        let started = Instant::now();
        let answer = self
            .client
            .login(credentials.phone.expose(), credentials.password.expose())
            .await;
        self.calls.count(UpstreamKind::Login, &answer);
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

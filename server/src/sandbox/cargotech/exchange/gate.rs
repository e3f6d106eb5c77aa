//! What every request to the exchange passes before it is answered: the simulated latency, its
//! account's rate limit (a sliding minute, answered 429 with Laravel's headers as the real
//! exchange does), any injected failure and, for calls that need one, a valid token.

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use axum::{
    Json,
    http::{HeaderMap, HeaderValue, StatusCode},
    response::IntoResponse,
};
use serde_json::json;

use super::{
    Exchange, Failure, Refusal, bearer,
    stats::{LISTS, REQUESTS, THROTTLED, UNAUTHORIZED},
};

/// The window the rate limit counts requests in, as Laravel's throttle does.
const MINUTE: Duration = Duration::from_secs(60);

impl Exchange {
    /// What every request goes through: the clock, the account's rate limit and any injected
    /// failure.
    pub(super) async fn gate(
        &self,
        counter: usize,
        account: usize,
    ) -> Result<Option<Failure>, Refusal> {
        self.count(REQUESTS);
        self.count(counter);
        let (latency, limited, failure) = {
            let mut book = self.book();
            let jitter = self.inner.config.jitter.as_millis() as u64;
            let latency = book.latency
                + Duration::from_millis(if jitter == 0 {
                    0
                } else {
                    book.random.below(jitter)
                });
            let per_minute = book.per_minute;
            let now = Instant::now();
            let throttled = book
                .throttled_until
                .filter(|until| now < *until)
                .map(|until| (until - now).as_secs_f64().ceil() as u64);
            let window = &mut book.windows[account];
            let limited = throttled.or_else(|| admit(window, now, per_minute).err());
            let used = window.len();
            if limited.is_none() {
                book.admitted[account] += 1;
                book.peak_per_minute = book.peak_per_minute.max(used as u64);
            }
            let remaining = match throttled {
                Some(_) => 0,
                None => per_minute.saturating_sub(used as u32),
            };
            // A malformed item can only be put in a list page: other calls leave it waiting.
            let failure = match book.failures.front() {
                Some(Failure::MalformedItem) if counter != LISTS => None,
                _ => book.failures.pop_front(),
            };
            (
                latency,
                limited.map(|retry| (retry, per_minute, remaining)),
                failure,
            )
        };
        if let Some((retry_after, limit, remaining)) = limited {
            self.count(THROTTLED);
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"message": "Too Many Attempts."})),
            )
                .into_response();
            let headers = response.headers_mut();
            headers.insert("retry-after", HeaderValue::from(retry_after));
            headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
            headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
            return Err(Refusal::new(response));
        }
        tokio::time::sleep(latency).await;
        match failure {
            Some(Failure::ServerError) => {
                Err(Refusal::new((StatusCode::BAD_GATEWAY, "Bad Gateway")))
            }
            Some(Failure::Timeout) => {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Err(Refusal::new(StatusCode::GATEWAY_TIMEOUT))
            }
            Some(Failure::MalformedJson) => {
                Err(Refusal::new((StatusCode::OK, "{\"data\": [ {\"id\": 1,")))
            }
            other => Ok(other),
        }
    }

    /// What every call with a token goes through: the gate, counted against the token's account,
    /// then the token itself. Returns the account and the injected failure left to the handler.
    pub(super) async fn admit_signed_in(
        &self,
        counter: usize,
        headers: &HeaderMap,
    ) -> Result<(usize, Option<Failure>), Refusal> {
        let account = self.account_of(headers);
        let failure = self.gate(counter, account).await?;
        self.authorized(headers)?;
        Ok((account, failure))
    }

    fn authorized(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        match bearer(headers) {
            Some(token) if self.book().tokens.contains_key(token) => Ok(()),
            _ => {
                self.count(UNAUTHORIZED);
                Err(Refusal::new((
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"message": "Unauthenticated."})),
                )))
            }
        }
    }
}

/// An account's sliding minute: admits a request at `now` unless `per_minute` were admitted
/// within the last minute; otherwise the seconds until the oldest leaves it (at least one).
fn admit(window: &mut VecDeque<Instant>, now: Instant, per_minute: u32) -> Result<(), u64> {
    while window
        .front()
        .is_some_and(|at| now.duration_since(*at) >= MINUTE)
    {
        window.pop_front();
    }
    if window.len() as u32 >= per_minute {
        let oldest = window.front().copied().unwrap_or(now);
        return Err((MINUTE - now.duration_since(oldest)).as_secs().max(1));
    }
    window.push_back(now);
    Ok(())
}

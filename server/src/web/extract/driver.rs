//! The signed-in driver, as an extractor: a handler that takes [`SignedInDriver`] cannot run for
//! a request without a live session, and one that takes [`SubscribedDriver`] cannot run for a
//! driver without access to loads.
//!
//! Either draws the request from the driver's pace on this instance (see [`Pace`]).
//!
//! A driver let in a moment ago is let in again from this instance's memory for a few seconds
//! (see `domain::store::RecentlyAdmitted`), which ending a session, a ban or a grant forgets at
//! once.
//!
//! Neither needs the database while it is down: sessions live in the store, and the access check
//! falls back to the last known end date there (see [`access::last_known`]), so a driver with
//! access keeps browsing cached loads through a database outage.

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};
use domain::{
    DriverId, access,
    database::{self, Outages},
    sessions::{self, Session},
    store::{Admitted, SharedStore},
};
use sea_orm::DatabaseConnection;

use super::{TokenIn, token};
use crate::{
    doors::Pace,
    web::{ApiError, ErrorCode, asks_for_english},
};

#[derive(Debug, Clone, Copy)]
pub struct SignedInDriver {
    pub id: DriverId,
    pub telegram_id: i64,
}

impl<S> FromRequestParts<S> for SignedInDriver
where
    SharedStore: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let driver = Self::identified(parts, &SharedStore::from_ref(state)).await?;
        keep_pace(parts, driver.id)?;
        Ok(driver)
    }
}

impl SignedInDriver {
    /// The driver whose session the request carries, as yet unpaced.
    async fn identified(parts: &Parts, store: &SharedStore) -> Result<Self, ApiError> {
        let token = token(&parts.headers, TokenIn::Bearer);
        if let Some(admitted) = token.and_then(|token| store.admitted().recall(token)) {
            return Ok(Self {
                id: admitted.driver_id,
                telegram_id: admitted.telegram_id,
            });
        }
        let session = driver_session(store, token).await?;
        Ok(Self {
            id: session.driver_id,
            telegram_id: session.telegram_id,
        })
    }
}

/// Draws the request from the driver's pace on this instance (see [`Pace`]): `429
/// too_many_requests` with `Retry-After` once they ask faster than it allows.
fn keep_pace(parts: &Parts, driver: DriverId) -> Result<(), ApiError> {
    let Some(pace) = parts.extensions.get::<Arc<Pace>>() else {
        tracing::error!("the server was started without the drivers' pace");
        return Err(ApiError::internal());
    };
    pace.admit(driver).map_err(|refused| {
        metrics::counter!("driver_requests_over_pace_total").increment(1);
        ApiError::too_many_requests(refused.retry_after, asks_for_english())
    })
}

/// The live session behind the token a request sent (wherever it sent it): `401
/// session_missing` without one, `401 session_expired` when it ended.
pub async fn driver_session(store: &SharedStore, token: Option<&str>) -> Result<Session, ApiError> {
    let token = token.ok_or_else(|| ApiError::from(ErrorCode::SessionMissing))?;
    sessions::find(store, token)
        .await
        .ok_or_else(|| ApiError::from(ErrorCode::SessionExpired))
}

/// A signed-in driver whose access to loads is active (a trial, a paid plan, a gift). Every route
/// that serves cargo data takes it, so a forgotten paywall cannot compile; the check reads a
/// cached end date, invalidated the moment a grant changes it.
#[derive(Debug, Clone, Copy)]
pub struct SubscribedDriver {
    pub id: DriverId,
    pub telegram_id: i64,
}

impl<S> FromRequestParts<S> for SubscribedDriver
where
    SharedStore: FromRef<S>,
    DatabaseConnection: FromRef<S>,
    Outages: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let store = SharedStore::from_ref(state);
        if let Some(admitted) =
            token(&parts.headers, TokenIn::Bearer).and_then(|token| store.admitted().recall(token))
            && admitted.with_access
        {
            keep_pace(parts, admitted.driver_id)?;
            return Ok(Self {
                id: admitted.driver_id,
                telegram_id: admitted.telegram_id,
            });
        }
        let driver = SignedInDriver::identified(parts, &store).await?;
        keep_pace(parts, driver.id)?;
        let ends_at = require_access(
            &DatabaseConnection::from_ref(state),
            &store,
            &Outages::from_ref(state),
            driver.id,
        )
        .await?;
        if let Some(token) = token(&parts.headers, TokenIn::Bearer) {
            let admitted = Admitted {
                driver_id: driver.id,
                telegram_id: driver.telegram_id,
                with_access: true,
            };
            let left = (ends_at - chrono::Utc::now()).to_std().unwrap_or_default();
            store.admitted().note(token, admitted, Some(left));
        }
        Ok(Self {
            id: driver.id,
            telegram_id: driver.telegram_id,
        })
    }
}

/// `402 subscription_required` unless the driver's access is active now; when it is, its end.
/// While the database is known to be down, the last known end date answers at once (`503
/// database_unavailable` for a driver it does not know), instead of each request waiting on the
/// pool.
pub async fn require_access(
    db: &DatabaseConnection,
    store: &SharedStore,
    outages: &Outages,
    driver_id: DriverId,
) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    let ends_at = match access::cached_ends_at(store, driver_id).await {
        Some(cached) => cached,
        None if outages.is_down() => last_known(store, driver_id, database::skipped()).await?,
        None => {
            let read = access::read_through(db, store, driver_id).await;
            outages.note(&read);
            match read {
                Err(error) if database::is_outage(&error) => {
                    last_known(store, driver_id, error).await?
                }
                read => read?,
            }
        }
    };
    match ends_at {
        Some(ends_at) if ends_at > chrono::Utc::now() => Ok(ends_at),
        _ => Err(ApiError::from(ErrorCode::SubscriptionRequired)),
    }
}

/// The last known end date, for a database that cannot answer; without one, the outage itself.
async fn last_known(
    store: &SharedStore,
    driver_id: DriverId,
    outage: sea_orm::DbErr,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
    match access::last_known(store, driver_id).await {
        Some(ends_at) => Ok(Some(ends_at)),
        None => Err(outage.into()),
    }
}

//! The signed-in driver, as an extractor: a handler that takes [`SignedInDriver`] cannot run for
//! a request without a live session, and one that takes [`SubscribedDriver`] cannot run for a
//! driver without access to loads.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};
use domain::{
    DriverId, access,
    sessions::{self, Session},
    store::SharedStore,
};
use sea_orm::DatabaseConnection;

use super::{TokenIn, token};
use crate::web::{ApiError, ErrorCode};

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
        let store = SharedStore::from_ref(state);
        let session = driver_session(&store, token(&parts.headers, TokenIn::Bearer)).await?;
        Ok(Self {
            id: session.driver_id,
            telegram_id: session.telegram_id,
        })
    }
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
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let driver = SignedInDriver::from_request_parts(parts, state).await?;
        require_access(
            &DatabaseConnection::from_ref(state),
            &SharedStore::from_ref(state),
            driver.id,
        )
        .await?;
        Ok(Self {
            id: driver.id,
            telegram_id: driver.telegram_id,
        })
    }
}

/// `402 subscription_required` unless the driver's access is active now.
pub async fn require_access(
    db: &DatabaseConnection,
    store: &SharedStore,
    driver_id: DriverId,
) -> Result<(), ApiError> {
    let ends_at = access::ends_at(db, store, driver_id).await?;
    if ends_at.is_some_and(|ends_at| ends_at > chrono::Utc::now()) {
        Ok(())
    } else {
        Err(ApiError::from(ErrorCode::SubscriptionRequired))
    }
}

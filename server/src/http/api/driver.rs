//! The signed-in driver, as an extractor: a handler that takes [`SignedInDriver`] cannot run for
//! a request without a live session, so a forgotten check cannot compile.

use app::platform::{sessions, store::SharedStore};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::{StatusCode, header::AUTHORIZATION, request::Parts},
};

use super::error::ApiError;

#[derive(Debug, Clone, Copy)]
pub struct SignedInDriver {
    pub id: i64,
    pub telegram_id: i64,
}

impl<S> FromRequestParts<S> for SignedInDriver
where
    SharedStore: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "session_missing",
                    "Войдите через Telegram: откройте приложение из бота",
                )
            })?;
        let store = SharedStore::from_ref(state);
        let session = sessions::find(&store, token).await.ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "Сеанс завершён. Откройте приложение из бота ещё раз",
            )
        })?;
        Ok(Self {
            id: session.driver_id,
            telegram_id: session.telegram_id,
        })
    }
}

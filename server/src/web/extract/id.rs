//! The id a route names in its path, read in one place: a positive whole number that fits the
//! database's `bigint` key (and so the exchange's ids too, which the `hidden_cargos` and
//! `cargo_responses` tables keep in that column). Anything else — letters, zero, a minus sign, a
//! number past `i64::MAX` — is refused with `400 invalid_id` before the handler runs, so a bad id
//! can neither reach a store (where it would wrap around) nor be answered with a plain-text
//! rejection or a `204`.

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};

use crate::web::error::{ApiError, ErrorCode};

/// The route's one id, as the type the handler works with (`DriverId`, `PaymentId`, a cargo's
/// `u64`, …): every such type converts from a positive `i64`.
#[derive(Debug, Clone, Copy)]
pub struct PathId<T>(pub T);

impl<S, T> FromRequestParts<S> for PathId<T>
where
    S: Send + Sync,
    T: TryFrom<i64>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(refused)?;
        text.parse::<i64>()
            .ok()
            .filter(|key| *key > 0)
            .and_then(|key| T::try_from(key).ok())
            .map(PathId)
            .ok_or_else(|| refused(text))
    }
}

fn refused(detail: impl std::fmt::Display) -> ApiError {
    tracing::debug!(%detail, "a path's id was refused");
    ErrorCode::InvalidId.into()
}

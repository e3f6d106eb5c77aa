//! The machine client a request comes from, by the service token in `X-Service-Token`: a
//! missing token is `403 service_token_required`, a wrong, expired or revoked one `403
//! service_token_invalid`.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};

use super::{TokenIn, token};
use crate::{
    machines::{ServiceTokens, TokenRefusal},
    web::{ApiError, ErrorCode},
};

pub use crate::machines::ServiceClient;

impl<S> FromRequestParts<S> for ServiceClient
where
    ServiceTokens: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let presented = token(&parts.headers, TokenIn::Header("x-service-token"))
            .ok_or_else(|| ApiError::from(ErrorCode::ServiceTokenRequired))?;
        Ok(ServiceTokens::from_ref(state)
            .authenticate(presented)
            .await?)
    }
}

impl From<TokenRefusal> for ApiError {
    fn from(refusal: TokenRefusal) -> Self {
        match refusal {
            TokenRefusal::Invalid => ApiError::from(ErrorCode::ServiceTokenInvalid),
            TokenRefusal::Database(error) => error.into(),
        }
    }
}

//! Who may call the admin API: [`Staff<R>`] is an extractor, so a handler that takes
//! `Staff<Owners>` cannot run for an admin of a lower role, for a driver (403) or for nobody
//! (401), and a state-changing call without the session's CSRF token is refused (403) before
//! the handler runs. Hiding a button is never the protection.

use std::marker::PhantomData;

use admin::wire::Role;
use axum::{
    extract::{FromRef, FromRequestParts},
    http::{Method, header, request::Parts},
};
use domain::{sessions as driver_sessions, store::SharedStore};
use subtle::ConstantTimeEq;

use super::{ClientAddress, TokenIn, token};
use crate::{
    admin::sessions::{self, AdminSession},
    web::{ApiError, ErrorCode},
};

/// The least role a handler accepts.
pub trait Clearance: Send + Sync {
    const ROLE: Role;
}

/// Support, admins and owners: reading, and gifting days.
pub struct AnyStaff;
/// Admins and owners: drivers, money, promo codes, flags.
pub struct Admins;
/// Owners only: secrets, admins, service tokens.
pub struct Owners;

impl Clearance for AnyStaff {
    const ROLE: Role = Role::Support;
}
impl Clearance for Admins {
    const ROLE: Role = Role::Admin;
}
impl Clearance for Owners {
    const ROLE: Role = Role::Owner;
}

pub struct Staff<R> {
    pub session: AdminSession,
    /// The session cookie's token (for logging out).
    pub token: String,
    pub client_addr: Option<String>,
    _clearance: PhantomData<R>,
}

impl<R> Staff<R> {
    pub fn actor(&self) -> String {
        self.session.actor()
    }
}

fn cookie_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == sessions::COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

impl<S, R> FromRequestParts<S> for Staff<R>
where
    SharedStore: FromRef<S>,
    S: Send + Sync,
    R: Clearance,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let store = SharedStore::from_ref(state);
        let session = match cookie_token(parts) {
            Some(token) => sessions::find(&store, &token).await.map(|s| (token, s)),
            None => None,
        };
        let Some((token, session)) = session else {
            if let Some(bearer) = token(&parts.headers, TokenIn::Bearer)
                && driver_sessions::find(&store, bearer).await.is_some()
            {
                return Err(ApiError::from(ErrorCode::AdminOnly));
            }
            return Err(ApiError::from(ErrorCode::AdminSessionMissing));
        };
        if !matches!(parts.method, Method::GET | Method::HEAD) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .map(|value| value.as_bytes())
                .unwrap_or_default();
            if !bool::from(sent.ct_eq(session.csrf.as_bytes())) {
                return Err(ApiError::from(ErrorCode::CsrfInvalid));
            }
        }
        if session.role < R::ROLE {
            return Err(ApiError::from(ErrorCode::RoleInsufficient));
        }
        let client_addr = ClientAddress::from_request_parts(parts, state)
            .await
            .ok()
            .map(|ClientAddress(address)| address.to_string());
        Ok(Self {
            session,
            token,
            client_addr,
            _clearance: PhantomData,
        })
    }
}

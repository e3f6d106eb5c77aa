//! Who a request comes from, and which record it names, as extractors: a handler that takes one
//! cannot run for a request that fails its check, so a forgotten check cannot compile.
//! [`SignedInDriver`] and [`SubscribedDriver`] for the Mini App, [`Staff`] for the dashboard,
//! [`ServiceClient`] for machine clients, [`PathId`] for the id in a route's path, and
//! [`ClientAddress`] for where a request comes from; [`JsonBody`] reads a JSON body. Each reads
//! its token with [`token`], so what counts as "sent" is the same everywhere.

mod client;
mod driver;
mod id;
mod json;
mod service;
mod staff;

use axum::http::{HeaderMap, header::AUTHORIZATION};

pub use client::ClientAddress;
pub use driver::{SignedInDriver, SubscribedDriver, driver_session, require_access};
pub use id::PathId;
pub use json::JsonBody;
pub use service::ServiceClient;
pub use staff::{Admins, AnyStaff, Owners, Staff};

/// Where a request carries its token.
#[derive(Debug, Clone, Copy)]
pub enum TokenIn {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// A header of its own, its whole value the token.
    Header(&'static str),
}

/// The token the request carries there, trimmed; `None` when absent or blank.
pub fn token(headers: &HeaderMap, place: TokenIn) -> Option<&str> {
    let value = match place {
        TokenIn::Bearer => headers
            .get(AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?,
        TokenIn::Header(name) => headers.get(name)?.to_str().ok()?,
    };
    Some(value.trim()).filter(|token| !token.is_empty())
}

//! The client's address as an extractor: the connection's peer, or behind one of the operator's
//! proxies the address the proxies recorded (see [`TrustedProxies`], which the router puts in every
//! request's extensions). Door limits, YooKassa's address check, the admin login throttle and the
//! audit log all read it here, so they agree on who a client is.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

use crate::{doors::TrustedProxies, web::ApiError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            tracing::error!("the server was started without the connection's address");
            return Err(ApiError::internal());
        };
        let client = match parts.extensions.get::<TrustedProxies>() {
            Some(proxies) => proxies.client(peer.ip(), &parts.headers),
            None => peer.ip(),
        };
        Ok(Self(client))
    }
}

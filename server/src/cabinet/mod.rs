//! The exchange's web cabinet through Hauler. A driver buys (or is given) a time-limited pass;
//! a browser signs in with it once and gets a cookie of its own; every request and WebSocket to
//! `/cabinet/…` is then forwarded to the exchange's cabinet with the server account's own token,
//! and the cabinet's absolute addresses are rewritten so the browser keeps talking to Hauler.
//!
//! - `access`: signing a browser in (a pass's token, or a one-time link from the Mini App), and
//!   admitting each request (the cookie, or the pass's token in `X-Access-Token` / `?token=`).
//! - `policy`: the pages no pass may open, kept fresh from the database within a second.
//! - `limits`: each pass's own rate, and a low-priority slot of the account's upstream budget.
//! - `proxy`: HTTP forwarding, streaming both ways; `rewrite`: addresses in headers, HTML
//!   (streamed through lol_html), CSS, JavaScript and JSON; `relay`: WebSocket frames both ways.

mod access;
mod limits;
mod policy;
mod proxy;
mod relay;
mod rewrite;

use std::{sync::Arc, time::Duration};

use domain::store::SharedStore;
use sea_orm::{DatabaseConnection, DbErr};

pub use access::{Credential, Visitor};
pub use policy::refusal_page;
pub use proxy::Forwarded;
pub use rewrite::Upstream;

use crate::{cargotech::Gateway, config::SameSite};

/// The pass cookie's name; a cookie of this name from the exchange is never passed on.
pub const COOKIE: &str = "hauler_cabinet";
/// Where the cabinet is served on Hauler.
pub const PREFIX: &str = "/cabinet";

/// Everything the cabinet needs; cheap to clone.
#[derive(Clone)]
pub struct Cabinet {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    store: SharedStore,
    gateway: Arc<Gateway>,
    /// `None`: no cabinet is configured (production without `CABINET_UPSTREAM_URL`).
    upstream: Option<Upstream>,
    http: reqwest::Client,
    cookie: CookieTerms,
    per_minute: u32,
    link_ttl: Duration,
    /// Where one-time links point (the app's public address).
    public_url: String,
    policy: policy::PolicyBook,
}

/// How the pass cookie is set.
#[derive(Debug, Clone, Copy)]
pub struct CookieTerms {
    pub secure: bool,
    pub same_site: SameSite,
}

/// What building the cabinet takes.
pub struct CabinetParts {
    pub db: DatabaseConnection,
    pub store: SharedStore,
    pub gateway: Arc<Gateway>,
    pub upstream: Option<Upstream>,
    pub cookie: CookieTerms,
    pub per_minute: u32,
    pub link_ttl: Duration,
    pub public_url: String,
}

impl Cabinet {
    pub fn new(parts: CabinetParts) -> Self {
        let http = reqwest::Client::builder()
            // Redirects reach the browser, rewritten; the browser follows them through Hauler.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self {
            inner: Arc::new(Inner {
                policy: policy::PolicyBook::new(parts.db.clone()),
                db: parts.db,
                store: parts.store,
                gateway: parts.gateway,
                upstream: parts.upstream,
                http,
                cookie: parts.cookie,
                per_minute: parts.per_minute,
                link_ttl: parts.link_ttl,
                public_url: parts.public_url,
            }),
        }
    }

    pub fn store(&self) -> &SharedStore {
        &self.inner.store
    }

    pub fn cookie_terms(&self) -> CookieTerms {
        self.inner.cookie
    }

    fn upstream(&self) -> Result<&Upstream, CabinetError> {
        self.inner
            .upstream
            .as_ref()
            .ok_or(CabinetError::NotConfigured)
    }
}

/// Why the cabinet refused or failed a request, each mapped once to an answer.
#[derive(Debug, thiserror::Error)]
pub enum CabinetError {
    #[error("no pass was sent")]
    NoPass,
    /// Forged, expired, revoked, or a session that ended.
    #[error("the pass is not valid")]
    PassInvalid,
    #[error("no such pass of this driver")]
    PassNotFound,
    #[error("the pass is not active")]
    PassNotActive,
    #[error("the link is used or expired")]
    LinkInvalid,
    #[error("no cabinet is configured")]
    NotConfigured,
    #[error("the path is closed by the policy: {reason}")]
    Refused { reason: String },
    #[error("the pass sent too many requests")]
    TooManyRequests { retry_after: Duration },
    #[error("the exchange's budget has no room for the cabinet now")]
    UpstreamBusy,
    #[error("the exchange's cabinet did not answer: {0}")]
    Unreachable(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

//! Server-only infrastructure the server functions stand on: the shared state, the database, the
//! cache/session store and secret sealing.

pub mod access;
pub mod audit;
pub mod database;
pub mod drivers;
pub mod filters;
pub mod flags;
pub mod hidden;
pub mod marks;
pub mod outbox;
pub mod payments;
pub mod plans;
pub mod promo;
pub mod responses;
pub mod sealing;
pub mod service_tokens;
pub mod sessions;
pub mod settings;
pub mod store;

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;
use sea_orm::DatabaseConnection;

use crate::error::AppError;

/// Everything a request handler or server function may reach. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub store: store::SharedStore,
    pub sealer: Arc<sealing::Sealer>,
    /// Sandbox mode: built-in upstreams and demo data instead of real accounts.
    pub sandbox: bool,
}

impl AppState {
    /// The state as provided to server functions by the router.
    pub fn from_context() -> Result<Self, AppError> {
        use_context::<Self>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            AppError::internal()
        })
    }
}

//! The settings and secrets page's API.

use axum::Router;

use super::AdminDesk;

pub fn routes() -> Router<AdminDesk> {
    Router::new()
}

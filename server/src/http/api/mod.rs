//! Hauler's JSON API under `/api/v1`.

mod auth;
mod error;

pub use auth::{AuthState, routes as auth_routes};

//! Hauler's JSON API under `/api/v1`.

mod auth;
mod cargo;
mod error;

pub use auth::{AuthState, routes as auth_routes};
pub use cargo::routes as cargo_routes;

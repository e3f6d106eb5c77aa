//! Hauler's JSON API under `/api/v1`.

mod auth;
mod cargo;
mod live;
mod me;
mod openapi;
pub mod payments;
mod place;
mod profile;
mod served_pages;
mod shippers;
mod state;

pub use auth::{AuthState, LaunchCheck, routes as auth_routes};
pub use state::{ApiParts, ApiState};

use axum::Router;

/// Everything a signed-in driver calls.
pub fn driver_routes(state: ApiState) -> Router {
    cargo::routes(&state)
        .merge(me::routes(&state))
        .merge(profile::routes(&state))
        .merge(place::routes())
        .merge(live::routes())
        .merge(shippers::routes())
        .with_state(state)
        .merge(openapi::routes())
}

//! The admin dashboard's server side: accounts, sessions, login throttling, the role and CSRF
//! guard, and the JSON API (`/admin/api/…`) each page of the dashboard calls. The pages
//! themselves are the `admin` crate, a bundle of their own.

pub mod accounts;
mod admins;
mod audit;
mod auth;
pub mod commands;
mod connection;
mod drivers;
mod flags;
mod guard;
mod overview;
mod pages;
mod payments;
mod promo;
pub mod second_factor;
mod service_tokens;
pub mod sessions;
mod settings;
mod throttle;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use domain::{sealing::Sealer, store::SharedStore};
use sea_orm::DatabaseConnection;

pub use guard::{Admins, AnyStaff, Owners, Staff};

use crate::{cargotech::Gateway, machines::ServiceTokens, payments::Billing};

/// What the admin API reaches; cheap to clone.
#[derive(Clone, FromRef)]
pub struct AdminDesk {
    pub db: DatabaseConnection,
    pub store: SharedStore,
    pub sealer: Arc<Sealer>,
    pub billing: Billing,
    pub gateway: Arc<Gateway>,
    pub tokens: ServiceTokens,
    /// Cookies carry `Secure` (production, behind https).
    pub secure_cookies: bool,
}

pub fn routes(desk: AdminDesk, options: leptos::prelude::LeptosOptions) -> Router {
    auth::routes()
        .merge(overview::routes())
        .merge(drivers::routes())
        .merge(payments::routes())
        .merge(promo::routes())
        .merge(flags::routes())
        .merge(settings::routes())
        .merge(connection::routes())
        .merge(service_tokens::routes())
        .merge(audit::routes())
        .merge(admins::routes())
        .merge(second_factor::routes())
        .with_state(desk)
        .merge(pages::routes(options))
}

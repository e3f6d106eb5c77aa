//! The admin dashboard's JSON API (`/admin/api/…`), one module per page of the dashboard, and
//! the route that serves the dashboard's pages. Accounts, sessions, the login throttle and the
//! second factor are `crate::admin`'s; the role and CSRF guard is [`Staff`].

mod admins;
mod audit;
mod audited;
mod auth;
mod cabinet;
mod cities;
mod connection;
mod csv_export;
mod drivers;
mod flags;
mod openapi;
mod overview;
mod pages;
mod payments;
mod plans;
mod promo;
mod second_factor;
mod service_tokens;
mod settings;
mod shipper_reports;
mod upstream_shares;

use std::sync::Arc;

use axum::{Router, extract::FromRef};
use domain::{sealing::Sealer, store::SharedStore};
use sea_orm::DatabaseConnection;

use crate::{
    admin::login_gate::LoginGate,
    cargotech::Gateway,
    cities::Cities,
    machines::ServiceTokens,
    payments::Billing,
    shippers::ShipperBook,
    web::extract::{Admins, AnyStaff, Owners, Staff},
};

/// What the admin API reaches; cheap to clone.
#[derive(Clone, FromRef)]
pub struct AdminDesk {
    pub db: DatabaseConnection,
    pub store: SharedStore,
    pub sealer: Arc<Sealer>,
    pub billing: Billing,
    pub gateway: Arc<Gateway>,
    pub cities: Arc<Cities>,
    pub tokens: ServiceTokens,
    /// How many logins this instance checks at once.
    pub login_gate: LoginGate,
    /// Cookies carry `Secure` (production, behind https).
    pub secure_cookies: bool,
    /// Shippers' marks, worked out again after a moderator's verdict.
    pub shippers: ShipperBook,
}

pub fn routes(desk: AdminDesk, options: leptos::prelude::LeptosOptions) -> Router {
    auth::routes()
        .merge(overview::routes())
        .merge(drivers::routes())
        .merge(upstream_shares::routes())
        .merge(payments::routes())
        .merge(promo::routes())
        .merge(flags::routes())
        .merge(settings::routes())
        .merge(connection::routes())
        .merge(cities::routes())
        .merge(service_tokens::routes())
        .merge(audit::routes())
        .merge(cabinet::routes())
        .merge(admins::routes())
        .merge(shipper_reports::routes())
        .merge(second_factor::routes())
        .with_state(desk)
        .merge(openapi::routes())
        .merge(pages::routes(options))
}

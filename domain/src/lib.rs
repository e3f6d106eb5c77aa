//! Hauler's kernel, server-only: the database entities and the rules that read and write them
//! (drivers, sessions, access, plans, payments, promo codes, saved filters, responses, the bot's
//! outbox, settings, the exchange's points dictionary, shippers, the questions drivers ask most
//! and the audit log), what is deleted once old enough, the cache/session store, and secret sealing.
//!
//! It knows nothing of HTTP or pages: functions take typed ids (`DriverId`, `PaymentId`…) and
//! plain values and return their own errors, which the server's web layer maps to answers.
//! From `app` it takes only the plain types that cross the wire (a cargo card, a plan, a
//! driver's access).

pub mod access;
pub mod audit;
pub mod autopay;
pub mod cabinet;
pub mod database;
pub mod drivers;
pub mod filters;
pub mod flags;
pub mod hidden;
pub mod hot_questions;
pub mod ids;
pub mod lapsing;
pub mod marks;
pub mod outbox;
pub mod payments;
pub mod plans;
pub mod points;
pub mod profiles;
pub mod promo;
pub mod responses;
pub mod retention;
pub mod sealing;
pub mod service_tokens;
pub mod sessions;
pub mod settings;
pub mod shippers;
pub mod store;
pub mod upstream_shares;

pub use ids::{AdminId, DriverId, PaymentId, PlanId, PromoId, cargo_key};

use std::sync::Arc;

use sea_orm::DatabaseConnection;

/// The handles every rule works through: the database, the cache/session store and the sealer.
/// Cheap to clone.
#[derive(Clone)]
pub struct Platform {
    pub db: DatabaseConnection,
    pub store: store::SharedStore,
    /// The instances sharing the database, known by their heartbeats.
    pub fleet: store::Fleet,
    pub sealer: Arc<sealing::Sealer>,
    /// Sandbox mode: built-in upstreams and demo data instead of real accounts.
    pub sandbox: bool,
}

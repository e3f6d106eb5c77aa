//! The CargoTech gateway: one company account (or a few) serving every driver, within each
//! account's small upstream budget. `wire` knows the exchange's JSON and query, `client` its HTTP,
//! `connection` an account's token, `accounts` which account a call goes through.

mod accounts;
mod breaker;
pub mod budget;
mod cache;
mod card_queue;
mod client;
mod connection;
pub mod fair_share;
mod gateway;
pub mod hot_questions;
mod listed;
mod narrowing;
mod setup;
mod timings;
mod wire;

pub use accounts::{Account, Accounts, service_state};
pub use cache::noting_waits;
pub use card_queue::QueueRules;
pub use client::{Client, LoginAnswer, PointsPage, SmsProblem, UpstreamError};
pub use connection::{
    Connection, ConnectionReport, Credentials, LinkState, PASSWORD_SETTING, PHONE_SETTING,
    SmsCodeError, audit_object,
};
pub use fair_share::{Payer, UpstreamKind};
pub use gateway::{CacheTtls, CardAnswer, CardLead, Gateway, GatewayError, Listed, in_order};
pub use setup::{gateway, keep_connected};
pub use timings::{ListTimings, ListTimingsSummary};
pub use wire::UpstreamQuery;

//! The Hauler server: configuration, start-up, and the HTTP surface around the Leptos app.

pub mod admin;
pub mod bot;
pub mod cargotech;
pub mod cli;
pub mod config;
mod http;
pub mod machines;
pub mod new_loads;
pub mod payments;
pub mod sandbox;
mod startup;
pub mod telegram;
pub mod telemetry;

pub use startup::{
    Application, StartError, manage_admins, manage_secrets, manage_service_tokens, migrate, serve,
};

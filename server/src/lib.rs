//! The Hauler server: configuration, start-up, the capabilities (cargo, city search, payments,
//! shippers, the bot, the admin dashboard's accounts, machine clients, the exchange's web cabinet), and the web layer around them and the Leptos app.

pub mod admin;
pub mod allocator;
pub mod bot;
pub mod cabinet;
pub mod cargotech;
pub mod cities;
pub mod cli;
pub mod config;
pub mod doors;
pub mod geo;
pub mod machines;
pub mod new_loads;
pub mod payments;
pub mod retention;
pub mod sandbox;
pub mod shippers;
mod startup;
pub mod telegram;
pub mod telemetry;
mod web;

pub use startup::{
    Application, StartError, manage_admins, manage_secrets, manage_service_tokens, migrate, serve,
};

#[cfg(test)]
mod outside_input;

//! What an operator sees of a running instance: its logs ([`init`]) and its metrics, read at
//! `/metrics` in Prometheus's text format (see [`metrics`] for every family and what it means).

mod logs;
pub mod metrics;

pub use logs::init;

//! Freight from the exchange: the types and rules both the browser and the server use.

pub mod card;
pub mod dictionary;
pub mod filter;
pub mod place;
pub mod response;
pub mod saved;
pub mod shipper;

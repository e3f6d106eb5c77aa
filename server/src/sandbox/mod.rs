//! The built-in stand-ins for the outside systems: the embedded default and the tests use them
//! instead of real accounts.

pub mod cargotech;
pub mod telegram;

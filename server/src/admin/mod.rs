//! The admin dashboard's accounts and how they sign in: passwords (hashed off the async runtime),
//! sessions, the login gate and throttle, and the optional second factor, and the `hauler admin`
//! commands; and the drivers list's query. The dashboard's JSON API is in the web layer; the
//! pages themselves are the `admin` crate, a bundle of their own.

pub mod accounts;
pub mod commands;
pub mod driver_list;
pub mod login_gate;
pub mod passwords;
pub mod second_factor;
pub mod sessions;
pub mod throttle;

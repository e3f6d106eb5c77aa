//! What the cargotech connection page and its API speak.

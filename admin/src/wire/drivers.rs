//! What the drivers page and its API speak.

//! What the payments page and its API speak.

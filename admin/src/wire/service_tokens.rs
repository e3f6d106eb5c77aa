//! What the service tokens page and its API speak.

//! What the settings and secrets page and its API speak.

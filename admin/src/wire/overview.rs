//! What the overview page and its API speak.

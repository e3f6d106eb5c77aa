//! What the audit log page and its API speak.

//! The admin dashboard's operations pages over HTTP.

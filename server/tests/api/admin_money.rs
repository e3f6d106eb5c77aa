//! The admin dashboard's money pages over HTTP.

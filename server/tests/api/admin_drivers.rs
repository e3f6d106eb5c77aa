//! The admin dashboard's drivers pages over HTTP.

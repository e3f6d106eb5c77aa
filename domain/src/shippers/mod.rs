//! Shippers a driver can trust. Hauler notes every load its lists and cards show ([`sightings`]),
//! asks drivers a day after a response how it went ([`reports`], counted once a moderator approves
//! them), and scores each shipper by one formula ([`score`]) from what it knows of them
//! ([`profile`]).

pub mod profile;
pub mod reports;
pub mod score;
pub mod sightings;

//! The public doors: everything a signed-in driver (or anybody, for signing in) can make the server
//! do that costs something — a session, a trial, a promo code tried, a payment opened, a response
//! sent to a shipper, a filter saved, a live feed held open. Each door takes so many knocks per
//! driver and per client address in its window (`LIMIT_*`); past that, a knock is refused with the
//! time until the window ends, before anything happens, so nothing a driver had is lost. Beneath
//! the doors, every request a signed-in driver makes keeps to their pace on this instance (see
//! [`Pace`]).
//!
//! Who knocks is read by [`TrustedProxies`], the one reading of client addresses that the payment
//! notifications' address check and the admin login throttle share.

mod client;
mod limits;
mod live;
mod pace;

pub use client::{TrustedProxies, contains};
pub use limits::{Door, Doors, Refused};
pub use live::{LiveConnections, LiveTicket};
pub use pace::Pace;

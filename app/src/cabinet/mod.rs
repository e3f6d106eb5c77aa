//! The exchange's web cabinet through Hauler: the types that cross the wire about passes and
//! signing a browser in, and the Mini App's "Кабинет" page (`/passes`) that lists the driver's
//! passes, sells new ones and makes the one-time link that opens the cabinet on a computer.

mod page;
mod texts;
mod wire;

pub use page::CabinetPage;
pub use wire::*;

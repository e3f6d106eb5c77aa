//! Searches by place in the Mini App: loads near the driver (asking Telegram, else the browser,
//! for the location, and falling back to a city the driver picks), loads along a route, and the
//! return load a card offers. The wire types are in [`crate::cargo::place`].

mod page;
mod texts;

pub use page::{AlongPage, BackHomePage, NearPage};
pub use texts::{PlaceTexts, use_place_texts};

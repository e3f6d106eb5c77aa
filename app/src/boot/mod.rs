//! The loads before the bundle. Telegram's launch data lives in the URL fragment, which the server
//! never sees, so the server cannot render a driver's loads; a small inline script ([`SCRIPT`])
//! signs the driver in and asks for the first page while the WASM downloads, and draws those
//! cards at once. The app then takes over what the script got rather than signing in and asking
//! again: with the first page, it renders itself anew over the script's cards (same markup, so
//! nothing moves); with the sign-in alone (no access, a failed list), it hydrates the server's
//! page and starts from that sign-in.

use crate::{cargo::card::CargoPage, session::SignedIn};

/// The inline script, put into every page's `<head>` by [`crate::shell`].
pub const SCRIPT: &str = include_str!("boot.js");

/// What the inline script got.
#[derive(Debug, Clone, PartialEq)]
pub struct Boot {
    pub signed_in: SignedIn,
    /// The first page of the driver's list, when they have access and it came.
    pub page: Option<CargoPage>,
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;

    use js_sys::{Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::Boot;

    thread_local! {
        static TAKEN: RefCell<Option<Boot>> = const { RefCell::new(None) };
    }

    /// Waits for the inline script, if it started, and keeps what it got for the app to start
    /// from. Says whether the first page came (then the app renders anew rather than hydrate).
    pub async fn take_over() -> bool {
        let Some(promise) = web_sys::window()
            .and_then(|window| Reflect::get(&window, &"__hauler_boot".into()).ok())
            .and_then(|value| value.dyn_into::<Promise>().ok())
        else {
            return false;
        };
        let Ok(got) = JsFuture::from(promise).await else {
            return false;
        };
        let field = |name: &str| Reflect::get(&got, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let Some(signed_in) = crate::api::from_json(field("signed_in")) else {
            return false;
        };
        let page = crate::api::from_json(field("page"));
        let rendered = page.is_some();
        TAKEN.with(|taken| *taken.borrow_mut() = Some(Boot { signed_in, page }));
        rendered
    }

    pub fn with<T>(read: impl FnOnce(&mut Option<Boot>) -> T) -> T {
        TAKEN.with(|taken| read(&mut taken.borrow_mut()))
    }
}

#[cfg(feature = "hydrate")]
pub use browser::take_over;

/// The sign-in the inline script made: the app starts from it rather than sign in again.
pub fn signed_in() -> Option<SignedIn> {
    #[cfg(feature = "hydrate")]
    {
        browser::with(|boot| boot.as_ref().map(|boot| boot.signed_in.clone()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Whether the app renders anew over the script's cards, starting signed in with the first
/// page (rather than hydrating the server's page, which starts with neither).
pub fn rendered() -> bool {
    #[cfg(feature = "hydrate")]
    {
        browser::with(|boot| boot.as_ref().is_some_and(|boot| boot.page.is_some()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// The first page the inline script got, taken once by the board.
pub fn take_first_page() -> Option<CargoPage> {
    #[cfg(feature = "hydrate")]
    {
        browser::with(|boot| boot.as_mut().and_then(|boot| boot.page.take()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

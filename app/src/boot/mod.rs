//! The loads before the bundle. Telegram's launch data lives in the URL fragment, which the server
//! never sees, so the server cannot render a driver's loads; a small inline script ([`SCRIPT`])
//! signs the driver in and asks for the first page while the WASM downloads, and draws those
//! cards at once. The app then takes over what the script got rather than signing in and asking
//! again: with the first page drawn, it renders itself anew over the script's cards (same markup,
//! so nothing moves); with the sign-in alone (no access, a failed list), it hydrates the server's
//! page and starts from that sign-in; when it comes before the script's answers (its code was
//! cached), it hydrates at once and waits for them.

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
    use crate::session::SignedIn;

    thread_local! {
        /// What the script got, once the app has it.
        static TAKEN: RefCell<Option<Boot>> = const { RefCell::new(None) };
        /// The script's answers, while they are still on their way.
        static WAITING: RefCell<Option<Promise>> = const { RefCell::new(None) };
    }

    fn global(name: &str) -> JsValue {
        web_sys::window()
            .and_then(|window| Reflect::get(&window, &name.into()).ok())
            .unwrap_or(JsValue::UNDEFINED)
    }

    fn read(got: &JsValue) -> Option<Boot> {
        let field = |name: &str| Reflect::get(got, &name.into()).unwrap_or(JsValue::UNDEFINED);
        Some(Boot {
            signed_in: crate::api::from_json(field("signed_in"))?,
            page: crate::api::from_json(field("page")),
        })
    }

    /// Takes over from the inline script, if it started, before the app renders: what it got,
    /// when it has it (says whether the first page came and was drawn, so the app renders anew),
    /// else the promise of it (the script then draws nothing: the app draws the page).
    pub fn take_over() -> bool {
        let Some(window) = web_sys::window() else {
            return false;
        };
        let _ = Reflect::set(&window, &"__hauler_boot_taken".into(), &JsValue::TRUE);
        let got = global("__hauler_booted");
        if !got.is_undefined() {
            let boot = read(&got);
            let drawn = boot.as_ref().is_some_and(|boot| boot.page.is_some());
            TAKEN.with(|taken| *taken.borrow_mut() = boot);
            return drawn;
        }
        if let Ok(promise) = global("__hauler_boot").dyn_into::<Promise>() {
            WAITING.with(|waiting| *waiting.borrow_mut() = Some(promise));
        }
        false
    }

    pub fn with<T>(read: impl FnOnce(&mut Option<Boot>) -> T) -> T {
        TAKEN.with(|taken| read(&mut taken.borrow_mut()))
    }

    pub fn signing_in() -> bool {
        WAITING.with(|waiting| waiting.borrow().is_some())
    }

    pub async fn signed_in_later() -> Option<SignedIn> {
        let promise = WAITING.with(|waiting| waiting.borrow_mut().take())?;
        let boot = read(&JsFuture::from(promise).await.ok()?)?;
        let signed_in = boot.signed_in.clone();
        TAKEN.with(|taken| *taken.borrow_mut() = Some(boot));
        Some(signed_in)
    }
}

#[cfg(feature = "hydrate")]
pub use browser::take_over;

/// Whether the inline script is still signing in (the app came first): the app waits for its
/// answer ([`signed_in_later`]) rather than sign in a second time.
pub fn signing_in() -> bool {
    #[cfg(feature = "hydrate")]
    {
        browser::signing_in()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// The inline script's sign-in, once it comes; `None` if it failed (the app then signs in).
pub async fn signed_in_later() -> Option<SignedIn> {
    #[cfg(feature = "hydrate")]
    {
        browser::signed_in_later().await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

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

/// The first page the inline script got, taken once by the board (at once when the app renders
/// anew, when the sign-in comes when the app came first).
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

//! The loads before the bundle. Telegram's launch data lives in the URL fragment, which the server
//! never sees, so the server cannot render a driver's loads; a small inline script ([`SCRIPT`])
//! signs the driver in and asks for the first page while the WASM downloads, and draws those
//! cards at once. The app then takes over what the script got rather than signing in and asking
//! again: it renders itself in place of the page, starting from the script's sign-in and, when it
//! came, its first page (same markup as the script's cards, so nothing moves); when it comes
//! before the script's answers (its code was cached), it renders at once and waits for them.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::{cargo::card::CargoPage, session::SignedIn};

/// The inline script as written. Every page's `<head>` carries it ([`crate::shell`]), minified
/// when the site is built (`cargo xtask site` writes it beside the stylesheet).
pub const SCRIPT: &str = include_str!("boot.js");

/// What the inline script got.
#[derive(Debug, Clone, PartialEq)]
pub struct Boot {
    pub signed_in: SignedIn,
    /// The first page of the driver's list, when they have access and it came.
    pub page: Option<CargoPage>,
}

#[cfg(feature = "browser")]
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
    /// when it has it, else the promise of it (the script then draws nothing: the app draws the
    /// page).
    pub fn take_over() {
        let Some(window) = web_sys::window() else {
            return;
        };
        let _ = Reflect::set(&window, &"__hauler_boot_taken".into(), &JsValue::TRUE);
        let got = global("__hauler_booted");
        if !got.is_undefined() {
            TAKEN.with(|taken| *taken.borrow_mut() = read(&got));
        } else if let Ok(promise) = global("__hauler_boot").dyn_into::<Promise>() {
            WAITING.with(|waiting| *waiting.borrow_mut() = Some(promise));
        }
    }

    pub fn with<T>(read: impl FnOnce(&mut Option<Boot>) -> T) -> T {
        TAKEN.with(|taken| read(&mut taken.borrow_mut()))
    }

    pub fn signing_in() -> bool {
        WAITING.with(|waiting| waiting.borrow().is_some())
    }

    /// The card tapped among the script's cards before the app came, once.
    pub fn tapped_card() -> Option<u64> {
        let window = web_sys::window()?;
        let key = JsValue::from("__hauler_tapped");
        let tapped = Reflect::get(&window, &key).ok()?;
        let _ = Reflect::set(&window, &key, &JsValue::UNDEFINED);
        tapped.as_string()?.parse().ok()
    }

    pub async fn signed_in_later() -> Option<SignedIn> {
        let promise = WAITING.with(|waiting| waiting.borrow_mut().take())?;
        let boot = read(&JsFuture::from(promise).await.ok()?)?;
        let signed_in = boot.signed_in.clone();
        TAKEN.with(|taken| *taken.borrow_mut() = Some(boot));
        Some(signed_in)
    }
}

#[cfg(feature = "browser")]
pub use browser::take_over;

/// Whether the inline script is still signing in (the app came first): the app waits for its
/// answer ([`signed_in_later`]) rather than sign in a second time.
pub fn signing_in() -> bool {
    #[cfg(feature = "browser")]
    {
        browser::signing_in()
    }
    #[cfg(not(feature = "browser"))]
    {
        false
    }
}

/// The inline script's sign-in, once it comes; `None` if it failed (the app then signs in).
pub async fn signed_in_later() -> Option<SignedIn> {
    #[cfg(feature = "browser")]
    {
        browser::signed_in_later().await
    }
    #[cfg(not(feature = "browser"))]
    {
        None
    }
}

/// The sign-in the inline script made: the app starts from it rather than sign in again.
pub fn signed_in() -> Option<SignedIn> {
    #[cfg(feature = "browser")]
    {
        browser::with(|boot| boot.as_ref().map(|boot| boot.signed_in.clone()))
    }
    #[cfg(not(feature = "browser"))]
    {
        None
    }
}

/// The first page the inline script got, taken once by the board: at once when the script had it
/// before the app came, else when the script's sign-in comes.
pub fn take_first_page() -> Option<CargoPage> {
    #[cfg(feature = "browser")]
    {
        browser::with(|boot| boot.as_mut().and_then(|boot| boot.page.take()))
    }
    #[cfg(not(feature = "browser"))]
    {
        None
    }
}

/// A card the driver tapped among the inline script's cards, before the app had come alive,
/// opens now: the tap is not lost, and the card's page is not loaded anew (which would start the
/// app's code over).
#[component]
pub fn OpenTappedCard() -> impl IntoView {
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(id) = tapped_card() {
            navigate(&format!("/cargo/{id}"), Default::default());
        }
    });
}

/// The card tapped among the inline script's cards before the app came, if one was; once.
fn tapped_card() -> Option<u64> {
    #[cfg(feature = "browser")]
    {
        browser::tapped_card()
    }
    #[cfg(not(feature = "browser"))]
    {
        None
    }
}

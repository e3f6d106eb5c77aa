//! A thin, safe facade over Telegram's `window.Telegram.WebApp`. Outside Telegram (or on the
//! server) every call is a no-op, so pages never need to ask where they run; the components in
//! [`crate::actions`] draw in-page stand-ins for Telegram's buttons where there are none.

#[cfg(feature = "browser")]
mod browser {
    use std::{cell::RefCell, rc::Rc};

    use js_sys::{Array, Function, Reflect};
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};

    pub(super) fn path(path: &[&str]) -> Option<JsValue> {
        let mut value: JsValue = web_sys::window()?.into();
        for step in ["Telegram", "WebApp"].iter().chain(path) {
            value = Reflect::get(&value, &(*step).into()).ok()?;
            if value.is_undefined() || value.is_null() {
                return None;
            }
        }
        Some(value)
    }

    /// Calls `WebApp.<object…>.<method>(args…)`; a throwing Telegram call never takes the page down.
    pub(super) fn call(object: &[&str], method: &str, args: &[JsValue]) {
        if let Some(target) = path(object)
            && let Ok(function) = Reflect::get(&target, &method.into())
            && let Some(function) = function.dyn_ref::<Function>()
        {
            let _ = function.apply(&target, &args.iter().collect::<Array>());
        }
    }

    pub(super) fn string(property: &str) -> Option<String> {
        path(&[property])?.as_string()
    }

    /// The current click handler of each button (0: MainButton, 1: BackButton).
    type Handler = Option<Rc<dyn Fn()>>;

    thread_local! {
        static HANDLERS: RefCell<[Handler; 2]> = RefCell::new([None, None]);
        static LISTENING: RefCell<[bool; 2]> = const { RefCell::new([false, false]) };
    }

    /// Points a Telegram button's click at `handler`. One JS listener per button is registered
    /// once and dispatches to the current handler, so pages swap handlers freely.
    pub(super) fn on_click(button: usize, object: &'static str, handler: Option<Rc<dyn Fn()>>) {
        HANDLERS.with(|handlers| handlers.borrow_mut()[button] = handler);
        let first = LISTENING
            .with(|listening| !std::mem::replace(&mut listening.borrow_mut()[button], true));
        if first {
            let dispatch = Closure::<dyn Fn()>::new(move || {
                let handler = HANDLERS.with(|handlers| handlers.borrow()[button].clone());
                if let Some(handler) = handler {
                    handler();
                }
            });
            call(&[object], "onClick", &[dispatch.as_ref().clone()]);
            // Lives as long as the page.
            dispatch.forget();
        }
    }
}

/// Tells Telegram the app has loaded (hides its placeholder), asks for the full height, and keeps
/// vertical swipes for the app (pull-to-refresh) rather than for closing it.
pub fn announce_ready() {
    #[cfg(feature = "browser")]
    {
        browser::call(&[], "ready", &[]);
        browser::call(&[], "expand", &[]);
        browser::call(&[], "disableVerticalSwipes", &[]);
    }
}

/// The Telegram client's platform ("android", "ios", "tdesktop", …), or `None` outside Telegram.
pub fn platform() -> Option<String> {
    #[cfg(feature = "browser")]
    {
        browser::string("platform").filter(|platform| platform != "unknown")
    }
    #[cfg(not(feature = "browser"))]
    {
        None
    }
}

/// The raw launch data (`initData`), or `None` outside Telegram.
pub fn init_data() -> Option<String> {
    #[cfg(feature = "browser")]
    {
        browser::string("initData").filter(|data| !data.is_empty())
    }
    #[cfg(not(feature = "browser"))]
    {
        None
    }
}

/// The driver's Telegram language code (`ru`, `en`, …), when Telegram says.
pub fn language() -> Option<String> {
    #[cfg(feature = "browser")]
    {
        browser::path(&["initDataUnsafe", "user", "language_code"])?.as_string()
    }
    #[cfg(not(feature = "browser"))]
    {
        None
    }
}

/// The Telegram user's id as the client says (unsigned: good for choosing what this device
/// kept, never for trusting).
pub fn user_id() -> Option<i64> {
    #[cfg(feature = "browser")]
    {
        browser::path(&["initDataUnsafe", "user", "id"])?
            .as_f64()
            .map(|id| id as i64)
    }
    #[cfg(not(feature = "browser"))]
    {
        None
    }
}

/// What the bot's link put after `startapp=` (`payment-42` on the way back from paying), when
/// Telegram opened the app through such a link.
pub fn start_param() -> Option<String> {
    #[cfg(feature = "browser")]
    {
        browser::path(&["initDataUnsafe", "start_param"])?
            .as_string()
            .filter(|param| !param.is_empty())
    }
    #[cfg(not(feature = "browser"))]
    {
        None
    }
}

/// Opens an outside page (YooKassa's checkout): Telegram opens it in the browser and keeps the
/// app open underneath; outside Telegram it opens in a new tab.
pub fn open_link(url: &str) {
    #[cfg(feature = "browser")]
    {
        if platform().is_some() {
            browser::call(&[], "openLink", &[url.into()]);
        } else if let Some(window) = web_sys::window() {
            let _ = window.open_with_url_and_target(url, "_blank");
        }
    }
    #[cfg(not(feature = "browser"))]
    let _ = url;
}

/// Opens a Telegram Stars invoice (`https://t.me/$…`) in Telegram's own payment sheet; the app
/// learns the outcome by asking the server, so the sheet's callback is not needed.
pub fn open_invoice(url: &str) {
    #[cfg(feature = "browser")]
    browser::call(&[], "openInvoice", &[url.into()]);
    #[cfg(not(feature = "browser"))]
    let _ = url;
}

/// The tactile answer to what the driver just did.
#[derive(Debug, Clone, Copy)]
pub enum Haptic {
    /// A tap on something that acts (a button, a card).
    Tap,
    /// A choice changed (a chip, a preset).
    Selection,
    Success,
    Error,
}

pub fn haptic(kind: Haptic) {
    #[cfg(feature = "browser")]
    {
        let object = &["HapticFeedback"];
        match kind {
            Haptic::Tap => browser::call(object, "impactOccurred", &["light".into()]),
            Haptic::Selection => browser::call(object, "selectionChanged", &[]),
            Haptic::Success => browser::call(object, "notificationOccurred", &["success".into()]),
            Haptic::Error => browser::call(object, "notificationOccurred", &["error".into()]),
        }
    }
    #[cfg(not(feature = "browser"))]
    let _ = kind;
}

/// Telegram's MainButton, the one primary action at the bottom of the screen.
pub mod main_button {
    /// Shows the button with `text`; `busy` shows Telegram's spinner and ignores taps.
    pub fn show(text: &str, busy: bool) {
        #[cfg(feature = "browser")]
        {
            let object = &["MainButton"];
            super::browser::call(object, "setText", &[text.into()]);
            if busy {
                super::browser::call(object, "showProgress", &[false.into()]);
            } else {
                super::browser::call(object, "hideProgress", &[]);
            }
            super::browser::call(object, "show", &[]);
        }
        #[cfg(not(feature = "browser"))]
        let _ = (text, busy);
    }

    /// Hides the button but keeps its handler (the page still owns it).
    pub fn hide_button() {
        #[cfg(feature = "browser")]
        {
            super::browser::call(&["MainButton"], "hideProgress", &[]);
            super::browser::call(&["MainButton"], "hide", &[]);
        }
    }

    /// Hides the button and forgets its handler (the page is gone).
    pub fn hide() {
        hide_button();
        #[cfg(feature = "browser")]
        super::browser::on_click(0, "MainButton", None);
    }

    pub fn on_press(handler: impl Fn() + 'static) {
        #[cfg(feature = "browser")]
        super::browser::on_click(0, "MainButton", Some(std::rc::Rc::new(handler)));
        #[cfg(not(feature = "browser"))]
        let _ = handler;
    }
}

/// Telegram's BackButton, in the header.
pub mod back_button {
    pub fn show(handler: impl Fn() + 'static) {
        #[cfg(feature = "browser")]
        {
            super::browser::on_click(1, "BackButton", Some(std::rc::Rc::new(handler)));
            super::browser::call(&["BackButton"], "show", &[]);
        }
        #[cfg(not(feature = "browser"))]
        let _ = handler;
    }

    pub fn hide() {
        #[cfg(feature = "browser")]
        {
            super::browser::call(&["BackButton"], "hide", &[]);
            super::browser::on_click(1, "BackButton", None);
        }
    }
}

/// Where the driver is: Telegram's LocationManager (Bot API 8.0) where the client has it, the
/// browser's geolocation otherwise. Either may be refused, or have no location to give.
pub mod location {
    /// What asking for the location came to.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub enum Located {
        At {
            lat: f64,
            lon: f64,
        },
        /// The driver said no (or said no before, and Telegram remembers).
        Refused,
        /// Nothing to ask: no LocationManager, no geolocation, or no fix.
        Unavailable,
    }

    /// Asks for the location once and hands the outcome to `done` (never, on the server), within
    /// 30 seconds at most: whatever has not answered by then is `Unavailable`.
    pub fn locate(done: impl FnOnce(Located) + 'static) {
        #[cfg(feature = "browser")]
        browser::locate(Box::new(done));
        #[cfg(not(feature = "browser"))]
        let _ = done;
    }

    #[cfg(feature = "browser")]
    mod browser {
        use std::{
            cell::{Cell, RefCell},
            rc::Rc,
            time::Duration,
        };

        use js_sys::{Function, Object, Reflect};
        use leptos::prelude::set_timeout;
        use wasm_bindgen::{JsCast, JsValue, closure::Closure};

        use super::Located;

        type Done = Box<dyn FnOnce(Located)>;
        /// The outcome's one way back, shared by whichever answer comes first.
        type Finish = Rc<dyn Fn(Located)>;

        /// How long Telegram's LocationManager has to say whether it can locate at all (no
        /// prompt is involved) before the browser's geolocation is asked instead.
        const TELEGRAM_SILENT: Duration = Duration::from_secs(5);
        /// How long a driver waits in all, a permission prompt included, before choosing a city.
        const GIVE_UP: Duration = Duration::from_secs(30);

        fn get(value: &JsValue, key: &str) -> Option<JsValue> {
            Reflect::get(value, &key.into())
                .ok()
                .filter(|v| !v.is_undefined() && !v.is_null())
        }

        fn call(target: &JsValue, method: &str, args: &[JsValue]) -> bool {
            let Some(function) = get(target, method) else {
                return false;
            };
            let Some(function) = function.dyn_ref::<Function>() else {
                return false;
            };
            function
                .apply(target, &args.iter().collect::<js_sys::Array>())
                .is_ok()
        }

        fn number(value: &JsValue, key: &str) -> Option<f64> {
            get(value, key)?.as_f64()
        }

        /// `done`, called once: later answers (after the deadline) are dropped.
        fn once(done: Done) -> Finish {
            let done = RefCell::new(Some(done));
            Rc::new(move |located| {
                if let Some(done) = done.borrow_mut().take() {
                    done(located);
                }
            })
        }

        pub(super) fn locate(done: Done) {
            let finish = once(done);
            let late = Rc::clone(&finish);
            set_timeout(move || late(Located::Unavailable), GIVE_UP);
            let manager = crate::telegram::browser::path(&["LocationManager"]);
            let recent = crate::telegram::browser::path(&[]).is_some_and(|web_app| {
                get(&web_app, "isVersionAtLeast")
                    .and_then(|f| f.dyn_into::<Function>().ok())
                    .and_then(|f| f.call1(&web_app, &"8.0".into()).ok())
                    .is_some_and(|yes| yes.is_truthy())
            });
            match manager {
                Some(manager) if recent => from_telegram(manager, finish),
                _ => from_browser(finish),
            }
        }

        /// `LocationManager.init`, then `getLocation`: its callback gets `null` when the driver
        /// refused (now or before). A client whose manager has no location, or does not answer
        /// `init` in time, falls back to the browser's.
        fn from_telegram(manager: JsValue, finish: Finish) {
            let answered = Rc::new(Cell::new(false));
            let silent = Rc::clone(&answered);
            let instead = Rc::clone(&finish);
            set_timeout(
                move || {
                    if !silent.replace(true) {
                        from_browser(instead);
                    }
                },
                TELEGRAM_SILENT,
            );
            let target = manager.clone();
            let inited = Closure::once_into_js(move || {
                if answered.replace(true) {
                    return; // too late: the browser was asked instead
                }
                let available = get(&target, "isLocationAvailable").is_some_and(|v| v.is_truthy());
                if !available {
                    return from_browser(finish);
                }
                let got = Closure::once_into_js(move |data: JsValue| {
                    finish(
                        match (number(&data, "latitude"), number(&data, "longitude")) {
                            (Some(lat), Some(lon)) => Located::At { lat, lon },
                            _ => Located::Refused,
                        },
                    )
                });
                call(&target, "getLocation", &[got]);
            });
            call(&manager, "init", &[inited]);
        }

        /// `navigator.geolocation.getCurrentPosition`; error code 1 is a refusal.
        fn from_browser(finish: Finish) {
            let Some(geolocation) = web_sys::window()
                .and_then(|window| get(&window.into(), "navigator"))
                .and_then(|navigator| get(&navigator, "geolocation"))
            else {
                return finish(Located::Unavailable);
            };
            let on_error = Rc::clone(&finish);
            let success = Closure::once_into_js(move |position: JsValue| {
                let coords = get(&position, "coords").unwrap_or(JsValue::NULL);
                finish(
                    match (number(&coords, "latitude"), number(&coords, "longitude")) {
                        (Some(lat), Some(lon)) => Located::At { lat, lon },
                        _ => Located::Unavailable,
                    },
                )
            });
            let failure = Closure::once_into_js(move |error: JsValue| {
                on_error(if number(&error, "code") == Some(1.0) {
                    Located::Refused
                } else {
                    Located::Unavailable
                })
            });
            let options = Object::new();
            let _ = Reflect::set(&options, &"timeout".into(), &15_000.into());
            let _ = Reflect::set(&options, &"maximumAge".into(), &300_000.into());
            call(
                &geolocation,
                "getCurrentPosition",
                &[success, failure, options.into()],
            );
        }
    }
}

//! A thin, safe facade over Telegram's `window.Telegram.WebApp`. Outside Telegram (or on the
//! server) every call is a no-op, so pages never need to ask where they run.

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    pub(super) fn web_app() -> Option<JsValue> {
        let window = web_sys::window()?;
        let telegram = Reflect::get(&window, &"Telegram".into()).ok()?;
        let web_app = Reflect::get(&telegram, &"WebApp".into()).ok()?;
        (!web_app.is_undefined() && !web_app.is_null()).then_some(web_app)
    }

    pub(super) fn call(method: &str) {
        if let Some(web_app) = web_app()
            && let Ok(function) = Reflect::get(&web_app, &method.into())
            && let Some(function) = function.dyn_ref::<Function>()
        {
            // A throwing Telegram call must never take the page down.
            let _ = function.call0(&web_app);
        }
    }

    pub(super) fn string(property: &str) -> Option<String> {
        Reflect::get(&web_app()?, &property.into())
            .ok()?
            .as_string()
    }

    pub(super) fn path(path: &[&str]) -> Option<JsValue> {
        let mut value = web_app()?;
        for step in path {
            value = Reflect::get(&value, &(*step).into()).ok()?;
            if value.is_undefined() || value.is_null() {
                return None;
            }
        }
        Some(value)
    }
}

/// Tells Telegram the app has loaded (hides its placeholder) and asks for the full height.
pub fn announce_ready() {
    #[cfg(feature = "hydrate")]
    {
        browser::call("ready");
        browser::call("expand");
    }
}

/// The Telegram client's platform ("android", "ios", "tdesktop", …), or `None` outside Telegram.
pub fn platform() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        browser::string("platform").filter(|platform| platform != "unknown")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// The raw launch data (`initData`), or `None` outside Telegram.
pub fn init_data() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        browser::string("initData").filter(|data| !data.is_empty())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// The driver's Telegram language code (`ru`, `en`, …), when Telegram says.
pub fn language() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        browser::path(&["initDataUnsafe", "user", "language_code"])?.as_string()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

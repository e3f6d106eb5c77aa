//! The session kept on the device (`localStorage`), for the Telegram user it belongs to, so a
//! reloaded or reopened app renews it instead of showing launch data that has grown old. Another
//! Telegram account on the same device never picks it up. Where storage is unavailable (a private
//! window, a locked-down WebView) nothing is kept and every open signs in afresh.

mod storage {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    const KEY: &str = "hauler.session";

    /// Calls `localStorage.<method>(args…)`; any failure (storage off, quota) is no value.
    fn call(method: &str, args: &[JsValue]) -> Option<JsValue> {
        let window: JsValue = web_sys::window()?.into();
        let storage = Reflect::get(&window, &"localStorage".into()).ok()?;
        let function = Reflect::get(&storage, &method.into()).ok()?;
        let function = function.dyn_ref::<Function>()?;
        let args: js_sys::Array = args.iter().collect();
        function.apply(&storage, &args).ok()
    }

    pub fn read() -> Option<String> {
        call("getItem", &[KEY.into()])?.as_string()
    }

    pub fn write(value: &str) {
        call("setItem", &[KEY.into(), value.into()]);
    }

    pub fn remove() {
        call("removeItem", &[KEY.into()]);
    }
}

/// The kept token, if it is this Telegram user's.
pub fn token_for(telegram_id: i64) -> Option<String> {
    let kept = storage::read()?;
    let (owner, token) = kept.split_once(':')?;
    (owner.parse::<i64>().ok()? == telegram_id && !token.is_empty()).then(|| token.to_owned())
}

pub fn keep(telegram_id: i64, token: &str) {
    storage::write(&format!("{telegram_id}:{token}"));
}

pub fn forget() {
    storage::remove();
}

//! The browser entry: hydrates the server-rendered page. Only built for `wasm32`.
//!
//! Pages other than the loads list live in chunks of their own (`#[lazy_route]` in `app`), which
//! `cargo xtask site` splits off after linking; hydrating lazily waits for the chunk of the page
//! the server rendered before taking over its HTML.

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::telegram::announce_ready();
    leptos::mount::hydrate_lazy(app::App);
}

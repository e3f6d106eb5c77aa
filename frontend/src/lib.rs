//! The browser entry: hydrates the server-rendered page. Only built for `wasm32`.
//!
//! Pages other than the loads list live in chunks of their own (`#[lazy_route]` in `app`), which
//! `cargo xtask site` splits off after linking. The chunk of the page the server rendered is
//! fetched first (the server has already asked the browser to preload it), then the page is
//! hydrated in one go.

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::telegram::announce_ready();
    wasm_bindgen_futures::spawn_local(async {
        app::load_current_page().await;
        leptos::mount::hydrate_body(app::App);
    });
}

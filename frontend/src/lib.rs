//! The browser entry: hydrates the server-rendered page. Only built for `wasm32`.
//!
//! Pages other than the loads list live in chunks of their own (`#[lazy_route]` in `app`), which
//! `cargo xtask site` splits off after linking. The chunk of the page the server rendered is
//! fetched first (the server has already asked the browser to preload it), then the page is
//! hydrated in one go.
//!
//! On the loads list, the page's inline script may have signed the driver in and drawn the first
//! cards before this module came (`app::boot`). The app takes over what it got: with the cards,
//! it renders itself anew in their place (in the same task, so the browser never paints between
//! the two); with the sign-in alone, or before the script's answers, it hydrates and starts from
//! that sign-in once it has it.

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::telegram::announce_ready();
    wasm_bindgen_futures::spawn_local(async {
        app::load_current_page().await;
        if app::boot::take_over() {
            let body = leptos::prelude::document()
                .body()
                .expect("the page has a body");
            body.set_text_content(None);
            leptos::mount::mount_to_body(app::App);
        } else {
            leptos::mount::hydrate_body(app::App);
        }
    });
}

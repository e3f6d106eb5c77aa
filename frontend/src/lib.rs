//! The browser entry: renders the Mini App over the server's page. Only built for `wasm32`.
//!
//! Pages other than the loads list live in chunks of their own (`#[lazy_route]` in `app`), which
//! `cargo xtask site` splits off after linking. The chunk of the page the server rendered is
//! fetched first (the server has already asked the browser to preload it), then the app renders.
//!
//! The app renders anew in place of the server's page rather than hydrating it. The server cannot
//! know the driver (Telegram's launch data lives in the URL fragment), so its page is the app's
//! skeleton, which the app draws again in the same task: the browser never paints between the
//! two. Leaving hydration out takes its code out of the bundle (15 % of the module).
//!
//! On the loads list, the page's inline script may have signed the driver in and drawn the first
//! cards before this module came (`app::boot`). The app takes over what it got: it starts signed
//! in, with those cards, in their place; before the script's answers, it waits for them.

/// Named `hydrate` because the server's page calls it by that name (leptos's `HydrationScripts`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::telegram::announce_ready();
    wasm_bindgen_futures::spawn_local(async {
        app::load_current_page().await;
        app::boot::take_over();
        let body = leptos::prelude::document()
            .body()
            .expect("the page has a body");
        body.set_text_content(None);
        leptos::mount::mount_to_body(app::App);
    });
}

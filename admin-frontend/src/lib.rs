//! The admin dashboard's browser entry: hydrates the server-rendered page. Only built for `wasm32`.

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(admin::AdminApp);
}

//! The dashboard's pages under `/admin`: rendered on the server, then hydrated by the admin
//! bundle (`/pkg/admin.js`), never by the drivers' one.

use axum::{Router, routing::get};
use leptos::prelude::LeptosOptions;

pub fn routes(options: LeptosOptions) -> Router {
    let mut options = options;
    options.output_name = "admin".into();
    let render = leptos_axum::render_app_to_stream_with_context(
        || {},
        move || admin::shell(options.clone()),
    );
    Router::new()
        .route("/admin", get(render.clone()))
        .route("/admin/{*page}", get(render))
}

//! The dashboard's pages under `/admin`: rendered on the server in the language the request asks
//! for (see `admin::i18n`), then hydrated by the admin bundle (`/pkg/admin.js`), never by the
//! drivers' one. Each is rendered on a thread of its own (see `web::rendering`).

use axum::{
    Router,
    body::Body,
    http::{
        HeaderMap, HeaderValue, Request,
        header::{ACCEPT_LANGUAGE, COOKIE, VARY},
    },
    response::Response,
    routing::get,
};
use leptos::prelude::{LeptosOptions, provide_context};

use admin::i18n::Lang;

use crate::web::rendering::rendered_on_one_thread;

pub fn routes(options: LeptosOptions) -> Router {
    let mut options = options;
    options.output_name = "admin".into();
    let render = move |request: Request<Body>| render(options.clone(), request);
    Router::new()
        .route("/admin", get(render.clone()))
        .route("/admin/{*page}", get(render))
}

async fn render(options: LeptosOptions, request: Request<Body>) -> Response {
    let lang = lang_of(request.headers());
    let page = leptos_axum::render_app_to_stream_with_context(
        move || provide_context(lang),
        move || admin::shell(options.clone()),
    );
    let mut response = rendered_on_one_thread(page(request)).await;
    response
        .headers_mut()
        .append(VARY, HeaderValue::from_static("cookie, accept-language"));
    response
}

fn lang_of(headers: &HeaderMap) -> Lang {
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
    Lang::of_request(text(COOKIE), text(ACCEPT_LANGUAGE))
}

//! Pages Leptos renders on the server (the Mini App's and the dashboard's), each rendered start
//! to finish on one thread that does nothing else meanwhile.
//!
//! Leptos keeps a render's reactive values in an arena that the thread running it points at, and
//! a value made of browser-only parts (`LocalStorage`) may be dropped only on the thread that made
//! it. A Tokio task moves between worker threads and shares each with other tasks, and Leptos's
//! server integration touches the render outside the wrappers that restore its arena. So a render
//! that resumed on another thread, or after another render on its own, found another render's
//! arena or none: the dashboard's title panicked (`no Arena is active`, a 500), and a driver's page
//! whose values were dropped on another thread than the one that made them aborted its
//! connection. With 16 clients at once on 8 worker threads, 1 page in 200 failed.
//!
//! Here the render and its whole body run on a thread of the blocking pool, driven by the runtime
//! like any task but alone on that thread until the page is complete; the page is then sent whole.
//! Nothing is lost by not streaming it: every page renders without waiting for data (the
//! browser asks for that), so its last byte is ready when its first is. A render is work for the
//! processor alone, so a few at a time keep every core busy: a crowd opening the app at once
//! waits its turn without a thread each (the pool would start up to 512).
//!
//! Leptos routes its server functions beside its pages; they render nothing and may wait on the
//! database, so they are answered as any request is, without taking a render's turn: a status
//! check waiting on a database that is away never holds up a page.

use std::sync::{Arc, LazyLock};

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::server_fn::axum::server_fn_paths;
use tokio::{runtime::Handle, sync::Semaphore};

/// Renders at once for each core.
const RENDERS_PER_CORE: usize = 2;

/// Middleware for the routes Leptos renders: see the module's documentation.
pub async fn whole_on_one_thread(request: Request, next: Next) -> Response {
    if is_server_function(request.uri().path()) {
        return next.run(request).await;
    }
    rendered_on_one_thread(next.run(request)).await
}

/// Whether `path` is one of the app's server functions rather than a page.
fn is_server_function(path: &str) -> bool {
    server_fn_paths().any(|(function, _)| function == path)
}

/// Runs `render` and reads its body on one thread of the blocking pool, and answers with the
/// complete page. A panic in the render is raised again here, where the panic layer answers 500.
pub async fn rendered_on_one_thread<F>(render: F) -> Response
where
    F: Future<Output = Response> + Send + 'static,
{
    let turn = Arc::clone(&TURNS)
        .acquire_owned()
        .await
        .expect("the turns to render are never closed");
    let runtime = Handle::current();
    let rendered = tokio::task::spawn_blocking(move || {
        // Held until the page is complete, even if the request is given up meanwhile.
        let _turn = turn;
        runtime.block_on(async move {
            let (parts, body) = render.await.into_parts();
            let body = to_bytes(body, usize::MAX).await;
            body.map(|bytes| Response::from_parts(parts, Body::from(bytes)))
        })
    })
    .await;
    match rendered {
        Ok(Ok(page)) => page,
        Ok(Err(error)) => {
            tracing::error!(%error, "a page's body failed while it was rendered");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
        // The runtime is shutting down.
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// The turns to render, [`RENDERS_PER_CORE`] for each core.
static TURNS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Arc::new(Semaphore::new(cores * RENDERS_PER_CORE))
});

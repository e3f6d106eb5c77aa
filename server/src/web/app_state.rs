//! What the Leptos pages, the server functions and the health checks are served from: the site's
//! options and the kernel's handles.

use axum::extract::FromRef;
use domain::Platform;
use leptos::prelude::LeptosOptions;

/// Cheap to clone; provided to server functions by the router.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub platform: Platform,
}

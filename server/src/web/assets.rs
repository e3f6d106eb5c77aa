//! The browser bundles' address and how long browsers keep them. `cargo xtask site` puts each
//! build in `pkg/<build>/`, `<build>` a hash of its files, and names it in `pkg/build`; pages
//! link that folder. A new build is a new address, so a phone keeps the files for good without
//! asking again, and never runs one build's module against another build's page.

use std::{path::Path, sync::Arc};

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};

/// The bundles' folder under the site root, as pages link it: `pkg/<build>`, or `pkg` when the
/// site has not been built with a build name (a page then still renders, without its bundle).
pub fn pkg_dir(site_root: &Path) -> String {
    let named = site_root.join("pkg/build");
    let build = std::fs::read_to_string(&named).unwrap_or_default();
    let build = build.trim();
    if !build.is_empty() && build.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return format!("pkg/{build}");
    }
    tracing::warn!(
        file = %named.display(),
        "no built site found; run `cargo xtask site` for the browser bundles"
    );
    "pkg".to_owned()
}

const KEEP_FOR_GOOD: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

/// What `keep_builds_for_good` is given: the build's address, `/pkg/<build>/`, when the site
/// has a build name.
pub fn build_prefix(pkg_dir: &str) -> Option<Arc<str>> {
    pkg_dir
        .strip_prefix("pkg/")
        .map(|_| format!("/{pkg_dir}/").into())
}

/// Marks a build's files as never changing.
pub async fn keep_builds_for_good(
    State(prefix): State<Option<Arc<str>>>,
    request: Request,
    next: Next,
) -> Response {
    let built = prefix.is_some_and(|prefix| request.uri().path().starts_with(prefix.as_ref()));
    let mut response = next.run(request).await;
    if built && response.status() == StatusCode::OK {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, KEEP_FOR_GOOD);
    }
    response
}

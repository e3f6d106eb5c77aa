//! The site's static files (the bundles, the stylesheets, Telegram's script), held in memory with
//! the brotli and gzip forms `cargo xtask site` made of each at build time: a browser gets the
//! form it accepts (brotli first) as it was made, with `Content-Encoding`, `Vary:
//! Accept-Encoding` and an `ETag` of its own (the file's time and length, and the form), and `304` when it already holds it. Nothing here is
//! compressed per request, and no file is read from disk after start.
//!
//! Other paths (pages, files added after start) go on to the router's fallback.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// One file and its compressed forms.
struct SiteFile {
    content_type: HeaderValue,
    /// A tag for each form: the content's hash, and which form.
    tags: [HeaderValue; 3],
    forms: [Option<Bytes>; 3],
}

/// The forms a file may be sent in, in order of preference.
#[derive(Clone, Copy)]
enum Form {
    Brotli = 0,
    Gzip = 1,
    Raw = 2,
}

impl Form {
    fn encoding(self) -> Option<HeaderValue> {
        match self {
            Self::Brotli => Some(HeaderValue::from_static("br")),
            Self::Gzip => Some(HeaderValue::from_static("gzip")),
            Self::Raw => None,
        }
    }
}

#[derive(Default)]
pub struct SiteFiles {
    by_path: HashMap<String, SiteFile>,
}

impl SiteFiles {
    /// Every file under the site root (with its `.br` and `.gz` forms when the build made them).
    pub fn load(site_root: &Path) -> Arc<Self> {
        let mut files = Self::default();
        let mut found = Vec::new();
        walk(site_root, &mut found);
        for path in found {
            let Ok(relative) = path.strip_prefix(site_root) else {
                continue;
            };
            let Some(relative) = relative.to_str() else {
                continue;
            };
            let Ok(raw) = std::fs::read(&path) else {
                continue;
            };
            let beside = |suffix: &str| {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                std::fs::read(PathBuf::from(name)).ok().map(Bytes::from)
            };
            // As nginx tags files: when it was written and its length, then the form.
            let written = std::fs::metadata(&path)
                .and_then(|meta| meta.modified())
                .ok()
                .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |at| at.as_secs());
            let length = raw.len();
            let tag = |form: &str| {
                HeaderValue::try_from(format!("\"{written:x}-{length:x}{form}\""))
                    .unwrap_or(HeaderValue::from_static("\"\""))
            };
            files.by_path.insert(
                format!("/{}", relative.replace('\\', "/")),
                SiteFile {
                    content_type: HeaderValue::from_static(content_type(&path)),
                    tags: [tag("-br"), tag("-gz"), tag("")],
                    forms: [beside(".br"), beside(".gz"), Some(Bytes::from(raw))],
                },
            );
        }
        tracing::debug!(files = files.by_path.len(), "site files held in memory");
        Arc::new(files)
    }
}

/// Answers a site file's request from memory; anything else goes on.
pub async fn serve(State(files): State<Arc<SiteFiles>>, request: Request, next: Next) -> Response {
    let head = request.method() == Method::HEAD;
    if !(head || request.method() == Method::GET) {
        return next.run(request).await;
    }
    let Some(file) = files.by_path.get(request.uri().path()) else {
        return next.run(request).await;
    };
    let headers = request.headers();
    let form = [Form::Brotli, Form::Gzip]
        .into_iter()
        .find(|form| file.forms[*form as usize].is_some() && accepts(headers, *form))
        .unwrap_or(Form::Raw);
    let tag = &file.tags[form as usize];
    let mut response = if holds(headers, tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = file.forms[form as usize].clone().unwrap_or_default();
        let length = HeaderValue::from(body.len());
        let mut response = if head {
            Response::new(Body::empty())
        } else {
            Response::new(Body::from(body))
        };
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, file.content_type.clone());
        headers.insert(header::CONTENT_LENGTH, length);
        if let Some(encoding) = form.encoding() {
            headers.insert(header::CONTENT_ENCODING, encoding);
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, tag.clone());
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// Whether the request's `Accept-Encoding` takes this form.
fn accepts(headers: &HeaderMap, form: Form) -> bool {
    match form {
        Form::Brotli => accepts_encoding(headers, "br"),
        Form::Gzip => accepts_encoding(headers, "gzip"),
        Form::Raw => true,
    }
}

/// Whether the request's `Accept-Encoding` names this content coding (with any `q` but zero).
pub fn accepts_encoding(headers: &HeaderMap, name: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|param| {
                param
                    .trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            coding.eq_ignore_ascii_case(name) && !refused
        })
}

/// Whether the browser holds this form already (`If-None-Match`).
fn holds(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|held| {
            let held = held.trim();
            held == "*" || held.trim_start_matches("W/").as_bytes() == tag.as_bytes()
        })
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, found);
        } else if !matches!(
            path.extension().and_then(|ext| ext.to_str()),
            Some("br" | "gz")
        ) {
            found.push(path);
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|ext| ext.to_str()).unwrap_or("") {
        "js" => "text/javascript",
        "wasm" => "application/wasm",
        "css" => "text/css",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "html" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;

    use super::*;

    fn with(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn an_encoding_refused_with_q_zero_is_not_taken() {
        let headers = with(header::ACCEPT_ENCODING, "gzip, deflate, br;q=0");
        assert!(accepts(&headers, Form::Gzip));
        assert!(!accepts(&headers, Form::Brotli));
        assert!(!accepts(&HeaderMap::new(), Form::Gzip));
    }

    #[test]
    fn a_held_tag_matches_strong_or_weak_and_only_its_own_form() {
        let tag = HeaderValue::from_static("\"0011aabb-br\"");
        assert!(holds(&with(header::IF_NONE_MATCH, "\"0011aabb-br\""), &tag));
        assert!(holds(
            &with(header::IF_NONE_MATCH, "W/\"0011aabb-br\", \"x\""),
            &tag
        ));
        assert!(!holds(
            &with(header::IF_NONE_MATCH, "\"0011aabb-gz\""),
            &tag
        ));
    }
}

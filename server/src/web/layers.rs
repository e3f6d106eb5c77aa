//! What every response passes through: a request id (propagated to the response and put on the
//! request's log span; debug-level for what is answered from memory many times a second), refusals
//! worded in the language the client asks for, request logging without query strings (they can
//! carry initData),
//! compression, a time limit (the configuration's, which the shutdown grace outlasts), a limit on
//! request bodies, panic containment and security headers that still let Telegram's web client
//! frame the app.

use std::time::Duration;

use axum::{
    Router,
    body::{Body, HttpBody},
    http::{HeaderName, HeaderValue, Request, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use futures_util::StreamExt;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnFailure, TraceLayer},
};

/// The largest request body any route takes: axum's extractors stop at the same size.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

const CONTENT_SECURITY_POLICY: &str = "frame-ancestors 'self' https://web.telegram.org \
     https://*.telegram.org; object-src 'none'; base-uri 'self'";

/// Wraps the whole router.
pub fn apply(router: Router, production: bool, request_timeout: Duration) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let hsts = production.then(|| {
        SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        )
    });
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(middleware::from_fn(super::error::in_asked_language))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    // A shed request (503) is expected under load, not an error of ours.
                    .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
            )
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(CatchPanicLayer::new())
            .layer(CompressionLayer::new())
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                request_timeout,
            ))
            .layer(middleware::from_fn(refuse_large_bodies))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            ))
            .option_layer(hsts),
    )
}

/// A body over [`BODY_LIMIT`] is answered `413 body_too_large` before any handler reads it:
/// handlers see a refused body only as unreadable (`400`). A declared length decides at once; a
/// body of unknown length (chunked) is read here up to the limit.
///
/// The exchange's cabinet is exempt (and its sandbox stand-in): its uploads stream through to
/// the exchange, which sets its own limits, and are never held here.
async fn refuse_large_bodies(request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/cabinet/") || path.starts_with("/sandbox/cargotech/cabinet/") {
        return next.run(request).await;
    }
    let size = request.body().size_hint();
    if size.lower() > BODY_LIMIT as u64 {
        return too_large();
    }
    if size.upper().is_some() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let mut chunks = body.into_data_stream();
    let mut read = Vec::new();
    while let Some(chunk) = chunks.next().await {
        match chunk {
            Ok(chunk) if read.len() + chunk.len() > BODY_LIMIT => return too_large(),
            Ok(chunk) => read.extend_from_slice(&chunk),
            Err(error) => return super::ApiError::bad_body(error).into_response(),
        }
    }
    next.run(Request::from_parts(parts, Body::from(read))).await
}

fn too_large() -> Response {
    super::ApiError::from(super::ErrorCode::BodyTooLarge).into_response()
}

fn request_span(request: &Request<Body>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    let (method, path) = (request.method(), request.uri().path());
    if quiet(method, path) {
        return tracing::debug_span!("request", request_id = %id, method = %method, path = %path);
    }
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        path = %loggable_path(path),
    )
}

/// What drivers ask many times a second and is nearly always answered from memory (a page of
/// loads, a bundle's file): its span is debug-level, so at the usual level such a request costs
/// no span at all (what goes wrong in it is still logged, without the request's id).
fn quiet(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::GET && (path == "/api/v1/cargos" || path.starts_with("/pkg/"))
}

/// The path as logs may show it: the Bot API carries the bot's token in its path
/// (`/bot<token>/sendMessage`), and the sandbox's stand-in is served on this very server.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.split_once("/bot") {
        Some((before, after)) if after.contains(':') => {
            let method = after.split_once('/').map_or("", |(_, method)| method);
            format!("{before}/bot<redacted>/{method}").into()
        }
        _ => path.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn a_bot_token_in_a_path_never_reaches_the_log() {
        assert_eq!(
            loggable_path("/sandbox/telegram/bot7000000001:secret-token/sendMessage"),
            "/sandbox/telegram/bot<redacted>/sendMessage"
        );
        assert_eq!(loggable_path("/api/v1/cargos/42"), "/api/v1/cargos/42");
        assert_eq!(loggable_path("/about/bottles"), "/about/bottles");
    }
}

//! Forwarding one HTTP request to the exchange's cabinet and its answer back, both bodies
//! streamed (never held whole): hop-by-hop headers dropped, the pass's cookie and token never
//! sent on, the account's own token put in their place, and the answer's redirects, cookies and
//! addresses rewritten to Hauler's (see `rewrite`). Every exchange is counted in its session's
//! audit (requests, pages, bytes each way) when its answer has gone out, or was abandoned.

use std::{
    io,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, header},
};
use domain::cabinet::sessions::{self, Traffic};
use futures_util::{StreamExt, TryStreamExt, stream};

use super::{
    COOKIE, Cabinet, CabinetError, Visitor,
    rewrite::{Addresses, BodyKind, HtmlRewrite, Rewrite, TextRewrite},
};

/// Headers that describe one connection, not the message: never passed on either way.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// What the browser sent that the exchange must not see: it names the pass, the browser or
/// Hauler's own hops, or is replaced.
const NOT_FORWARDED: [&str; 10] = [
    "host",
    "authorization",
    "cookie",
    "x-access-token",
    "accept-encoding",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
];

/// What the exchange answered that would break or mislead the page on Hauler.
const NOT_RETURNED: [&str; 5] = [
    "content-security-policy",
    "content-security-policy-report-only",
    "strict-transport-security",
    "alt-svc",
    "set-cookie",
];

/// A request on its way to the exchange.
pub struct Forwarded<'a> {
    pub visitor: &'a Visitor,
    /// The cabinet path, after `/cabinet/`.
    pub path: &'a str,
    /// Hauler's host as the browser reached it.
    pub public_host: &'a str,
}

impl Cabinet {
    /// The rewriting for a browser that reached Hauler at `public_host`.
    pub fn addresses(&self, public_host: &str) -> Result<Addresses, CabinetError> {
        Ok(Addresses::new(
            self.upstream()?.clone(),
            public_host,
            self.inner.cookie.secure,
        ))
    }

    /// What every request passes before it is forwarded: the path policy, then the pass's rate
    /// and a slot of the account's budget. A refusal is counted in the session's audit.
    pub async fn clear(&self, visitor: &Visitor, path: &str) -> Result<(), CabinetError> {
        let outcome = match self.inner.policy.refusal(&format!("/{path}")).await? {
            Some(reason) => Err(CabinetError::Refused { reason }),
            None => self.spend(visitor).await,
        };
        if outcome.is_err() {
            self.count(
                visitor.session_id,
                Traffic {
                    refused: true,
                    ..Traffic::default()
                },
            );
        }
        outcome
    }

    /// The account's token, for the exchange.
    pub async fn account_token(&self) -> Result<Arc<str>, CabinetError> {
        self.inner
            .gateway
            .accounts()
            .primary()
            .connection
            .bearer()
            .await
            .map_err(|error| CabinetError::Unreachable(error.to_string()))
    }

    pub async fn forward(
        &self,
        request: Request<Body>,
        to: Forwarded<'_>,
    ) -> Result<Response<Body>, CabinetError> {
        self.clear(to.visitor, to.path).await?;
        let addresses = Arc::new(self.addresses(to.public_host)?);
        let (parts, body) = request.into_parts();
        let url = self
            .upstream()?
            .url(to.path, without_token(parts.uri.query()).as_deref());
        let token = self.account_token().await?;

        let mut headers = upstream_headers(&parts.headers, &addresses);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                CabinetError::Unreachable("the account's token is not a header".into())
            })?,
        );
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("identity"),
        );

        let sent_up = Arc::new(AtomicU64::new(0));
        let mut upstream = self
            .inner
            .http
            .request(parts.method.clone(), url)
            .headers(headers);
        if carries_body(&parts.method, &parts.headers) {
            let counter = Arc::clone(&sent_up);
            let body = body.into_data_stream().inspect_ok(move |chunk| {
                counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            });
            upstream = upstream.body(reqwest::Body::wrap_stream(body));
        }
        let answer = upstream
            .send()
            .await
            .map_err(|error| CabinetError::Unreachable(error.to_string()))?;

        let status = answer.status();
        let content_type = answer
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let encoded = answer
            .headers()
            .get(header::CONTENT_ENCODING)
            .is_some_and(|value| value.as_bytes() != b"identity");
        let kind = if encoded {
            BodyKind::Opaque
        } else {
            BodyKind::of(content_type.as_deref())
        };
        let mut response = Response::builder().status(status);
        if let Some(returned) = response.headers_mut() {
            *returned = returned_headers(answer.headers(), &addresses, kind != BodyKind::Opaque);
        }
        let rewrite: Option<Box<dyn Rewrite>> = match kind {
            BodyKind::Html => Some(Box::new(HtmlRewrite::new(Arc::clone(&addresses)))),
            BodyKind::Text => Some(Box::new(TextRewrite::new(addresses.literals()))),
            BodyKind::Opaque => None,
        };
        let tally = Tally {
            cabinet: self.clone(),
            session_id: to.visitor.session_id,
            page: kind == BodyKind::Html && parts.method == Method::GET,
            down: 0,
            up: sent_up,
        };
        let body = rewritten(answer.bytes_stream(), rewrite, tally);
        response
            .body(Body::from_stream(body))
            .map_err(|error| CabinetError::Unreachable(error.to_string()))
    }

    /// Adds one exchange to its session's audit, off the request's path.
    pub(super) fn count(&self, session_id: i64, traffic: Traffic) {
        let db = self.inner.db.clone();
        tokio::spawn(async move {
            if let Err(error) = sessions::count(&db, session_id, traffic).await {
                tracing::warn!(%error, session_id, "a cabinet session's audit could not be updated");
            }
        });
    }
}

/// The body on its way to the browser, rewritten chunk by chunk and counted.
fn rewritten(
    upstream: impl futures_util::Stream<Item = reqwest::Result<Bytes>> + Send + 'static,
    rewrite: Option<Box<dyn Rewrite>>,
    tally: Tally,
) -> impl futures_util::Stream<Item = io::Result<Bytes>> + Send + 'static {
    stream::unfold(
        (upstream.boxed(), rewrite, tally, false),
        |(mut upstream, mut rewrite, mut tally, ended)| async move {
            if ended {
                return None;
            }
            loop {
                let (out, ended) = match upstream.next().await {
                    Some(Ok(chunk)) => match rewrite.as_mut() {
                        Some(rewrite) => (Bytes::from(rewrite.push(&chunk)), false),
                        None => (chunk, false),
                    },
                    Some(Err(error)) => {
                        return Some((
                            Err(io::Error::other(error)),
                            (upstream, rewrite, tally, true),
                        ));
                    }
                    None => match rewrite.as_mut() {
                        Some(rewrite) => (Bytes::from(rewrite.finish()), true),
                        None => return None,
                    },
                };
                if out.is_empty() && !ended {
                    continue;
                }
                if out.is_empty() {
                    return None;
                }
                tally.down += out.len() as u64;
                return Some((Ok(out), (upstream, rewrite, tally, ended)));
            }
        },
    )
    // Compression may ask once more after the end.
    .fuse()
}

/// One exchange's traffic, written to the audit when its body is done with (sent or dropped).
struct Tally {
    cabinet: Cabinet,
    session_id: i64,
    page: bool,
    down: u64,
    up: Arc<AtomicU64>,
}

impl Drop for Tally {
    fn drop(&mut self) {
        self.cabinet.count(
            self.session_id,
            Traffic {
                page: self.page,
                refused: false,
                bytes_down: self.down,
                bytes_up: self.up.load(Ordering::Relaxed),
            },
        );
    }
}

/// Whether the browser sent a body to pass on.
fn carries_body(method: &Method, headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0")
        || (!matches!(
            *method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::DELETE
        ) && headers.contains_key(header::CONTENT_TYPE))
}

/// The query without the pass's `token` (a WebSocket's way to send it).
pub(super) fn without_token(query: Option<&str>) -> Option<String> {
    let query = query?;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("token"))
        .collect();
    (!kept.is_empty()).then(|| kept.join("&"))
}

/// The browser's headers as the exchange gets them.
pub(super) fn upstream_headers(browser: &HeaderMap, addresses: &Addresses) -> HeaderMap {
    let named_by_connection = connection_tokens(browser);
    let mut headers = HeaderMap::new();
    for (name, value) in browser {
        let lower = name.as_str();
        if HOP_BY_HOP.contains(&lower)
            || NOT_FORWARDED.contains(&lower)
            || named_by_connection.iter().any(|token| token == lower)
            || lower.starts_with("sec-websocket-")
        {
            continue;
        }
        let value = match lower {
            "origin" | "referer" => match value.to_str().ok().and_then(|v| {
                if lower == "origin" {
                    Some(addresses.origin().to_owned())
                } else {
                    addresses.to_upstream(v)
                }
            }) {
                Some(mapped) => match HeaderValue::from_str(&mapped) {
                    Ok(mapped) => mapped,
                    Err(_) => continue,
                },
                None => continue,
            },
            _ => value.clone(),
        };
        headers.append(name.clone(), value);
    }
    if let Some(cookies) = cookies_without_pass(browser)
        && let Ok(value) = HeaderValue::from_str(&cookies)
    {
        headers.insert(header::COOKIE, value);
    }
    headers
}

/// The browser's cookies for the exchange: every one but the pass's.
fn cookies_without_pass(browser: &HeaderMap) -> Option<String> {
    let kept: Vec<&str> = browser
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            !pair
                .split('=')
                .next()
                .is_some_and(|name| name.trim().eq_ignore_ascii_case(COOKIE))
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join("; "))
}

fn connection_tokens(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|token| token.trim().to_ascii_lowercase())
        .collect()
}

/// The exchange's headers as the browser gets them.
fn returned_headers(upstream: &HeaderMap, addresses: &Addresses, rewritten: bool) -> HeaderMap {
    let named_by_connection = connection_tokens(upstream);
    let mut headers = HeaderMap::new();
    for (name, value) in upstream {
        let lower = name.as_str();
        if HOP_BY_HOP.contains(&lower)
            || NOT_RETURNED.contains(&lower)
            || named_by_connection.iter().any(|token| token == lower)
            || (rewritten && lower == "content-length")
        {
            continue;
        }
        let value = if name == header::LOCATION
            || name == HeaderName::from_static("content-location")
        {
            match value.to_str().ok().and_then(|v| addresses.url(v)) {
                Some(mapped) => HeaderValue::from_str(&mapped).unwrap_or_else(|_| value.clone()),
                None => value.clone(),
            }
        } else {
            value.clone()
        };
        headers.append(name.clone(), value);
    }
    for cookie in upstream.get_all(header::SET_COOKIE) {
        if let Some(rewritten) = cookie.to_str().ok().and_then(|c| addresses.set_cookie(c))
            && let Ok(value) = HeaderValue::from_str(&rewritten)
        {
            headers.append(header::SET_COOKIE, value);
        }
    }
    headers
}

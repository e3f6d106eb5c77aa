//! One client for Hauler's JSON APIs in the browser, shared by the drivers' Mini App and the admin
//! dashboard, so a request is sent, and a refusal read, the same way in both. It speaks the
//! browser's own `fetch` and lets the browser parse and write JSON (`JSON.parse`,
//! `JSON.stringify`, read through serde-wasm-bindgen): neither an HTTP library nor a JSON parser
//! lands in the drivers' bundle. Each caller brings its own error body and its own credential (the
//! driver's bearer token, the admin's CSRF token). Without the `browser` feature (the server's
//! render) every call fails as `transport`: pages call the API only in the browser.

use std::cell::Cell;

use serde::{Serialize, de::DeserializeOwned};

thread_local! {
    /// The language tag every call asks the API to word its refusals in, once the app knows it.
    static LANGUAGE: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// From now on, calls carry `accept-language: tag` (`"ru"`, `"en"`): the API then words its
/// refusals in the language the app speaks, which is Telegram's, not the phone's.
pub fn speak(tag: &'static str) {
    LANGUAGE.with(|language| language.set(Some(tag)));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Who a call is from: the header it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// Signing in: nothing yet.
    None,
    /// A driver's session token, as `authorization: Bearer …`.
    Bearer(&'a str),
    /// An admin's CSRF token, as `x-csrf-token` (the session itself rides in its cookie).
    Csrf(&'a str),
}

/// An API's error body (`{code, message, …}`): what a refusal is read as, and what stands for a
/// server that cannot be reached or an answer that cannot be read.
pub trait ErrorBody: DeserializeOwned {
    /// Whether a refusal's `Retry-After` is read (the dashboard waits out a throttled login).
    /// A client that never reads it carries none of that code.
    const READS_RETRY_AFTER: bool = false;

    /// The `transport` code.
    fn transport() -> Self;
}

/// A refusal as the API sent it, with the `Retry-After` seconds it came with (read only where
/// the error body asks for them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal<E> {
    pub body: E,
    pub retry_after: Option<u64>,
}

impl<E: ErrorBody> Refusal<E> {
    fn transport() -> Self {
        Self {
            body: E::transport(),
            retry_after: None,
        }
    }
}

/// An answer that may come later: `Later` is a `202 Accepted` (what the server asked for is on
/// its way; the body says when to ask again).
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<T, L> {
    Ready(T),
    Later(L),
}

/// One call to the API: the answer, `None` for `204`, or the refusal. A body goes as JSON, the
/// credential as its header. Only (de)serializing the answer depends on `T`: the
/// exchange is compiled once per error type, not once per answer type, which keeps the bundles
/// small.
#[cfg(feature = "browser")]
pub async fn request<T: DeserializeOwned, E: ErrorBody>(
    method: Method,
    path: &str,
    credential: Credential<'_>,
    body: Option<&impl Serialize>,
) -> Result<Option<T>, Refusal<E>> {
    let body = match body {
        Some(body) => Some(to_json(body).ok_or_else(Refusal::transport)?),
        None => None,
    };
    match browser::exchange(method, path, credential, body).await? {
        (_, None) => Ok(None),
        (_, Some(json)) => from_json(json).map(Some).ok_or_else(Refusal::transport),
    }
}

/// A `GET` whose answer may be `202 Accepted`, told apart by its status (not by guessing from
/// the body's shape, which would compile a second reader of `T`).
#[cfg(feature = "browser")]
pub async fn get_or_later<T: DeserializeOwned, L: DeserializeOwned, E: ErrorBody>(
    path: &str,
    credential: Credential<'_>,
) -> Result<Answer<T, L>, Refusal<E>> {
    match browser::exchange(Method::Get, path, credential, None).await? {
        (202, Some(json)) => from_json(json).map(Answer::Later),
        (_, Some(json)) => from_json(json).map(Answer::Ready),
        (_, None) => None,
    }
    .ok_or_else(Refusal::transport)
}

/// On the server nothing is fetched: pages call the API only in the browser.
#[cfg(not(feature = "browser"))]
pub async fn request<T: DeserializeOwned, E: ErrorBody>(
    _method: Method,
    _path: &str,
    _credential: Credential<'_>,
    _body: Option<&impl Serialize>,
) -> Result<Option<T>, Refusal<E>> {
    Err(Refusal::transport())
}

/// On the server nothing is fetched: pages call the API only in the browser.
#[cfg(not(feature = "browser"))]
pub async fn get_or_later<T: DeserializeOwned, L: DeserializeOwned, E: ErrorBody>(
    _path: &str,
    _credential: Credential<'_>,
) -> Result<Answer<T, L>, Refusal<E>> {
    Err(Refusal::transport())
}

/// JSON text for a request's body, written by the browser's `JSON.stringify`: maps as objects,
/// `None` as `null`, integers as numbers, as `serde_json` writes them. Browser numbers hold
/// integers exactly up to 2^53, far above any id, price or Telegram id Hauler sends or reads.
#[cfg(feature = "browser")]
fn to_json(value: &impl Serialize) -> Option<js_sys::JsString> {
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .ok()?;
    js_sys::JSON::stringify(&value).ok()
}

/// Reads a value out of JSON the browser has already parsed (an answer, or a server-sent event).
#[cfg(feature = "browser")]
pub fn from_json<T: DeserializeOwned>(value: wasm_bindgen::JsValue) -> Option<T> {
    serde_wasm_bindgen::from_value(value).ok()
}

#[cfg(feature = "browser")]
mod browser {
    //! The exchange itself, in the browser's own `fetch`.

    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Headers, RequestInit, Response};

    use std::cell::Cell;

    use super::{Credential, ErrorBody, Method, Refusal, from_json};

    /// Sends a request: the answer's status and JSON, parsed by the browser (`None` for `204`),
    /// or the refusal read as `E`. A network failure, or an answer that is not JSON, is
    /// `transport`.
    pub(super) async fn exchange<E: ErrorBody>(
        method: Method,
        path: &str,
        credential: Credential<'_>,
        body: Option<js_sys::JsString>,
    ) -> Result<(u16, Option<JsValue>), Refusal<E>> {
        let nothing = |_: JsValue| Refusal::<E>::transport();
        let sent = Headers::new().map_err(nothing)?;
        match credential {
            Credential::None => {}
            Credential::Bearer(token) => sent
                .set("authorization", &format!("Bearer {token}"))
                .map_err(nothing)?,
            Credential::Csrf(token) => sent.set("x-csrf-token", token).map_err(nothing)?,
        }
        if let Some(tag) = super::LANGUAGE.with(Cell::get) {
            sent.set("accept-language", tag).map_err(nothing)?;
        }
        let init = RequestInit::new();
        init.set_method(method.as_str());
        if let Some(body) = body {
            sent.set("content-type", "application/json")
                .map_err(nothing)?;
            init.set_body(&body);
        }
        init.set_headers(&sent);
        let window = web_sys::window().ok_or_else(|| nothing(JsValue::NULL))?;
        let response: Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
            .await
            .map_err(nothing)?
            .unchecked_into();
        let status = response.status();
        if status == 204 {
            return Ok((status, None));
        }
        let json = match response.json() {
            Ok(json) => JsFuture::from(json).await.ok(),
            Err(_) => None,
        };
        match (response.ok(), json) {
            (true, Some(json)) => Ok((status, Some(json))),
            (true, None) => Err(nothing(JsValue::NULL)),
            (false, json) => Err(Refusal {
                body: json.and_then(from_json).unwrap_or_else(E::transport),
                retry_after: if E::READS_RETRY_AFTER {
                    response
                        .headers()
                        .get("retry-after")
                        .ok()
                        .flatten()
                        .and_then(|seconds| seconds.trim().parse().ok())
                } else {
                    None
                },
            }),
        }
    }
}

/// `a=1&b=x%20y`, for a query string.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes a query-string value or a path segment: everything but RFC 3986's unreserved
/// characters.
pub fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(char::from(byte))
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            query_string(&[("q", "Нижний Новгород".into()), ("limit", "5".into())]),
            "q=%D0%9D%D0%B8%D0%B6%D0%BD%D0%B8%D0%B9%20%D0%9D%D0%BE%D0%B2%D0%B3%D0%BE%D1%80%D0%BE%D0%B4&limit=5"
        );
        assert_eq!(encode("a&b=c"), "a%26b%3Dc");
        assert_eq!(encode("Иван & co"), "%D0%98%D0%B2%D0%B0%D0%BD%20%26%20co");
        assert_eq!(encode("a-b_c.d~"), "a-b_c.d~");
    }
}

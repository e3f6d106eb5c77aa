//! The browser's client for Hauler's JSON API, carrying the driver's session. Failures come back
//! as the API's own `{code, message, errors}`; a network failure is the `transport` code.

use serde::{Serialize, de::DeserializeOwned};

use crate::session::ApiErrorBody;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

/// A signed-in client: cheap to clone into a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    token: String,
}

impl Api {
    pub fn new(token: String) -> Self {
        Self { token }
    }

    /// The session token, for the one place a header cannot carry it (`EventSource`).
    pub fn token(&self) -> &str {
        &self.token
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiErrorBody> {
        self.call(Method::Get, path, None::<&()>)
            .await?
            .ok_or_else(ApiErrorBody::transport)
    }

    /// A call whose answer may be empty (`204`): `Ok(None)`.
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Option<T>, ApiErrorBody> {
        self.call(method, path, body).await
    }

    #[cfg(feature = "hydrate")]
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Option<T>, ApiErrorBody> {
        request(method, path, Some(&self.token), body).await
    }

    #[cfg(not(feature = "hydrate"))]
    async fn call<T: DeserializeOwned>(
        &self,
        _method: Method,
        _path: &str,
        _body: Option<&impl Serialize>,
    ) -> Result<Option<T>, ApiErrorBody> {
        Err(ApiErrorBody::transport())
    }
}

impl Method {
    #[cfg(feature = "hydrate")]
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One call to the API, with the session's token or (signing in) without: the answer, `None` for
/// `204`, or the API's error. Only (de)serializing depends on `T`: the exchange itself is compiled
/// once, not once per answer type, which keeps the browser bundle small.
#[cfg(feature = "hydrate")]
pub(crate) async fn request<T: DeserializeOwned>(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&impl Serialize>,
) -> Result<Option<T>, ApiErrorBody> {
    let body = body.map(to_json).transpose()?;
    exchange(method, path, token, body)
        .await?
        .map(from_json)
        .transpose()
}

/// JSON text for a request's body, written by the browser's `JSON.stringify`: maps as objects,
/// `None` as `null`, integers as numbers, as `serde_json` writes them. Browser numbers hold
/// integers exactly up to 2^53, far above any id, price or Telegram id Hauler sends or reads.
#[cfg(feature = "hydrate")]
fn to_json(value: &impl Serialize) -> Result<js_sys::JsString, ApiErrorBody> {
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|_| ApiErrorBody::transport())?;
    js_sys::JSON::stringify(&value).map_err(|_| ApiErrorBody::transport())
}

/// Reads a value out of JSON the browser has already parsed.
#[cfg(feature = "hydrate")]
pub(crate) fn from_json<T: DeserializeOwned>(
    value: wasm_bindgen::JsValue,
) -> Result<T, ApiErrorBody> {
    serde_wasm_bindgen::from_value(value).map_err(|_| ApiErrorBody::transport())
}

/// Sends a request with the browser's own `fetch`: the answer's JSON, parsed by the browser,
/// `None` for `204`, or the API's error. A body goes as JSON; a token, as the session's bearer.
#[cfg(feature = "hydrate")]
async fn exchange(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<js_sys::JsString>,
) -> Result<Option<wasm_bindgen::JsValue>, ApiErrorBody> {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Headers, RequestInit, Response};

    let transport = |_: JsValue| ApiErrorBody::transport();
    let headers = Headers::new().map_err(transport)?;
    if let Some(token) = token {
        headers
            .set("authorization", &format!("Bearer {token}"))
            .map_err(transport)?;
    }
    let init = RequestInit::new();
    init.set_method(method.as_str());
    if let Some(body) = body {
        headers
            .set("content-type", "application/json")
            .map_err(transport)?;
        init.set_body(&body);
    }
    init.set_headers(&headers);
    let response: Response =
        JsFuture::from(leptos::prelude::window().fetch_with_str_and_init(path, &init))
            .await
            .map_err(transport)?
            .unchecked_into();
    if response.status() == 204 {
        return Ok(None);
    }
    let json = match response.json() {
        Ok(json) => JsFuture::from(json).await,
        Err(error) => Err(error),
    };
    match (response.ok(), json) {
        (true, Ok(json)) => Ok(Some(json)),
        (false, Ok(json)) => Err(from_json(json).unwrap_or_else(|error| error)),
        (_, Err(_)) => Err(ApiErrorBody::transport()),
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

/// Percent-encodes everything but the unreserved characters (RFC 3986).
pub fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(byte as char)
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
    }
}

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

    /// Only (de)serializing depends on `T`: the exchange itself is compiled once, not once per
    /// answer type, which keeps the browser bundle small.
    #[cfg(feature = "hydrate")]
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Option<T>, ApiErrorBody> {
        let body = body
            .map(serde_json::to_string)
            .transpose()
            .map_err(|_| ApiErrorBody::transport())?;
        match self.exchange(method, path, body).await? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|_| ApiErrorBody::transport()),
        }
    }

    /// Sends the request; the answer's JSON text, `None` for `204`, or the API's error.
    #[cfg(feature = "hydrate")]
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Option<String>, ApiErrorBody> {
        use gloo_net::http::RequestBuilder;

        let builder = match method {
            Method::Get => RequestBuilder::new(path).method(gloo_net::http::Method::GET),
            Method::Post => RequestBuilder::new(path).method(gloo_net::http::Method::POST),
            Method::Put => RequestBuilder::new(path).method(gloo_net::http::Method::PUT),
            Method::Delete => RequestBuilder::new(path).method(gloo_net::http::Method::DELETE),
        }
        .header("authorization", &format!("Bearer {}", self.token));
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(body),
            None => builder.build(),
        }
        .map_err(|_| ApiErrorBody::transport())?;
        let response = request
            .send()
            .await
            .map_err(|_| ApiErrorBody::transport())?;
        if response.status() == 204 {
            return Ok(None);
        }
        if response.ok() {
            response
                .text()
                .await
                .map(Some)
                .map_err(|_| ApiErrorBody::transport())
        } else {
            Err(response
                .json()
                .await
                .unwrap_or_else(|_| ApiErrorBody::transport()))
        }
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

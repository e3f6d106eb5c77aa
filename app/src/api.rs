//! The Mini App's client for Hauler's JSON API, carrying the driver's session as a bearer token.
//! The exchange itself is the browsers' shared client (`api_client`); failures come back as the
//! API's own `{code, message, errors}`, a network failure as the `transport` code.

use serde::{Serialize, de::DeserializeOwned};

use api_client::Credential;
#[cfg(feature = "browser")]
pub use api_client::from_json;
pub use api_client::{Answer, Method, encode, query_string};

use crate::session::ApiErrorBody;

impl api_client::ErrorBody for ApiErrorBody {
    /// `too_many_requests` says when the driver may ask again.
    const READS_RETRY_AFTER: bool = true;

    fn transport() -> Self {
        ApiErrorBody::transport()
    }
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
        self.send(Method::Get, path, None::<&()>)
            .await?
            .ok_or_else(ApiErrorBody::transport)
    }

    /// A read whose answer may come later (`202`, [`Answer::Later`]: on its way, ask again).
    pub async fn get_or_later<T: DeserializeOwned, L: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Answer<T, L>, ApiErrorBody> {
        api_client::get_or_later(path, Credential::Bearer(&self.token))
            .await
            .map_err(|refusal| ApiErrorBody {
                retry_after: refusal.retry_after,
                ..refusal.body
            })
    }

    /// A call whose answer may be empty (`204`): `Ok(None)`.
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Option<T>, ApiErrorBody> {
        api_client::request(method, path, Credential::Bearer(&self.token), body)
            .await
            .map_err(|refusal| ApiErrorBody {
                retry_after: refusal.retry_after,
                ..refusal.body
            })
    }
}

/// Waits in the browser, for when the server said to ask again.
#[cfg(feature = "browser")]
pub async fn pause(delay: std::time::Duration) {
    let timer = js_sys::Promise::new(&mut |resolve, _| {
        leptos::prelude::set_timeout(
            move || {
                let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
            },
            delay,
        );
    });
    let _ = wasm_bindgen_futures::JsFuture::from(timer).await;
}

/// The server renders no answer that says to ask again.
#[cfg(not(feature = "browser"))]
pub async fn pause(_: std::time::Duration) {}

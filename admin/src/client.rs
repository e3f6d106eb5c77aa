//! The dashboard's client for the admin API: the session cookie rides along by itself; every
//! state-changing call carries the session's CSRF token. Failures come back as the API's own
//! `{code, message}`, the message in the dashboard's language; a network failure is the
//! `transport` code.

use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    i18n::Lang,
    wire::{AdminSessionView, ErrorBody},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

/// Who is signed in and in which language, shared by every page: `None` while unknown or
/// signed out.
#[derive(Clone, Copy)]
pub struct Desk {
    pub session: RwSignal<Option<AdminSessionView>>,
    /// The first look at the session has finished.
    pub checked: RwSignal<bool>,
    pub lang: RwSignal<Lang>,
}

/// A refusal as the API sent it, with the `Retry-After` it came with.
type Refused = (ErrorBody, Option<u64>);

pub fn use_desk() -> Desk {
    expect_context::<Desk>()
}

impl Desk {
    fn csrf(&self) -> String {
        self.session
            .with_untracked(|session| session.as_ref().map(|s| s.csrf.clone()))
            .unwrap_or_default()
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ErrorBody> {
        let answer = call(Method::Get, path, None::<&()>, String::new()).await;
        self.in_our_words(answer)?
            .ok_or_else(|| self.lang.get_untracked().texts().transport())
    }

    /// A state-changing call; `Ok(None)` for an empty answer (`204`).
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Option<T>, ErrorBody> {
        let answer = call(method, path, body, self.csrf()).await;
        self.in_our_words(answer)
    }

    fn in_our_words<T>(&self, answer: Result<T, Refused>) -> Result<T, ErrorBody> {
        answer.map_err(|(error, retry_after)| {
            self.lang
                .get_untracked()
                .texts()
                .api_refusal(error, retry_after)
        })
    }
}

#[cfg(feature = "hydrate")]
async fn call<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<&impl Serialize>,
    csrf: String,
) -> Result<Option<T>, Refused> {
    use gloo_net::http::{Method as Verb, RequestBuilder};

    let verb = match method {
        Method::Get => Verb::GET,
        Method::Post => Verb::POST,
        Method::Put => Verb::PUT,
        Method::Delete => Verb::DELETE,
    };
    let builder = RequestBuilder::new(path)
        .method(verb)
        .header("x-csrf-token", &csrf);
    let request = match body {
        Some(body) => builder.json(body),
        None => builder.build(),
    }
    .map_err(|_| (ErrorBody::transport(), None))?;
    let response = request
        .send()
        .await
        .map_err(|_| (ErrorBody::transport(), None))?;
    if response.status() == 204 {
        return Ok(None);
    }
    if response.ok() {
        response
            .json()
            .await
            .map(Some)
            .map_err(|_| (ErrorBody::transport(), None))
    } else {
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|seconds| seconds.trim().parse().ok());
        let error = response
            .json()
            .await
            .unwrap_or_else(|_| ErrorBody::transport());
        Err((error, retry_after))
    }
}

#[cfg(not(feature = "hydrate"))]
async fn call<T: DeserializeOwned>(
    _method: Method,
    _path: &str,
    _body: Option<&impl Serialize>,
    _csrf: String,
) -> Result<Option<T>, Refused> {
    Err((ErrorBody::transport(), None))
}

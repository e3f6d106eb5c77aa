//! The dashboard's client for the admin API: the session cookie rides along by itself; every
//! state-changing call carries the session's CSRF token. The exchange itself is the browsers'
//! shared client (`api_client`). Failures come back as the API's own `{code, message}`, the
//! message in the dashboard's language; a network failure is the `transport` code.

use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};

use api_client::Credential;
pub use api_client::Method;

use crate::{
    i18n::Lang,
    wire::{AdminSessionView, ErrorBody, Role},
};

impl api_client::ErrorBody for ErrorBody {
    const READS_RETRY_AFTER: bool = true;

    fn transport() -> Self {
        ErrorBody::transport()
    }
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

pub fn use_desk() -> Desk {
    expect_context::<Desk>()
}

impl Desk {
    /// Whether the signed-in admin's role is `role` or above (tracked: it changes on logging out).
    pub fn may(&self, role: Role) -> bool {
        self.session
            .with(|session| session.as_ref().is_some_and(|s| s.admin.role >= role))
    }

    fn csrf(&self) -> String {
        self.session
            .with_untracked(|session| session.as_ref().map(|s| s.csrf.clone()))
            .unwrap_or_default()
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ErrorBody> {
        self.call(Method::Get, path, None::<&()>, String::new())
            .await?
            .ok_or_else(|| self.lang.get_untracked().texts().transport())
    }

    /// A state-changing call; `Ok(None)` for an empty answer (`204`).
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Option<T>, ErrorBody> {
        self.call(method, path, body, self.csrf()).await
    }

    /// Every call names its CSRF token (empty for reads), and a refusal is put in our words.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        csrf: String,
    ) -> Result<Option<T>, ErrorBody> {
        api_client::request(method, path, Credential::Csrf(&csrf), body)
            .await
            .map_err(|refusal| {
                self.lang
                    .get_untracked()
                    .texts()
                    .api_refusal(refusal.body, refusal.retry_after)
            })
    }
}

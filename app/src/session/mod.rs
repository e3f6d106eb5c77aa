//! Signing the driver in: the Mini App hands Telegram's launch data to
//! `POST /api/v1/auth/telegram` once and keeps the session it gets back, on the device too
//! ([`kept`]). Reloaded or reopened, it renews that session (`POST /api/v1/auth/renew`) rather
//! than hand over the launch data again: Telegram gives a reloaded app the launch data it was
//! opened with, which the server refuses once it is a few minutes old. The wire types live here,
//! once, for the browser and the server.

#[cfg(feature = "browser")]
mod kept;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::telegram;

/// A driver as clients see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Driver {
    pub id: i64,
    pub telegram_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub photo_url: Option<String>,
    pub banned: bool,
}

/// The answer to a successful sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignedIn {
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
    pub driver: Driver,
    /// The filter the driver used last, so the first list needs no second round trip.
    #[serde(default)]
    pub last_filter: Option<crate::cargo::filter::CargoFilter>,
    /// Whether the driver may see loads now; without it the app opens on the paywall.
    #[serde(default)]
    pub access: crate::subscription::Access,
    /// What the driver set for themselves (the app's language among it).
    #[serde(default)]
    pub profile: crate::profile::Profile,
}

/// The driver's last filter, kept server-side (`GET`/`PUT /api/v1/me/filter`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LastFilter {
    pub filter: Option<crate::cargo::filter::CargoFilter>,
}

/// The JSON API's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub code: String,
    pub message: String,
    /// For `invalid_filter`: each field's problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<crate::cargo::filter::FieldError>,
    /// The refusal's `Retry-After`, in seconds (a header, not part of the body).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl ApiErrorBody {
    /// The server could not be reached, or its answer could not be read.
    pub fn transport() -> Self {
        Self {
            code: "transport".into(),
            message: String::new(),
            errors: Vec::new(),
            retry_after: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SignIn {
    Pending,
    Done(Box<SignedIn>),
    Refused(ApiErrorBody),
    /// Opened in an ordinary browser: there is no launch data.
    OutsideTelegram,
    /// The driver logged out; they sign in again by opening the app from the bot.
    SignedOut,
}

/// Starts signing in once the page runs in the browser; the state is shared through context.
/// When the inline script signed the driver in before the bundle came ([`crate::boot`]), that
/// sign-in is taken over: signed in from the start, or once it comes when the app came first.
pub fn provide_sign_in() -> RwSignal<SignIn> {
    let state = RwSignal::new(match crate::boot::signed_in() {
        Some(signed_in) => SignIn::Done(Box::new(signed_in)),
        None => SignIn::Pending,
    });
    provide_context(state);
    Effect::new(move |_| {
        if state.get_untracked() != SignIn::Pending {
            return;
        }
        let waiting = crate::boot::signing_in();
        match telegram::init_data() {
            None => state.set(SignIn::OutsideTelegram),
            Some(init_data) => leptos::task::spawn_local(async move {
                let booted = if waiting {
                    crate::boot::signed_in_later().await
                } else {
                    None
                };
                state.set(match booted {
                    Some(signed_in) => SignIn::Done(Box::new(signed_in)),
                    None => sign_in(init_data).await,
                });
            }),
        }
    });
    state
}

/// The session kept on this device for this Telegram user, renewed; else the launch data,
/// exchanged. A kept session the server no longer knows is forgotten.
#[cfg(feature = "browser")]
async fn sign_in(init_data: String) -> SignIn {
    #[derive(Serialize)]
    struct LaunchData {
        init_data: String,
    }
    if let Some(token) = telegram::user_id().and_then(kept::token_for) {
        match renew(&token).await {
            SignIn::Refused(error) if error.code == "transport" => return SignIn::Refused(error),
            SignIn::Done(signed_in) => return keep(SignIn::Done(signed_in)),
            _ => kept::forget(),
        }
    }
    keep(post_sign_in("/api/v1/auth/telegram", &LaunchData { init_data }).await)
}

#[cfg(not(feature = "browser"))]
async fn sign_in(_init_data: String) -> SignIn {
    SignIn::Pending
}

#[cfg(feature = "browser")]
async fn renew(token: &str) -> SignIn {
    use api_client::{Credential, Method};

    let answer = api_client::request(
        Method::Post,
        "/api/v1/auth/renew",
        Credential::Bearer(token),
        None::<&()>,
    )
    .await
    .map_err(|refusal| refusal.body);
    match answer.and_then(|answer| answer.ok_or_else(ApiErrorBody::transport)) {
        Ok(signed_in) => SignIn::Done(Box::new(signed_in)),
        Err(error) => SignIn::Refused(error),
    }
}

/// Keeps a new session on the device.
#[cfg(feature = "browser")]
fn keep(state: SignIn) -> SignIn {
    if let SignIn::Done(signed_in) = &state {
        kept::keep(signed_in.driver.telegram_id, &signed_in.token);
    }
    state
}

/// Logs out: the server ends the session, the device forgets it, and the app says how to come
/// back (open it from the bot, which brings fresh launch data).
pub fn log_out(state: RwSignal<SignIn>) {
    let SignIn::Done(signed_in) = state.get_untracked() else {
        return;
    };
    #[cfg(feature = "browser")]
    leptos::task::spawn_local(async move {
        let api = crate::api::Api::new(signed_in.token.clone());
        let _ = api
            .send::<()>(api_client::Method::Post, "/api/v1/auth/logout", None::<&()>)
            .await;
        kept::forget();
        state.set(SignIn::SignedOut);
    });
    #[cfg(not(feature = "browser"))]
    drop(signed_in);
}

/// Signs in as the sandbox's demo driver (the server offers this in sandbox mode only).
pub fn sign_in_as_demo_driver(state: RwSignal<SignIn>) {
    state.set(SignIn::Pending);
    #[cfg(feature = "browser")]
    leptos::task::spawn_local(async move {
        #[derive(Serialize)]
        struct NoFields {}
        state.set(post_sign_in("/api/v1/auth/demo", &NoFields {}).await);
    });
}

/// Whether the page may offer the demo driver: the server says so in sandbox mode.
fn demo_login_offered() -> bool {
    #[cfg(feature = "browser")]
    {
        document()
            .query_selector("meta[name=hauler-demo-login]")
            .ok()
            .flatten()
            .is_some()
    }
    #[cfg(not(feature = "browser"))]
    {
        false
    }
}

/// Signs in with no session yet: the answer is the session, or the API's refusal.
#[cfg(feature = "browser")]
async fn post_sign_in(path: &str, body: &impl Serialize) -> SignIn {
    use api_client::{Credential, Method};

    let answer = api_client::request(Method::Post, path, Credential::None, Some(body))
        .await
        .map_err(|refusal| refusal.body);
    match answer.and_then(|answer| answer.ok_or_else(ApiErrorBody::transport)) {
        Ok(signed_in) => SignIn::Done(Box::new(signed_in)),
        Err(error) => SignIn::Refused(error),
    }
}

/// The greeting, or why the driver is not signed in.
#[component]
pub fn SignInStatus() -> impl IntoView {
    let state = expect_context::<RwSignal<SignIn>>();
    let text = crate::i18n::use_texts();
    view! {
        <div class="sign-in" aria-live="polite">
            {move || {
                match state.get() {
                    SignIn::Pending => view! { <div class="skeleton-line" data-testid="sign-in-pending"></div> }.into_any(),
                    SignIn::Done(signed_in) => {
                        view! {
                            <p class="greeting" data-testid="greeting">
                                {format!("{}, {}", text.hello, signed_in.driver.first_name)}
                            </p>
                        }
                            .into_any()
                    }
                    SignIn::Refused(error) => {
                        let message = text.refusal(&error.code);
                        view! {
                            <div class="card notice error-notice" data-testid="sign-in-error" data-code=error.code>
                                <p>{message}</p>
                            </div>
                        }
                            .into_any()
                    }
                    SignIn::SignedOut => {
                        view! {
                            <div class="card notice" data-testid="signed-out">
                                <p>{text.signed_out}</p>
                            </div>
                        }
                            .into_any()
                    }
                    SignIn::OutsideTelegram => {
                        let demo = demo_login_offered().then(|| {
                            view! {
                                <p class="muted small">{text.demo_hint}</p>
                                <button
                                    class="button"
                                    data-testid="demo-login"
                                    on:click=move |_| sign_in_as_demo_driver(state)
                                >
                                    {text.demo_login}
                                </button>
                            }
                        });
                        view! {
                            <div class="card notice" data-testid="outside-telegram">
                                <p>{text.open_from_telegram}</p>
                                {demo}
                            </div>
                        }
                            .into_any()
                    }
                }
            }}
        </div>
    }
}

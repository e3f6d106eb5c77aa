//! Logging in: email and password, then the authenticator app's code for admins who turned the
//! second factor on; throttled after repeated failures, with how long to wait.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::{
    client::{Method, use_desk},
    i18n::use_texts,
    layout::LangSwitch,
    wire::{AdminSessionView, ErrorBody, LoginRequest},
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // The server asked for the code: the field stays until the login succeeds.
    let asks_code = RwSignal::new(false);
    let error = RwSignal::new(None::<ErrorBody>);
    let busy = RwSignal::new(false);
    let go_home = navigate.clone();
    Effect::new(move |_| {
        if desk.session.with(Option::is_some) {
            go_home("/admin", Default::default());
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        busy.set(true);
        let request = LoginRequest {
            email: email.get_untracked(),
            password: password.get_untracked(),
            code: Some(code.get_untracked()).filter(|code| !code.trim().is_empty()),
        };
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<AdminSessionView>(Method::Post, "/admin/api/login", Some(&request))
                .await;
            busy.set(false);
            match answer {
                Ok(Some(session)) => {
                    error.set(None);
                    desk.session.set(Some(session));
                }
                Ok(None) => error.set(Some(t.transport())),
                Err(refusal) => {
                    if refusal.code.starts_with("second_factor_") {
                        asks_code.set(true);
                    }
                    error.set(Some(refusal));
                }
            }
        });
    };
    view! {
        <div class="login">
            <form class="card" on:submit=submit data-testid="login-form">
                <h1>{t.common.brand}</h1>
                <label>
                    {t.common.email}
                    <input
                        type="email"
                        data-testid="login-email"
                        autocomplete="username"
                        required
                        prop:value=email
                        on:input=move |ev| email.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    {t.login.password}
                    <input
                        type="password"
                        data-testid="login-password"
                        autocomplete="current-password"
                        required
                        prop:value=password
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </label>
                {move || asks_code.get().then(|| view! {
                    <label>
                        {t.login.code}
                        <input
                            data-testid="login-code"
                            inputmode="numeric"
                            autocomplete="one-time-code"
                            maxlength="6"
                            autofocus
                            prop:value=code
                            on:input=move |ev| code.set(event_target_value(&ev))
                        />
                    </label>
                })}
                {move || {
                    error
                        .get()
                        .map(|error| {
                            view! {
                                <p class="problem" data-testid="login-error" data-code=error.code.clone() title=error.code>
                                    {error.message}
                                </p>
                            }
                        })
                }}
                <button type="submit" data-testid="login-submit" disabled=move || busy.get()>
                    {t.login.submit}
                </button>
                <LangSwitch />
            </form>
        </div>
    }
}

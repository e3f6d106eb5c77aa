//! The signed-in admin's own second factor: set up from a QR code (or the key typed by hand),
//! confirmed by a first code; turned off with a current code. Every role has this page.

use leptos::prelude::*;

use super::{Problem, table::answered};
use crate::{
    client::{Method, use_desk},
    i18n::use_texts,
    wire::{
        ErrorBody,
        second_factor::{SecondFactorCode, SecondFactorSetup, SecondFactorState},
    },
};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let s = &t.security;
    let state = RwSignal::new(None::<Result<SecondFactorState, ErrorBody>>);
    let setup = RwSignal::new(None::<SecondFactorSetup>);
    let problem = RwSignal::new(None::<ErrorBody>);
    let code = RwSignal::new(String::new());
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            state.set(Some(desk.get("/admin/api/second-factor").await));
        });
    });
    let set_up = move |_| {
        leptos::task::spawn_local(async move {
            match desk
                .send::<SecondFactorSetup>(
                    Method::Post,
                    "/admin/api/second-factor/setup",
                    None::<&()>,
                )
                .await
            {
                Ok(fresh) => {
                    problem.set(None);
                    setup.set(fresh);
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    // Confirming a new setup and turning it off both send a current code.
    let send_code = move |path: &'static str| {
        let body = SecondFactorCode {
            code: code.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match desk
                .send::<SecondFactorState>(Method::Post, path, Some(&body))
                .await
            {
                Ok(answer) => {
                    problem.set(None);
                    setup.set(None);
                    code.set(String::new());
                    state.set(answer.map(Ok));
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    let code_field = move || {
        view! {
            <label>{s.code}
                <input
                    data-testid="second-factor-code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    maxlength="6"
                    required
                    prop:value=code
                    on:input=move |ev| code.set(event_target_value(&ev))
                />
            </label>
        }
    };
    view! {
        <h1>{t.nav.security}</h1>
        <p class="muted">{s.intro}</p>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || answered(state.get(), None, |current| if current.enabled {
            view! {
                <p><span class="badge ok" data-testid="second-factor-state">{s.on}</span></p>
                <form class="card toolbar" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    send_code("/admin/api/second-factor/disable");
                }>
                    <span class="muted">{s.turn_off_hint}</span>
                    {code_field()}
                    <button type="submit" class="danger" data-testid="second-factor-off">{s.turn_off}</button>
                </form>
            }.into_any()
        } else {
            view! {
                <p><span class="badge" data-testid="second-factor-state">{s.off}</span></p>
                {move || match setup.get() {
                    None => view! {
                        <button data-testid="second-factor-set-up" on:click=set_up>{s.set_up}</button>
                    }.into_any(),
                    Some(fresh) => view! {
                        <form class="card once" on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            send_code("/admin/api/second-factor/confirm");
                        }>
                            <strong>{s.scan}</strong>
                            <div class="qr" inner_html=fresh.qr_svg></div>
                            <span class="muted">{s.or_type}</span>
                            <code class="secret-once" data-testid="second-factor-secret">{fresh.secret}</code>
                            {code_field()}
                            <button type="submit" data-testid="second-factor-confirm">{s.confirm}</button>
                        </form>
                    }.into_any(),
                }}
            }.into_any()
        })}
    }
}

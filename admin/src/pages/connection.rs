//! CargoTech connection: the one account's login state and history; admins log in now, enter the
//! SMS code the exchange asked for, or drop the token. Against the sandbox exchange, its knobs.

use leptos::prelude::*;

use super::Problem;
use crate::{
    client::{Method, use_desk},
    format::second,
    wire::{
        ErrorBody, Role,
        connection::{
            ConnectionView, LinkState, SandboxFailure, SandboxKnobs, SandboxStats, SmsCodeEntry,
        },
    },
};

fn number<T: std::str::FromStr>(signal: RwSignal<String>) -> Option<T> {
    signal.get_untracked().trim().parse().ok()
}

fn age(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        3600..86_400 => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
        _ => format!("{} d {} h", seconds / 86_400, seconds % 86_400 / 3600),
    }
}

#[component]
pub fn ConnectionPage() -> impl IntoView {
    let desk = use_desk();
    let link = RwSignal::new(None::<Result<ConnectionView, ErrorBody>>);
    let problem = RwSignal::new(None::<ErrorBody>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    let may_act = move || {
        desk.session
            .with(|s| s.as_ref().is_some_and(|s| s.admin.role >= Role::Admin))
    };
    let load = move || {
        leptos::task::spawn_local(async move {
            link.set(Some(desk.get("/admin/api/connection").await));
        });
    };
    Effect::new(move |_| load());

    let act = move |path: &'static str, entry: Option<SmsCodeEntry>, done: &'static str| {
        busy.set(true);
        problem.set(None);
        notice.set(None);
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<ConnectionView>(Method::Post, path, entry.as_ref())
                .await;
            busy.set(false);
            match answer {
                Ok(Some(view)) => {
                    notice.set(Some(format!("{done}: {}", view.state.label())));
                    link.set(Some(Ok(view)));
                }
                Ok(None) => load(),
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    let submit_code = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let entry = SmsCodeEntry {
            code: code.get_untracked(),
        };
        code.set(String::new());
        act("/admin/api/connection/sms-code", Some(entry), "Code sent");
    };

    view! {
        <h1>"CargoTech connection"</h1>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || notice.get().map(|text| view! { <div class="notice" data-testid="notice">{text}</div> })}
        {move || match link.get() {
            None => view! { <div class="loading">"Loading…"</div> }.into_any(),
            Some(Err(error)) => view! { <Problem error /> }.into_any(),
            Some(Ok(view)) => {
                let state = view.state;
                let tone = if state.is_healthy() { "badge ok" } else { "badge bad" };
                view! {
                    <div class="card connection-state">
                        <div class="state-line">
                            <span class=tone data-testid="connection-state" data-state=format!("{state:?}")>
                                {state.label()}
                            </span>
                            <span class="muted">{format!("account “{}”", view.account)}</span>
                        </div>
                        <dl class="facts">
                            <dt>"Token age"</dt>
                            <dd data-testid="token-age">
                                {view.token_age_seconds.map_or("no token".to_owned(), age)}
                            </dd>
                            <dt>"Last health check"</dt>
                            <dd>{view.last_check.as_deref().map_or("not yet".to_owned(), second)}</dd>
                            <dt>"Last error"</dt>
                            <dd data-testid="last-error">{view.last_error.clone().unwrap_or_else(|| "none".into())}</dd>
                            <dt>"Logins / re-logins"</dt>
                            <dd>{format!("{} / {} · {} failures in a row", view.logins, view.relogins, view.consecutive_failures)}</dd>
                        </dl>
                        <Show when=may_act>
                            <div class="toolbar">
                                <button
                                    data-testid="log-in-now"
                                    disabled=move || busy.get()
                                    on:click=move |_| act("/admin/api/connection/login", None, "Logged in")
                                >
                                    "Log in now"
                                </button>
                                <button
                                    class="secondary"
                                    data-testid="drop-token"
                                    disabled=move || busy.get()
                                    on:click=move |_| act("/admin/api/connection/drop-token", None, "Token dropped")
                                >
                                    "Drop the token"
                                </button>
                            </div>
                            {(state == LinkState::SmsRequired)
                                .then(|| {
                                    view! {
                                        <form class="toolbar sms" on:submit=submit_code data-testid="sms-form">
                                            <label>
                                                "The exchange texted a one-time code to the account's phone"
                                                <input
                                                    data-testid="sms-code"
                                                    inputmode="numeric"
                                                    autocomplete="one-time-code"
                                                    maxlength="12"
                                                    required
                                                    prop:value=code
                                                    on:input=move |ev| code.set(event_target_value(&ev))
                                                />
                                            </label>
                                            <button type="submit" data-testid="sms-submit" disabled=move || busy.get()>
                                                "Enter the code"
                                            </button>
                                        </form>
                                    }
                                })}
                        </Show>
                    </div>
                    <h2>"Login history"</h2>
                    <table class="table" data-testid="connection-history">
                        <thead><tr><th>"When (UTC)"</th><th>"What"</th><th>"Who"</th></tr></thead>
                        <tbody>
                            {if view.history.is_empty() {
                                view! { <tr><td colspan="3" class="empty">"Nothing yet"</td></tr> }.into_any()
                            } else {
                                view.history
                                    .into_iter()
                                    .map(|event| view! {
                                        <tr>
                                            <td>{second(&event.at)}</td>
                                            <td><code>{event.action}</code></td>
                                            <td>{event.actor}</td>
                                        </tr>
                                    })
                                    .collect_view()
                                    .into_any()
                            }}
                        </tbody>
                    </table>
                }
                    .into_any()
            }
        }}
        <SandboxPanel may_act reload=load />
    }
}

/// The sandbox exchange's knobs; absent when the exchange is a real one.
#[component]
fn SandboxPanel(
    may_act: impl Fn() -> bool + Send + Sync + Copy + 'static,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let desk = use_desk();
    let stats = RwSignal::new(None::<SandboxStats>);
    let problem = RwSignal::new(None::<ErrorBody>);
    let latency = RwSignal::new(String::new());
    let rate = RwSignal::new(String::new());
    let failure = RwSignal::new("server_error".to_owned());
    let failures = RwSignal::new("3".to_owned());
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            stats.set(desk.get("/admin/api/connection/sandbox").await.ok());
        });
    });
    let turn = move |knobs: SandboxKnobs| {
        problem.set(None);
        leptos::task::spawn_local(async move {
            match desk
                .send::<SandboxStats>(Method::Post, "/admin/api/connection/sandbox", Some(&knobs))
                .await
            {
                Ok(Some(now)) => stats.set(Some(now)),
                Ok(None) => {}
                Err(error) => problem.set(Some(error)),
            }
            reload();
        });
    };
    view! {
        {move || stats.get().map(|now| view! {
            <h2>"Sandbox exchange"</h2>
            <div class="card sandbox" data-testid="sandbox-panel">
                <p class="muted" data-testid="sandbox-stats">
                    {format!(
                        "{} requests · {} logins · {} lists · {} details · {} throttled · {} refused tokens · peak {}/min",
                        now.requests, now.logins, now.lists, now.details, now.throttled, now.unauthorized, now.peak_per_minute,
                    )}
                </p>
                {move || problem.get().map(|error| view! { <Problem error /> })}
                <Show when=may_act fallback=|| view! { <p class="muted">"Admins can turn the knobs."</p> }>
                    <div class="toolbar">
                        <label>"Latency, ms"
                            <input data-testid="sandbox-latency" inputmode="numeric" placeholder="700"
                                prop:value=latency on:input=move |ev| latency.set(event_target_value(&ev)) />
                        </label>
                        <label>"Rate limit, per minute"
                            <input data-testid="sandbox-rate" inputmode="numeric" placeholder="600"
                                prop:value=rate on:input=move |ev| rate.set(event_target_value(&ev)) />
                        </label>
                        <button data-testid="sandbox-apply" on:click=move |_| turn(SandboxKnobs {
                            latency_ms: number(latency),
                            rate_limit_per_minute: number(rate),
                            ..SandboxKnobs::default()
                        })>"Apply"</button>
                    </div>
                    <div class="toolbar">
                        <label>"Fail the next requests"
                            <select data-testid="sandbox-failure" on:change=move |ev| failure.set(event_target_value(&ev))>
                                <option value="server_error">"server error (500)"</option>
                                <option value="timeout">"timeout"</option>
                                <option value="malformed_json">"malformed JSON"</option>
                                <option value="malformed_item">"one malformed item"</option>
                            </select>
                        </label>
                        <label>"How many"
                            <input data-testid="sandbox-failures" inputmode="numeric"
                                prop:value=failures on:input=move |ev| failures.set(event_target_value(&ev)) />
                        </label>
                        <button class="secondary" data-testid="sandbox-fail" on:click=move |_| turn(SandboxKnobs {
                            fail: Some(SandboxFailure {
                                kind: failure.get_untracked(),
                                count: number(failures).unwrap_or(1),
                            }),
                            ..SandboxKnobs::default()
                        })>"Fail them"</button>
                    </div>
                    <div class="toolbar">
                        <button class="secondary" data-testid="sandbox-demand-sms" on:click=move |_| turn(SandboxKnobs {
                            demand_sms: Some(true),
                            ..SandboxKnobs::default()
                        })>"Demand an SMS code at the next login"</button>
                        <button class="secondary" on:click=move |_| turn(SandboxKnobs {
                            demand_sms: Some(false),
                            ..SandboxKnobs::default()
                        })>"Stop demanding SMS codes"</button>
                        <button class="danger" data-testid="sandbox-revoke" on:click=move |_| turn(SandboxKnobs {
                            revoke_tokens: true,
                            ..SandboxKnobs::default()
                        })>"Revoke every token"</button>
                    </div>
                </Show>
            </div>
        })}
    }
}

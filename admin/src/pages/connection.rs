//! CargoTech connection: an account's login state and history, every account's state and budget
//! at a glance (when there are several, picking one shows it); admins log in now, enter the SMS
//! code the exchange asked for, or drop the token. The points dictionary city search answers from.
//! Against the sandbox exchange, its knobs.

use leptos::prelude::*;

use super::{
    Problem,
    cities::CitiesPanel,
    table::{Table, answered},
};
use crate::{
    client::{Method, use_desk},
    format::second,
    i18n::use_texts,
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

#[component]
pub fn ConnectionPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let c = &t.connection;
    let link = RwSignal::new(None::<Result<ConnectionView, ErrorBody>>);
    let problem = RwSignal::new(None::<ErrorBody>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    // The account shown and acted on; `None` is the primary one.
    let account = RwSignal::new(None::<String>);
    let with_account = move |path: &str| match account.get_untracked() {
        Some(name) => format!("{path}?account={name}"),
        None => path.to_owned(),
    };
    let may_act = move || desk.may(Role::Admin);
    let load = move || {
        leptos::task::spawn_local(async move {
            link.set(Some(desk.get(&with_account("/admin/api/connection")).await));
        });
    };
    Effect::new(move |_| load());

    let act = move |path: &'static str, entry: Option<SmsCodeEntry>, done: &'static str| {
        busy.set(true);
        problem.set(None);
        notice.set(None);
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<ConnectionView>(Method::Post, &with_account(path), entry.as_ref())
                .await;
            busy.set(false);
            match answer {
                Ok(Some(view)) => {
                    notice.set(Some(format!("{done}: {}", t.link_state(view.state))));
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
        act("/admin/api/connection/sms-code", Some(entry), c.code_sent);
    };

    view! {
        <h1>{t.nav.connection}</h1>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || notice.get().map(|text| view! { <div class="notice" data-testid="notice">{text}</div> })}
        {move || answered(link.get(), None, |view| {
            let state = view.state;
            let tone = if state.is_healthy() { "badge ok" } else { "badge bad" };
            let accounts = (view.accounts.len() > 1).then(|| {
                let shown = view.account.clone();
                view! {
                    <div class="toolbar accounts" data-testid="accounts" aria-label=c.accounts>
                        {view.accounts.into_iter().map(|line| {
                            let class = if line.account == shown { "current" } else { "secondary" };
                            let tone = if line.state.is_healthy() { "badge ok" } else { "badge bad" };
                            let name = line.account.clone();
                            let label = line.account.clone();
                            view! {
                                <button
                                    class=class
                                    data-testid="account"
                                    data-account=line.account.clone()
                                    on:click=move |_| {
                                        account.set(Some(name.clone()));
                                        load();
                                    }
                                >
                                    {label} " "
                                    <span class=tone>{t.link_state(line.state)}</span>
                                    " " <span class="muted">{(c.budget_line)(line.used_last_minute, line.budget_per_minute)}</span>
                                </button>
                            }
                        }).collect_view()}
                    </div>
                }
            });
            view! {
                {accounts}
                <div class="card connection-state">
                    <div class="state-line">
                        <span class=tone data-testid="connection-state" data-state=format!("{state:?}")>
                            {t.link_state(state)}
                        </span>
                        <span class="muted">{(c.account)(&view.account)}</span>
                    </div>
                    {view.key_mismatch.clone().map(|problem| view! {
                        <p class="problem" data-testid="key-mismatch">{c.key_mismatch} " " {problem}</p>
                    })}
                    <dl class="facts">
                        <dt>{c.token_age}</dt>
                        <dd data-testid="token-age">
                            {view.token_age_seconds.map_or(c.no_token.to_owned(), |age| t.age(age))}
                        </dd>
                        <dt>{c.last_check}</dt>
                        <dd>{view.last_check.as_deref().map_or(c.not_yet.to_owned(), second)}</dd>
                        <dt>{c.last_error}</dt>
                        <dd data-testid="last-error">{view.last_error.clone().unwrap_or_else(|| c.no_error.into())}</dd>
                        <dt>{c.logins}</dt>
                        <dd>{(c.logins_line)(view.logins, view.relogins, view.consecutive_failures)}</dd>
                    </dl>
                    <Show when=may_act>
                        <div class="toolbar">
                            <button
                                data-testid="log-in-now"
                                disabled=move || busy.get()
                                on:click=move |_| act("/admin/api/connection/login", None, c.logged_in)
                            >
                                {c.log_in_now}
                            </button>
                            <button
                                class="secondary"
                                data-testid="drop-token"
                                disabled=move || busy.get()
                                on:click=move |_| act("/admin/api/connection/drop-token", None, c.token_dropped)
                            >
                                {c.drop_token}
                            </button>
                        </div>
                        {(state == LinkState::SmsRequired)
                            .then(|| {
                                view! {
                                    <form class="toolbar sms" on:submit=submit_code data-testid="sms-form">
                                        <label>
                                            {c.sms_prompt}
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
                                            {c.enter_code}
                                        </button>
                                    </form>
                                }
                            })}
                    </Show>
                </div>
                <h2>{c.login_history}</h2>
                <Table
                    testid="connection-history"
                    headings=vec![t.common.when_utc.into(), c.what.into(), c.who.into()]
                >
                    {if view.history.is_empty() {
                        view! { <tr><td colspan="3" class="empty">{c.nothing_yet}</td></tr> }.into_any()
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
                </Table>
            }
                .into_any()
        })}
        <CitiesPanel may_act />
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
    let t = use_texts();
    let c = &t.connection;
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
            <h2>{c.sandbox}</h2>
            <div class="card sandbox" data-testid="sandbox-panel">
                <p class="muted" data-testid="sandbox-stats">{(c.sandbox_stats)(&now)}</p>
                {move || problem.get().map(|error| view! { <Problem error /> })}
                <Show when=may_act fallback=move || view! { <p class="muted">{c.knobs_for_admins}</p> }>
                    <div class="toolbar">
                        <label>{c.latency}
                            <input data-testid="sandbox-latency" inputmode="numeric" placeholder="700"
                                prop:value=latency on:input=move |ev| latency.set(event_target_value(&ev)) />
                        </label>
                        <label>{c.rate_limit}
                            <input data-testid="sandbox-rate" inputmode="numeric" placeholder="600"
                                prop:value=rate on:input=move |ev| rate.set(event_target_value(&ev)) />
                        </label>
                        <button data-testid="sandbox-apply" on:click=move |_| turn(SandboxKnobs {
                            latency_ms: number(latency),
                            rate_limit_per_minute: number(rate),
                            ..SandboxKnobs::default()
                        })>{t.common.apply}</button>
                    </div>
                    <div class="toolbar">
                        <label>{c.fail_next}
                            <select data-testid="sandbox-failure" on:change=move |ev| failure.set(event_target_value(&ev))>
                                <option value="server_error">{c.failure_server_error}</option>
                                <option value="timeout">{c.failure_timeout}</option>
                                <option value="malformed_json">{c.failure_malformed_json}</option>
                                <option value="malformed_item">{c.failure_malformed_item}</option>
                            </select>
                        </label>
                        <label>{t.common.how_many}
                            <input data-testid="sandbox-failures" inputmode="numeric"
                                prop:value=failures on:input=move |ev| failures.set(event_target_value(&ev)) />
                        </label>
                        <button class="secondary" data-testid="sandbox-fail" on:click=move |_| turn(SandboxKnobs {
                            fail: Some(SandboxFailure {
                                kind: failure.get_untracked(),
                                count: number(failures).unwrap_or(1),
                            }),
                            ..SandboxKnobs::default()
                        })>{c.fail_them}</button>
                    </div>
                    <div class="toolbar">
                        <button class="secondary" data-testid="sandbox-demand-sms" on:click=move |_| turn(SandboxKnobs {
                            demand_sms: Some(true),
                            ..SandboxKnobs::default()
                        })>{c.demand_sms}</button>
                        <button class="secondary" on:click=move |_| turn(SandboxKnobs {
                            demand_sms: Some(false),
                            ..SandboxKnobs::default()
                        })>{c.stop_sms}</button>
                        <button class="danger" data-testid="sandbox-revoke" on:click=move |_| turn(SandboxKnobs {
                            revoke_tokens: true,
                            ..SandboxKnobs::default()
                        })>{c.revoke_tokens}</button>
                    </div>
                </Show>
            </div>
        })}
    }
}

//! Service tokens (owners): one per machine client. A new token is shown once, here, and never
//! again (only its hash is kept); revoking one refuses it at once.

use leptos::prelude::*;

use super::{
    Problem,
    table::{Table, answered},
};
use crate::{
    client::{Method, use_desk},
    format::second,
    i18n::use_texts,
    wire::{
        ErrorBody,
        service_tokens::{IssuedServiceToken, NewServiceToken, ServiceTokenView},
    },
};

#[component]
pub fn ServiceTokensPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let k = &t.tokens;
    let tokens = RwSignal::new(None::<Result<Vec<ServiceTokenView>, ErrorBody>>);
    let issued = RwSignal::new(None::<IssuedServiceToken>);
    let problem = RwSignal::new(None::<ErrorBody>);
    let name = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    let load = move || {
        leptos::task::spawn_local(async move {
            tokens.set(Some(desk.get("/admin/api/service-tokens").await));
        });
    };
    Effect::new(move |_| load());
    let create = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let request = NewServiceToken {
            name: name.get_untracked(),
            expires_in_days: days.get_untracked().trim().parse().ok(),
        };
        leptos::task::spawn_local(async move {
            match desk
                .send::<IssuedServiceToken>(
                    Method::Post,
                    "/admin/api/service-tokens",
                    Some(&request),
                )
                .await
            {
                Ok(answer) => {
                    problem.set(None);
                    name.set(String::new());
                    days.set(String::new());
                    issued.set(answer);
                    load();
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    let revoke = move |id: i64| {
        leptos::task::spawn_local(async move {
            match desk
                .send::<ServiceTokenView>(
                    Method::Delete,
                    &format!("/admin/api/service-tokens/{id}"),
                    None::<&()>,
                )
                .await
            {
                Ok(_) => load(),
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    view! {
        <h1>{t.nav.service_tokens}</h1>
        <p class="muted">{k.intro_before}<code>"X-Service-Token"</code>{k.intro_after}</p>
        <form class="toolbar card" on:submit=create data-testid="token-form">
            <label>{k.client_name}
                <input data-testid="token-name" placeholder="monitoring" required
                    prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label>{k.expires_in}
                <input data-testid="token-days" inputmode="numeric"
                    prop:value=days on:input=move |ev| days.set(event_target_value(&ev)) />
            </label>
            <button type="submit" data-testid="token-create">{k.create}</button>
        </form>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || issued.get().map(|fresh| view! {
            <div class="card once" data-testid="token-issued">
                <strong>{(k.issued)(&fresh.service_token.name)}</strong>
                <code class="secret-once" data-testid="token-raw">{fresh.token}</code>
                <button class="secondary" data-testid="token-copied" on:click=move |_| issued.set(None)>{k.copied}</button>
            </div>
        })}
        {move || answered(tokens.get(), None, |list| {
            if list.is_empty() {
                return view! { <div class="empty">{k.none_yet}</div> }.into_any();
            }
            view! {
                <Table
                    testid="tokens"
                    headings=vec![
                        k.client.into(),
                        t.common.state.into(),
                        t.common.created_utc.into(),
                        k.expires.into(),
                        k.last_used.into(),
                        "".into(),
                    ]
                >
                    {list.into_iter().map(|token| {
                        let id = token.id;
                        let live = token.state == "live";
                        view! {
                            <tr data-testid=format!("token-{id}")>
                                <td>{token.name}<div class="muted small">{format!("#{id}")}</div></td>
                                <td><span class=if live { "badge ok" } else { "badge bad" }>{t.value(&token.state).to_owned()}</span></td>
                                <td>{second(&token.created_at)}<div class="muted small">{token.created_by}</div></td>
                                <td>{token.expires_at.as_deref().map_or(t.common.never.to_owned(), second)}</td>
                                <td>{token.last_used_at.as_deref().map_or(t.common.never.to_owned(), second)}</td>
                                <td>{live.then(|| view! {
                                    <button class="danger" data-testid=format!("token-revoke-{id}") on:click=move |_| revoke(id)>{k.revoke}</button>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </Table>
            }.into_any()
        })}
    }
}

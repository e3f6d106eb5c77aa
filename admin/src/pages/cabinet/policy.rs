//! The paths no pass may open: each with the reason the driver is shown and who closed it, a form
//! that closes one more, and opening one again.

use leptos::prelude::*;

use crate::{
    client::{Method, use_desk},
    format::minute,
    i18n::use_texts,
    pages::{
        Problem,
        table::{Empty, Table, answered},
    },
    wire::{
        ErrorBody,
        cabinet::{PolicyRuleInput, PolicyRuleRow},
    },
};

#[component]
pub(super) fn Policy(may_change: Signal<bool>) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let c = &t.cabinet;
    let rules = RwSignal::new(None::<Result<Vec<PolicyRuleRow>, ErrorBody>>);
    let prefix = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<ErrorBody>);

    let load = move || {
        leptos::task::spawn_local(async move {
            rules.set(Some(desk.get("/admin/api/cabinet/policy").await));
        });
    };
    Effect::new(move |_| load());
    let close = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let input = PolicyRuleInput {
            prefix: prefix.get_untracked(),
            reason: reason.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            let path = "/admin/api/cabinet/policy";
            match desk
                .send::<PolicyRuleRow>(Method::Post, path, Some(&input))
                .await
            {
                Ok(_) => {
                    problem.set(None);
                    prefix.set(String::new());
                    reason.set(String::new());
                    load();
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    let open = move |id: i64| {
        leptos::task::spawn_local(async move {
            let path = format!("/admin/api/cabinet/policy/{id}");
            match desk.send::<()>(Method::Delete, &path, None::<&()>).await {
                Ok(_) => {
                    problem.set(None);
                    load();
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };

    let row = move |rule: PolicyRuleRow| {
        let id = rule.id;
        let prefix = rule.prefix.clone();
        view! {
            <tr data-testid="rule-row" data-prefix=prefix>
                <td><code>{rule.prefix}</code></td>
                <td>{rule.reason}</td>
                <td>{rule.added_by}<div class="muted small">{minute(&rule.created_at)}</div></td>
                <td>
                    <Show when=move || may_change.get()>
                        <button class="secondary" data-testid="rule-remove" on:click=move |_| open(id)>
                            {c.open_again}
                        </button>
                    </Show>
                </td>
            </tr>
        }
    };

    view! {
        <h2>{c.policy}</h2>
        <p class="muted">{c.policy_intro}</p>
        <Show when=move || may_change.get()>
            <form class="toolbar card" data-testid="rule-form" on:submit=close>
                <label>{c.path} <input size="24" placeholder="/profile/password" required data-testid="rule-prefix" bind:value=prefix /></label>
                <label>{c.reason} <input size="32" required data-testid="rule-reason" bind:value=reason /></label>
                <button type="submit" data-testid="rule-add">{c.close_path}</button>
            </form>
        </Show>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || answered(rules.get(), None, |list| {
            if list.is_empty() {
                return view! { <Empty text=c.no_rules testid="rules-empty" /> }.into_any();
            }
            view! {
                <Table
                    testid="cabinet-rules"
                    headings=vec![c.path.into(), c.reason.into(), c.added_by.into(), "".into()]
                >
                    {list.into_iter().map(row).collect_view()}
                </Table>
            }
                .into_any()
        })}
    }
}

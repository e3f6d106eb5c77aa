//! Passes: a form that issues one to a driver for one of the lengths drivers can buy (its token
//! shown once), the list found by driver and state, and revoking one, which the cabinet obeys
//! within a second.

use leptos::prelude::*;

use crate::{
    client::{Method, use_desk},
    format::minute,
    i18n::use_texts,
    pages::{
        Problem, optional,
        table::{Empty, Table, answered},
    },
    wire::{
        ErrorBody,
        cabinet::{IssuedPass, PassGrant, PassRow},
    },
};

/// The lengths a pass is sold for, in hours; an admin issues the same.
const LENGTHS: [u32; 5] = [1, 12, 24, 168, 720];
/// The states a list can be narrowed to.
const STATES: [&str; 4] = ["active", "pending", "expired", "revoked"];

#[component]
pub(super) fn Passes(may_change: Signal<bool>) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let c = &t.cabinet;
    let passes = RwSignal::new(None::<Result<Vec<PassRow>, ErrorBody>>);
    let version = RwSignal::new(0_u32);
    let query = RwSignal::new(String::new());
    let filter_driver = RwSignal::new(String::new());
    let filter_state = RwSignal::new(String::new());
    let driver = RwSignal::new(String::new());
    let hours = RwSignal::new(LENGTHS[0].to_string());
    let issued = RwSignal::new(None::<IssuedPass>);
    let problem = RwSignal::new(None::<ErrorBody>);

    Effect::new(move |_| {
        version.track();
        let query = query.get();
        leptos::task::spawn_local(async move {
            passes.set(Some(desk.get(&format!("/admin/api/passes?{query}")).await));
        });
    });
    let reload = move || version.update(|v| *v += 1);
    let apply = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut parts = Vec::new();
        if let Some(driver) = optional(filter_driver.get_untracked()) {
            match driver.parse::<i64>() {
                Ok(driver) => parts.push(format!("driver_id={driver}")),
                Err(_) => {
                    problem.set(Some(t.refusal("invalid_value", c.driver_whole)));
                    return;
                }
            }
        }
        if let Some(state) = optional(filter_state.get_untracked()) {
            parts.push(format!("state={state}"));
        }
        problem.set(None);
        query.set(parts.join("&"));
        reload();
    };
    let issue = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Ok(driver_id) = driver.get_untracked().trim().parse::<i64>() else {
            problem.set(Some(t.refusal("invalid_value", c.driver_whole)));
            return;
        };
        let grant = PassGrant {
            driver_id,
            hours: hours.get_untracked().parse().unwrap_or(LENGTHS[0]),
        };
        leptos::task::spawn_local(async move {
            match desk
                .send::<IssuedPass>(Method::Post, "/admin/api/passes", Some(&grant))
                .await
            {
                Ok(answer) => {
                    problem.set(None);
                    driver.set(String::new());
                    issued.set(answer);
                    reload();
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    let revoke = move |id: i64| {
        leptos::task::spawn_local(async move {
            let path = format!("/admin/api/passes/{id}/revoke");
            match desk.send::<PassRow>(Method::Post, &path, None::<&()>).await {
                Ok(_) => {
                    problem.set(None);
                    reload();
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };

    let row = move |pass: PassRow| {
        let id = pass.id;
        let live = matches!(pass.state.as_str(), "active" | "pending");
        let badge = match pass.state.as_str() {
            "active" => "badge ok",
            "revoked" => "badge bad",
            _ => "badge",
        };
        let issued_by = match pass.payment_id {
            Some(payment) => view! {
                <a href=format!("/admin/payments/{payment}")>{format!("{} #{payment}", c.bought)}</a>
            }
            .into_any(),
            None => pass.issued_by.clone().into_any(),
        };
        view! {
            <tr data-testid="pass-row" data-id=id.to_string() data-state=pass.state.clone()>
                <td>{format!("#{id}")}</td>
                <td>
                    <a href=format!("/admin/drivers/{}", pass.driver_id)>{format!("#{}", pass.driver_id)}</a>
                </td>
                <td>{(c.length)(pass.hours)}</td>
                <td>
                    <span class=badge data-testid="pass-state">{(c.state)(&pass.state)}</span>
                    {pass.revoked_by.as_deref().map(|who| view! { <div class="muted small">{(c.revoked_by)(who)}</div> })}
                </td>
                <td>{issued_by}<div class="muted small">{minute(&pass.created_at)}</div></td>
                <td>{pass.expires_at.as_deref().map_or_else(|| "—".to_owned(), minute)}</td>
                <td>
                    <Show when=move || live && may_change.get()>
                        <button class="danger" data-testid="pass-revoke" on:click=move |_| revoke(id)>
                            {c.revoke}
                        </button>
                    </Show>
                </td>
            </tr>
        }
    };

    view! {
        <h2>{c.passes}</h2>
        <Show when=move || may_change.get()>
            <form class="toolbar card" data-testid="pass-issue" on:submit=issue>
                <strong>{c.issue_heading}</strong>
                <label>{c.driver_id} <input size="8" inputmode="numeric" required data-testid="pass-driver" bind:value=driver /></label>
                <label>
                    {c.lasts}
                    " "
                    <select data-testid="pass-hours" on:change=move |ev| hours.set(event_target_value(&ev))>
                        {LENGTHS
                            .into_iter()
                            .map(|h| view! { <option value=h.to_string()>{(c.length)(h)}</option> })
                            .collect_view()}
                    </select>
                </label>
                <button type="submit" data-testid="pass-issue-submit">{c.issue}</button>
            </form>
        </Show>
        {move || issued.get().map(|fresh| view! {
            <div class="card once" data-testid="pass-issued">
                <strong>{(c.issued)(fresh.pass.driver_id)}</strong>
                <code class="secret-once" data-testid="pass-token">{fresh.token}</code>
                <p class="muted small">{c.token_once}</p>
                <button class="secondary" data-testid="pass-issued-done" on:click=move |_| issued.set(None)>{c.done}</button>
            </div>
        })}
        <form class="toolbar" data-testid="pass-filters" on:submit=apply>
            <label>{c.driver_id} <input size="8" inputmode="numeric" data-testid="pass-filter-driver" bind:value=filter_driver /></label>
            <label>
                {t.common.state}
                " "
                <select data-testid="pass-filter-state" on:change=move |ev| filter_state.set(event_target_value(&ev))>
                    <option value="">{t.common.any}</option>
                    {STATES
                        .into_iter()
                        .map(|state| view! { <option value=state>{(c.state)(state)}</option> })
                        .collect_view()}
                </select>
            </label>
            <button type="submit" data-testid="pass-search">{c.show}</button>
        </form>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || answered(passes.get(), None, |list| {
            if list.is_empty() {
                return view! { <Empty text=c.no_passes testid="passes-empty" /> }.into_any();
            }
            view! {
                <Table
                    testid="passes"
                    headings=vec![
                        c.pass.into(),
                        t.common.driver.into(),
                        c.lasts.into(),
                        t.common.state.into(),
                        c.issued_by.into(),
                        c.expires_utc.into(),
                        "".into(),
                    ]
                >
                    {list.into_iter().map(row).collect_view()}
                </Table>
            }
                .into_any()
        })}
    }
}

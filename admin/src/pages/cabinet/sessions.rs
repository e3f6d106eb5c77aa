//! The cabinet's sessions, the latest seen first: which driver on which pass, signed in how and
//! from where, when, and how much (pages opened, requests, bytes each way, refusals).

use leptos::prelude::*;

use crate::{
    client::use_desk,
    format::{bytes, second},
    i18n::use_texts,
    pages::{
        Problem, optional,
        table::{Empty, Heading, Table, answered},
    },
    wire::{ErrorBody, cabinet::CabinetSessionRow},
};

#[component]
pub(super) fn Sessions() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let c = &t.cabinet;
    let sessions = RwSignal::new(None::<Result<Vec<CabinetSessionRow>, ErrorBody>>);
    let version = RwSignal::new(0_u32);
    let pass = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<ErrorBody>);

    Effect::new(move |_| {
        version.track();
        let query = query.get();
        leptos::task::spawn_local(async move {
            let path = format!("/admin/api/cabinet/sessions?{query}");
            sessions.set(Some(desk.get(&path).await));
        });
    });
    let apply = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let filter = match optional(pass.get_untracked()).map(|id| id.parse::<i64>()) {
            None => String::new(),
            Some(Ok(id)) => format!("pass_id={id}"),
            Some(Err(_)) => {
                problem.set(Some(t.refusal("invalid_value", c.pass_id)));
                return;
            }
        };
        problem.set(None);
        query.set(filter);
        version.update(|v| *v += 1);
    };

    let row = move |session: CabinetSessionRow| {
        view! {
            <tr data-testid="cabinet-session" data-pass-id=session.pass_id.to_string() data-pages=session.pages.to_string()>
                <td>
                    <a href=format!("/admin/drivers/{}", session.driver_id)>{format!("#{}", session.driver_id)}</a>
                    <div class="muted small">{format!("{}{}", c.pass_id, session.pass_id)}</div>
                </td>
                <td>{session.via}</td>
                <td>{session.client_addr.unwrap_or_else(|| "—".into())}</td>
                <td>{second(&session.started_at)}</td>
                <td>{second(&session.last_seen_at)}</td>
                <td class="num" data-testid="session-pages">{session.pages}</td>
                <td class="num">{session.requests}</td>
                <td class="num">{bytes(session.bytes_down)}</td>
                <td class="num">{bytes(session.bytes_up)}</td>
                <td class="num">{session.refused}</td>
            </tr>
        }
    };

    view! {
        <h2>{c.sessions}</h2>
        <form class="toolbar" data-testid="session-filters" on:submit=apply>
            <label>{c.pass_id} <input size="8" inputmode="numeric" data-testid="session-filter-pass" bind:value=pass /></label>
            <button type="submit" data-testid="session-search">{c.show}</button>
        </form>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || answered(sessions.get(), None, |list| {
            if list.is_empty() {
                return view! { <Empty text=c.no_sessions testid="sessions-empty" /> }.into_any();
            }
            view! {
                <Table
                    testid="cabinet-sessions"
                    headings=vec![
                        t.common.driver.into(),
                        c.via.into(),
                        c.from.into(),
                        c.started_utc.into(),
                        c.last_seen_utc.into(),
                        Heading::numeric(c.pages),
                        Heading::numeric(c.requests),
                        Heading::numeric(c.down),
                        Heading::numeric(c.up),
                        Heading::numeric(c.refused),
                    ]
                >
                    {list.into_iter().map(row).collect_view()}
                </Table>
            }
                .into_any()
        })}
    }
}

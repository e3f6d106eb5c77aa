//! The drivers' list: search by name, username or Telegram id (after a pause in typing), narrow by
//! subscription state, order, and page through.

use leptos::prelude::*;

use super::{short_day, state_badge};
use crate::{
    client::use_desk,
    format::{encode, minute},
    i18n::use_texts,
    pages::{
        debounced,
        table::{Empty, Pager, Table, answered, turns},
    },
    wire::{
        ErrorBody,
        drivers::{DriverPage, DriverSort, DriverState},
    },
};

const PER_PAGE: u64 = 25;

#[component]
pub(super) fn DriverList() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let d = &t.drivers;
    let typed = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    let sort = RwSignal::new(DriverSort::Newest.as_str().to_owned());
    let page = RwSignal::new(1u64);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let listing = RwSignal::new(None::<Result<DriverPage, ErrorBody>>);
    let busy = RwSignal::new(false);
    let asked = StoredValue::new(0u64);

    Effect::new(move |_| {
        let path = format!(
            "/admin/api/drivers?q={}&state={}&sort={}&page={}&per_page={PER_PAGE}",
            encode(&search.get()),
            state.get(),
            sort.get(),
            page.get(),
        );
        let ticket = asked.get_value() + 1;
        asked.set_value(ticket);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = desk.get::<DriverPage>(&path).await;
            // Only the latest question's answer is shown, however the answers arrive.
            if asked.get_value() == ticket {
                listing.set(Some(answer));
                busy.set(false);
            }
        });
    });

    let on_search = move |event| {
        let text = event_target_value(&event);
        typed.set(text.clone());
        debounced(timer, move || {
            search.set(text.trim().to_owned());
            page.set(1);
        });
    };

    view! {
        <h1>{t.nav.drivers}</h1>
        <div class="toolbar">
            <label class="grow">
                {d.search}
                <input
                    type="search"
                    data-testid="drivers-search"
                    placeholder=d.search_placeholder
                    prop:value=typed
                    on:input=on_search
                />
            </label>
            <label>
                {d.subscription}
                <select
                    data-testid="drivers-state"
                    prop:value=state
                    on:change=move |event| {
                        state.set(event_target_value(&event));
                        page.set(1);
                    }
                >
                    <option value="">{t.common.any}</option>
                    {DriverState::ALL
                        .into_iter()
                        .map(|state| view! { <option value=state.as_str()>{t.driver_state(state)}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                {d.order}
                <select
                    data-testid="drivers-sort"
                    prop:value=sort
                    on:change=move |event| {
                        sort.set(event_target_value(&event));
                        page.set(1);
                    }
                >
                    {DriverSort::ALL
                        .into_iter()
                        .map(|sort| view! { <option value=sort.as_str()>{t.driver_sort(sort)}</option> })
                        .collect_view()}
                </select>
            </label>
        </div>
        {move || answered(listing.get(), Some("drivers-loading"), |found| {
            if found.rows.is_empty() {
                return view! { <Empty text=d.none_match testid="drivers-empty" /> }.into_any();
            }
            let pages = found.pages();
            let count = t.count(found.total, t.nouns.driver);
            let rows = found
                .rows
                .into_iter()
                .map(|row| {
                    view! {
                        <tr data-testid=format!("driver-row-{}", row.telegram_id)>
                            <td>
                                <a
                                    href=format!("/admin/drivers/{}", row.id)
                                    data-testid=format!("driver-link-{}", row.telegram_id)
                                >
                                    {row.name}
                                </a>
                            </td>
                            <td>{row.username.map(|name| format!("@{name}"))}</td>
                            <td><code>{row.telegram_id}</code></td>
                            <td>
                                <span class=state_badge(row.state) data-testid="driver-state">
                                    {t.driver_state(row.state)}
                                </span>
                            </td>
                            <td>{row.access_ends_at.as_deref().map(minute).unwrap_or_else(|| "—".into())}</td>
                            <td>{short_day(&row.joined_at)}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <Table
                    testid="drivers-table"
                    stale=busy
                    headings=vec![
                        d.name.into(),
                        d.username.into(),
                        d.telegram_id.into(),
                        d.subscription.into(),
                        d.access_ends.into(),
                        d.joined.into(),
                    ]
                >
                    {rows}
                </Table>
                <Pager page=page.get_untracked() pages count turn=turns(page) />
            }
                .into_any()
        })}
    }
}

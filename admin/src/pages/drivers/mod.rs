//! Drivers: find one among many (search, state, order, pages), then their page: profile, access,
//! history, payments, responses, and what staff may do to them (gift days, ban, write through
//! the bot), each answered in place.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{Problem, payments::money};
use crate::{
    client::{Method, use_desk},
    format::{encode, minute},
    i18n::{Noun, use_texts},
    wire::{
        ErrorBody, Role,
        drivers::{
            DriverDetail, DriverMessage, DriverPage, DriverSort, DriverState, GiftDays,
            MAX_MESSAGE_CHARS, gift_problem, message_problem,
        },
    },
};

const PER_PAGE: u64 = 25;
/// How long typing must pause before the search runs.
pub(super) const DEBOUNCE: Duration = Duration::from_millis(300);

fn short_day(at: &str) -> String {
    at.chars().take(10).collect()
}

fn state_badge(state: DriverState) -> &'static str {
    match state {
        DriverState::Active => "badge ok",
        DriverState::Banned => "badge bad",
        DriverState::Trial | DriverState::Expired | DriverState::Never => "badge",
    }
}

/// Runs `then` once typing has paused, forgetting any run still waiting.
pub(super) fn debounced(timer: StoredValue<Option<TimeoutHandle>>, then: impl FnOnce() + 'static) {
    if let Some(handle) = timer.get_value() {
        handle.clear();
    }
    timer.set_value(set_timeout_with_handle(then, DEBOUNCE).ok());
}

/// "Page 2 of 40 · 1000 drivers" with previous and next.
pub(super) fn pager(page: RwSignal<u64>, pages: u64, total: u64, noun: Noun) -> impl IntoView {
    let t = use_texts();
    let current = page.get_untracked();
    view! {
        <div class="pager" data-testid="pager">
            <button
                class="secondary"
                data-testid="pager-prev"
                disabled={current <= 1}
                on:click=move |_| page.update(|page| *page = page.saturating_sub(1).max(1))
            >
                {t.common.previous}
            </button>
            <span data-testid="pager-info">
                {format!("{} · {}", (t.common.page_of)(current, pages), t.count(total, noun))}
            </span>
            <button
                class="secondary"
                data-testid="pager-next"
                disabled={current >= pages}
                on:click=move |_| page.update(|page| *page += 1)
            >
                {t.common.next}
            </button>
        </div>
    }
}

#[component]
pub fn DriversPage() -> impl IntoView {
    let params = use_params_map();
    move || match params.with(|params| params.get("id")) {
        Some(id) => {
            let id = id.parse::<i64>().unwrap_or(-1);
            view! { <DriverView id /> }.into_any()
        }
        None => view! { <DriverList /> }.into_any(),
    }
}

#[component]
fn DriverList() -> impl IntoView {
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
        {move || match listing.get() {
            None => view! { <div class="loading" data-testid="drivers-loading">{t.common.loading}</div> }.into_any(),
            Some(Err(error)) => view! { <Problem error /> }.into_any(),
            Some(Ok(found)) if found.rows.is_empty() => {
                view! {
                    <div class="card empty" data-testid="drivers-empty">
                        {d.none_match}
                    </div>
                }
                    .into_any()
            }
            Some(Ok(found)) => {
                let pages = found.pages();
                let total = found.total;
                view! {
                    <table class="table" class:stale=move || busy.get() data-testid="drivers-table">
                        <thead>
                            <tr>
                                <th>{d.name}</th>
                                <th>{d.username}</th>
                                <th>{d.telegram_id}</th>
                                <th>{d.subscription}</th>
                                <th>{d.access_ends}</th>
                                <th>{d.joined}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {found
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
                                .collect_view()}
                        </tbody>
                    </table>
                    {pager(page, pages, total, t.nouns.driver)}
                }
                    .into_any()
            }
        }}
    }
}

/// What an action answered, shown beside it.
type Outcome = Option<Result<String, ErrorBody>>;

fn outcome_view(outcome: Outcome, testid: &'static str) -> impl IntoView {
    outcome.map(|outcome| match outcome {
        Ok(done) => view! { <p class="notice" data-testid=testid>{done}</p> }.into_any(),
        Err(error) => view! {
            <p class="problem" data-testid=testid data-code=error.code.clone() title=error.code>
                {error.message}
            </p>
        }
        .into_any(),
    })
}

#[component]
fn DriverView(id: i64) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let d = &t.drivers;
    let detail = RwSignal::new(None::<Result<DriverDetail, ErrorBody>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            detail.set(Some(desk.get(&format!("/admin/api/drivers/{id}")).await));
        });
    });
    let loaded = move || detail.with(|detail| matches!(detail, Some(Ok(_))));
    let banned = Memo::new(move |_| {
        detail
            .with(|detail| matches!(detail, Some(Ok(detail)) if detail.profile.banned_at.is_some()))
    });
    let may_manage = move || {
        desk.session.with(|session| {
            session
                .as_ref()
                .is_some_and(|s| s.admin.role >= Role::Admin)
        })
    };

    view! {
        <a href="/admin/drivers" data-testid="back-to-drivers">{d.all_drivers}</a>
        {move || match detail.get() {
            None => view! { <div class="loading" data-testid="driver-loading">{t.common.loading}</div> }.into_any(),
            Some(Err(error)) => view! { <Problem error /> }.into_any(),
            Some(Ok(detail)) => view! { <DriverSummary detail /> }.into_any(),
        }}
        <Show when=loaded>
            <h2>{d.actions}</h2>
            <div class="actions">
                <GiftForm id detail />
                <Show
                    when=may_manage
                    fallback=move || {
                        view! {
                            <div class="card" data-testid="manage-needs-admin">
                                <h3>{d.ban_and_messages}</h3>
                                <p class="muted">{d.needs_admin}</p>
                            </div>
                        }
                    }
                >
                    <BanControl id detail banned />
                    <MessageForm id />
                </Show>
            </div>
        </Show>
    }
}

#[component]
fn DriverSummary(detail: DriverDetail) -> impl IntoView {
    let t = use_texts();
    let d = &t.drivers;
    let DriverDetail {
        profile,
        access,
        grants,
        payments,
        responses,
    } = detail;
    let name = match &profile.last_name {
        Some(last) if !last.is_empty() => format!("{} {last}", profile.first_name),
        _ => profile.first_name.clone(),
    };
    view! {
        <div class="driver-head" data-testid="driver-page" data-driver-id=profile.id>
            <h1 data-testid="driver-name">{name}</h1>
            <span class=state_badge(access.state) data-testid="driver-state">{t.driver_state(access.state)}</span>
        </div>
        <div class="cards driver-cards">
            <div class="card metric">
                <div class="label">{d.access_ends}</div>
                <div class="value" data-testid="access-ends">
                    {access.ends_at.as_deref().map(minute).unwrap_or_else(|| d.never_had_access.into())}
                </div>
                <div class="label" data-testid="days-left">
                    {if access.active { (d.days_left)(access.days_left.into()) } else { d.no_access_now.into() }}
                </div>
            </div>
            <div class="card metric">
                <div class="label">"Telegram"</div>
                <div class="value"><code>{profile.telegram_id}</code></div>
                <div class="label">
                    {profile.username.map(|name| format!("@{name}")).unwrap_or_else(|| d.no_username.into())}
                    {profile.language_code.map(|code| format!(" · {code}"))}
                </div>
            </div>
            <div class="card metric">
                <div class="label">{d.the_bot}</div>
                <div class="value" data-testid="bot-reach">
                    {if profile.bot_reachable { d.bot_reaches } else { d.bot_blocked }}
                </div>
                <div class="label">{(d.joined_on)(&short_day(&profile.joined_at))}</div>
            </div>
            {profile.banned_at.map(|at| {
                view! {
                    <div class="card metric">
                        <div class="label">{d.banned}</div>
                        <div class="value">{minute(&at)}</div>
                        <div class="label">{d.signed_out}</div>
                    </div>
                }
            })}
        </div>

        <h2>{d.history}</h2>
        {if grants.is_empty() {
            view! { <div class="card empty" data-testid="grants-empty">{d.no_grants}</div> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="grants-table">
                    <thead>
                        <tr>
                            <th>{t.common.when}</th>
                            <th>{d.source}</th>
                            <th>{t.common.days}</th>
                            <th>{d.before}</th>
                            <th>{d.after}</th>
                            <th>{d.by}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {grants
                            .into_iter()
                            .map(|grant| {
                                view! {
                                    <tr data-testid="grant-row" title=grant.source_ref>
                                        <td>{minute(&grant.created_at)}</td>
                                        <td><span class="badge">{t.value(&grant.source).to_owned()}</span></td>
                                        <td>{format!("{:+}", grant.days)}</td>
                                        <td>{minute(&grant.ends_before)}</td>
                                        <td>{minute(&grant.ends_after)}</td>
                                        <td>{grant.granted_by}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}

        <h2>{d.payments}</h2>
        {if payments.is_empty() {
            view! { <div class="card empty" data-testid="payments-empty">{d.no_payments}</div> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="payments-table">
                    <thead>
                        <tr>
                            <th>{t.common.when}</th>
                            <th>{t.common.status}</th>
                            <th>{t.common.amount}</th>
                            <th>{t.common.refunded}</th>
                            <th>{t.common.days}</th>
                            <th>{t.common.provider}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {payments
                            .into_iter()
                            .map(|payment| {
                                let refunded = if payment.refunded > 0 {
                                    money(payment.refunded, &payment.currency)
                                } else {
                                    "—".into()
                                };
                                let badge = if payment.status == "succeeded" {
                                    "badge ok"
                                } else {
                                    "badge"
                                };
                                view! {
                                    <tr data-testid="payment-row">
                                        <td>{minute(&payment.created_at)}</td>
                                        <td>
                                            <span class=badge>
                                                {t.value(&payment.status).to_owned()}
                                            </span>
                                        </td>
                                        <td>{money(payment.amount, &payment.currency)}</td>
                                        <td>{refunded}</td>
                                        <td>{payment.days}</td>
                                        <td>{t.value(&payment.provider).to_owned()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}

        <h2>{d.responses}</h2>
        {if responses.is_empty() {
            view! { <div class="card empty" data-testid="responses-empty">{d.no_responses}</div> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="responses-table">
                    <thead>
                        <tr>
                            <th>{t.common.when}</th>
                            <th>{d.load}</th>
                            <th>{d.route}</th>
                            <th>{t.common.status}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {responses
                            .into_iter()
                            .map(|response| {
                                view! {
                                    <tr data-testid="response-row">
                                        <td>{minute(&response.responded_at)}</td>
                                        <td><code>{response.cargo_id}</code></td>
                                        <td>{response.route}</td>
                                        <td>{t.value(&response.status).to_owned()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
    }
}

/// Gifting days: any staff may.
#[component]
fn GiftForm(id: i64, detail: RwSignal<Option<Result<DriverDetail, ErrorBody>>>) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let d = &t.drivers;
    let days = RwSignal::new("7".to_owned());
    let outcome = RwSignal::new(None::<Result<String, ErrorBody>>);
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let count = days.get_untracked().trim().parse::<i64>().unwrap_or(0);
        if gift_problem(count).is_some() {
            outcome.set(Some(Err(t.refusal("invalid_days", d.gift_problem))));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<DriverDetail>(
                    Method::Post,
                    &format!("/admin/api/drivers/{id}/gift"),
                    Some(&GiftDays { days: count }),
                )
                .await;
            busy.set(false);
            match answer {
                Ok(Some(changed)) => {
                    let until = changed
                        .access
                        .ends_at
                        .as_deref()
                        .map(minute)
                        .unwrap_or_default();
                    outcome.set(Some(Ok((d.gifted)(count.unsigned_abs(), &until))));
                    detail.set(Some(Ok(changed)));
                }
                Ok(None) => outcome.set(Some(Err(t.transport()))),
                Err(error) => outcome.set(Some(Err(error))),
            }
        });
    };
    view! {
        <form class="card" data-testid="gift-form" novalidate on:submit=submit>
            <h3>{d.gift_days}</h3>
            <label>
                {d.gift_range}
                <input
                    type="number"
                    min="1"
                    max="365"
                    data-testid="gift-days"
                    prop:value=days
                    on:input=move |event| days.set(event_target_value(&event))
                />
            </label>
            <button type="submit" data-testid="gift-submit" disabled=move || busy.get()>
                {d.gift}
            </button>
            {move || outcome_view(outcome.get(), "gift-result")}
        </form>
    }
}

/// Banning and unbanning, each behind a second, explicit click.
#[component]
fn BanControl(
    id: i64,
    detail: RwSignal<Option<Result<DriverDetail, ErrorBody>>>,
    banned: Memo<bool>,
) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let d = &t.drivers;
    let confirming = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, ErrorBody>>);
    let busy = RwSignal::new(false);
    let act = move |_| {
        let ban = !banned.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let path = format!(
                "/admin/api/drivers/{id}/{}",
                if ban { "ban" } else { "unban" }
            );
            let answer = desk
                .send::<DriverDetail>(Method::Post, &path, None::<&()>)
                .await;
            busy.set(false);
            confirming.set(false);
            match answer {
                Ok(Some(changed)) => {
                    outcome.set(Some(Ok(if ban { d.ban_done } else { d.unban_done }.into())));
                    detail.set(Some(Ok(changed)));
                }
                Ok(None) => outcome.set(Some(Err(t.transport()))),
                Err(error) => outcome.set(Some(Err(error))),
            }
        });
    };
    view! {
        <div class="card" data-testid="ban-control">
            <h3>{move || if banned.get() { d.unban } else { d.ban }}</h3>
            <Show
                when=move || confirming.get()
                fallback=move || {
                    view! {
                        <p class="muted">
                            {move || {
                                if banned.get() { d.banned_note } else { d.ban_note }
                            }}
                        </p>
                        <button
                            class=move || if banned.get() { "secondary" } else { "danger" }
                            data-testid="ban-button"
                            on:click=move |_| {
                                outcome.set(None);
                                confirming.set(true);
                            }
                        >
                            {move || if banned.get() { d.unban_button } else { d.ban_button }}
                        </button>
                    }
                }
            >
                <p class="confirm" data-testid="ban-confirmation">
                    {move || {
                        if banned.get() { d.confirm_unban } else { d.confirm_ban }
                    }}
                </p>
                <div class="buttons">
                    <button
                        class=move || if banned.get() { "" } else { "danger" }
                        data-testid="ban-confirm"
                        disabled=move || busy.get()
                        on:click=act
                    >
                        {move || if banned.get() { d.yes_unban } else { d.yes_ban }}
                    </button>
                    <button class="secondary" data-testid="ban-cancel" on:click=move |_| confirming.set(false)>
                        {t.common.cancel}
                    </button>
                </div>
            </Show>
            {move || outcome_view(outcome.get(), "ban-result")}
        </div>
    }
}

/// A message through the bot, as plain text.
#[component]
fn MessageForm(id: i64) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let d = &t.drivers;
    let text = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<String, ErrorBody>>);
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let body = text.get_untracked();
        if message_problem(&body).is_some() {
            let problem = if body.trim().is_empty() {
                d.message_empty
            } else {
                d.message_too_long
            };
            outcome.set(Some(Err(t.refusal("invalid_text", problem))));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<()>(
                    Method::Post,
                    &format!("/admin/api/drivers/{id}/message"),
                    Some(&DriverMessage { text: body }),
                )
                .await;
            busy.set(false);
            match answer {
                Ok(_) => {
                    text.set(String::new());
                    outcome.set(Some(Ok(d.sent.into())));
                }
                Err(error) => outcome.set(Some(Err(error))),
            }
        });
    };
    view! {
        <form class="card" data-testid="message-form" on:submit=submit>
            <h3>{d.message}</h3>
            <label>
                {move || (d.message_length)(text.with(|text| text.trim().chars().count()), MAX_MESSAGE_CHARS)}
                <textarea
                    rows="4"
                    data-testid="message-text"
                    prop:value=text
                    on:input=move |event| text.set(event_target_value(&event))
                ></textarea>
            </label>
            <button type="submit" data-testid="message-submit" disabled=move || busy.get()>
                {d.send}
            </button>
            {move || outcome_view(outcome.get(), "message-result")}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_to_the_minute() {
        assert_eq!(minute("2026-11-23T10:15:00.123+00:00"), "2026-11-23 10:15");
    }
}

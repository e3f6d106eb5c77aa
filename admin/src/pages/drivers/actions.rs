//! What staff may do to a driver from their page, each answered in place: gift days (any staff),
//! ban or unban behind a second click, and write through the bot (admins and owners).

use leptos::prelude::*;

use crate::{
    client::{Method, use_desk},
    format::minute,
    i18n::use_texts,
    wire::{
        ErrorBody,
        drivers::{
            DriverDetail, DriverMessage, GiftDays, MAX_MESSAGE_CHARS, gift_problem, message_problem,
        },
    },
};

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

/// Gifting days: any staff may.
#[component]
pub(super) fn GiftForm(
    id: i64,
    detail: RwSignal<Option<Result<DriverDetail, ErrorBody>>>,
) -> impl IntoView {
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
pub(super) fn BanControl(
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
pub(super) fn MessageForm(id: i64) -> impl IntoView {
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

//! `/subscription`: where the driver's access stands, and the offer to extend it. YooKassa sends
//! the driver back here with `?payment=<id>` (or Telegram reopens the app with `startapp=payment-<id>`),
//! and the page follows that payment to its outcome.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_location, use_navigate, use_query_map},
};

use super::{
    access::{format_day, use_access},
    offer::Offer,
    sale::Sale,
};
use crate::{
    actions::BackAction,
    i18n::use_texts,
    session::{SignIn, SignInStatus},
    telegram,
};

#[component]
pub fn SubscriptionPage() -> impl IntoView {
    let text = use_texts();
    let access = use_access();
    let sign_in = expect_context::<RwSignal<SignIn>>();
    let navigate = use_navigate();
    let query = use_query_map();
    let sale = Sale::new(access, None);

    let payment =
        query.with_untracked(|query| query.get("payment").and_then(|id| id.parse::<i64>().ok()));
    // The profile's "pay with autopay" arrives with the choice already ticked.
    if query.with_untracked(|query| query.get("autopay").as_deref() == Some("1")) {
        sale.autopay.set(true);
    }
    Effect::new(move |followed: Option<bool>| {
        if followed == Some(true) {
            return true;
        }
        match (payment, access.api.with(Option::is_some)) {
            (Some(id), true) => {
                sale.follow(id);
                true
            }
            _ => false,
        }
    });

    let to_loads = {
        let navigate = navigate.clone();
        move || navigate("/", Default::default())
    };
    let go_back = move || navigate("/", Default::default());
    let signed_out = move || {
        matches!(
            sign_in.get(),
            SignIn::Refused(_) | SignIn::OutsideTelegram | SignIn::SignedOut
        )
    };
    let state = move || {
        access.get().map(|access| match access.until.as_deref() {
            Some(until) if access.active => text
                .access_until
                .replace("{date}", &format_day(until))
                .replace("{left}", &text.days_left(access.days_left)),
            _ => text.no_subscription.to_owned(),
        })
    };

    view! {
        <BackAction label=text.back on_back=go_back />
        <h1 class="page-title">{text.subscription}</h1>
        <Show
            when=move || !signed_out()
            fallback=|| view! { <SignInStatus /> }
        >
            <div class="card access-state" data-testid="access-state">
                {move || match state() {
                    Some(line) => view! { <p>{line}</p> }.into_any(),
                    None => view! { <div class="skeleton-line"></div> }.into_any(),
                }}
            </div>
            <Offer sale on_continue=to_loads.clone() />
        </Show>
    }
}

/// Telegram reopened the app from a `startapp=payment-<id>` link (YooKassa's way back): the
/// driver lands on that payment's outcome rather than on the loads.
#[component]
pub fn FollowStartParam() -> impl IntoView {
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        let payment = telegram::start_param()
            .and_then(|param| param.strip_prefix("payment-").map(str::to_owned))
            .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
        if let Some(id) = payment
            && location.pathname.get_untracked() == "/"
        {
            let options = NavigateOptions {
                replace: true,
                ..Default::default()
            };
            navigate(&format!("/subscription?payment={id}"), options);
        }
    });
}

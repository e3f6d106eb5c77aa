//! Autopay in the profile: when the card is charged next and one tap to switch it off; one tap
//! to switch it on again with the card kept; after a declined renewal, the kind word and the way
//! back to paying. On the platforms that pay in Telegram Stars it says why there is none.

use leptos::{prelude::*, task::spawn_local};

use super::texts::use_profile_texts;
use crate::{
    api::Method,
    cargo::card::format_rub,
    i18n::use_texts,
    paywall::{format_day, use_access},
    subscription::{Autopay, AutopayRequest, AutopayState, SubscriptionView},
    telegram::{self, Haptic},
};

#[component]
pub(super) fn AutopaySection() -> impl IntoView {
    let t = use_profile_texts();
    let text = use_texts();
    let access = use_access();
    let autopay = RwSignal::new(None::<Autopay>);
    let stars = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(api) = access.api.get() {
            spawn_local(async move {
                if let Ok(view) = api.get::<SubscriptionView>("/api/v1/subscription").await {
                    let platform = telegram::platform();
                    stars.set(platform.is_some_and(|p| view.stars_platforms.contains(&p)));
                    autopay.set(Some(view.autopay));
                }
            });
        }
    });
    let switch = move |enabled: bool| {
        let Some(api) = access.api.get_untracked() else {
            return;
        };
        telegram::haptic(Haptic::Tap);
        busy.set(true);
        spawn_local(async move {
            let request = AutopayRequest { enabled };
            match api
                .send::<Autopay>(Method::Put, "/api/v1/me/autopay", Some(&request))
                .await
            {
                Ok(Some(now)) => {
                    telegram::haptic(Haptic::Success);
                    notice.set(Some(
                        if enabled {
                            t.autopay_switched_on
                        } else {
                            t.autopay_switched_off
                        }
                        .to_owned(),
                    ));
                    autopay.set(Some(now));
                }
                Ok(None) => {}
                Err(error) => {
                    telegram::haptic(Haptic::Error);
                    notice.set(Some(text.problem(&error)));
                }
            }
            busy.set(false);
        });
    };

    let body = move || {
        let Some(autopay) = autopay.get() else {
            return view! { <div class="skeleton-line"></div> }.into_any();
        };
        let card = autopay.card_label();
        match (autopay.state, autopay.card.is_some()) {
            (AutopayState::On, _) => {
                let line = t
                    .autopay_on
                    .replace(
                        "{date}",
                        &autopay
                            .next_charge_at
                            .as_deref()
                            .map(format_day)
                            .unwrap_or_default(),
                    )
                    .replace(
                        "{price}",
                        &autopay.price_kopecks.map(format_rub).unwrap_or_default(),
                    )
                    .replace("{card}", &card);
                view! {
                    <p data-testid="autopay-line">{line}</p>
                    <button
                        type="button"
                        class="button secondary danger"
                        data-testid="autopay-off"
                        disabled=move || busy.get()
                        on:click=move |_| switch(false)
                    >
                        {t.autopay_switch_off}
                    </button>
                }
                .into_any()
            }
            (AutopayState::Off, true) => view! {
                <p data-testid="autopay-line">{t.autopay_off.replace("{card}", &card)}</p>
                <button
                    type="button"
                    class="button secondary"
                    data-testid="autopay-on"
                    disabled=move || busy.get()
                    on:click=move |_| switch(true)
                >
                    {t.autopay_switch_on}
                </button>
            }
            .into_any(),
            (state, _) => {
                let line = if state == AutopayState::Failed {
                    text.autopay_failed
                } else if stars.get() {
                    t.autopay_stars
                } else {
                    t.autopay_none
                };
                view! {
                    <p data-testid="autopay-line">{line}</p>
                    {(!stars.get())
                        .then(|| view! { <a class="button secondary" href="/subscription?autopay=1" data-testid="autopay-pay">{t.autopay_pay}</a> })}
                }
                .into_any()
            }
        }
    };
    view! {
        <section
            class="profile-section autopay"
            data-testid="autopay-section"
            data-state=move || autopay.with(|a| match a.as_ref().map(|a| a.state) {
                Some(AutopayState::On) => "on",
                Some(AutopayState::Failed) => "failed",
                Some(AutopayState::Off) => "off",
                None => "loading",
            })
        >
            <h2 class="section-title">{t.autopay}</h2>
            {body}
            <p class="field-hint" data-testid="autopay-notice" aria-live="polite">{move || notice.get()}</p>
        </section>
    }
}

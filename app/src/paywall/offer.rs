//! The offer: the trial, the plans and a promo code while the driver chooses; the wait while
//! YooKassa's page is open; the outcome. Telegram's MainButton does what the choice says.

use std::time::Duration;

use leptos::prelude::*;

use super::{
    access::format_day,
    plans::{PlanCards, PlansSkeleton, TrialCard},
    promo::PromoField,
    sale::{Intent, Note, Sale, Stage, Unlock, message_of},
};
use crate::{
    actions::MainAction,
    cargo::card::format_rub,
    i18n::use_texts,
    subscription::{Autopay, AutopayState},
    telegram::{self, Haptic},
};

/// How long the note "paid" stays before the loads, when the paywall stood in their place.
const SHOW_OUTCOME_FOR: Duration = Duration::from_millis(2500);

#[component]
pub fn Offer(
    sale: Sale,
    /// Where "Смотреть грузы" leads.
    on_continue: impl Fn() + 'static,
    /// Go on to the loads by itself once access began (the paywall stood in their place).
    #[prop(optional)]
    auto_continue: bool,
) -> impl IntoView {
    let text = use_texts();
    let on_continue = StoredValue::new_local(on_continue);
    let go_on = move || on_continue.with_value(|go_on| go_on());
    Effect::new(move |_| {
        if sale.access.api.with(Option::is_some) {
            sale.load();
        }
    });
    Effect::new(move |_| {
        if auto_continue && matches!(sale.stage.get(), Stage::Unlocked(..)) {
            set_timeout(
                move || {
                    if on_continue.try_with_value(|_| ()).is_some() {
                        go_on();
                    }
                },
                SHOW_OUTCOME_FOR,
            );
        }
    });

    let payments_on = move || {
        sale.offer
            .with(|offer| matches!(offer, Some(Ok(offer)) if offer.payments_enabled))
    };
    let action_text = Signal::derive(move || match (sale.stage.get(), sale.intent.get()) {
        (Stage::Unlocked(..), _) => text.to_loads.to_owned(),
        (_, Intent::Trial) => text.start_trial.to_owned(),
        (_, Intent::Buy) => match sale.chosen() {
            Some((_, priced)) if priced.price.is_free() => text.get_free.to_owned(),
            Some((_, priced)) => text.pay.replace("{price}", &priced.price.label()),
            None => text.start_trial.to_owned(),
        },
    });
    let action_visible = Signal::derive(move || {
        if !sale.offer.with(|offer| matches!(offer, Some(Ok(_)))) {
            return false;
        }
        match sale.stage.get() {
            Stage::Unlocked(..) => true,
            Stage::Waiting { .. } => false,
            Stage::Choosing | Stage::Sending => match sale.intent.get() {
                Intent::Trial => true,
                Intent::Buy => payments_on() && sale.plan.with(Option::is_some),
            },
        }
    });
    let press = move || match sale.stage.get_untracked() {
        Stage::Unlocked(..) => go_on(),
        Stage::Choosing => sale.go(),
        Stage::Sending | Stage::Waiting { .. } => {}
    };

    view! {
        <section class="offer" data-testid="offer">
            {move || match sale.offer.get() {
                None => {
                    // A driver who never had access is offered the trial: its place is kept.
                    let trial = untrack(|| sale.access.get())
                        .is_some_and(|access| access.until.is_none());
                    view! { <OfferSkeleton trial /> }.into_any()
                }
                Some(Err(error)) => {
                    view! {
                        <div class="card notice error-notice" data-testid="paywall-error">
                            <p>{message_of(error, text.no_connection)}</p>
                            <button class="button secondary" on:click=move |_| sale.load()>
                                {text.retry}
                            </button>
                        </div>
                    }
                        .into_any()
                }
                Some(Ok(_)) => view! { <Stages sale /> }.into_any(),
            }}
        </section>
        <MainAction
            text=action_text
            visible=action_visible
            busy=Signal::derive(move || sale.stage.get() == Stage::Sending)
            on_press=press
        />
    }
}

/// What the driver sees once the offer has arrived, by where the purchase stands.
#[component]
fn Stages(sale: Sale) -> impl IntoView {
    let text = use_texts();
    let waiting = Memo::new(move |_| match sale.stage.get() {
        Stage::Waiting { url, .. } => Some(url.is_some()),
        _ => None,
    });
    let unlocked = Memo::new(move |_| match sale.stage.get() {
        Stage::Unlocked(how, access) => Some((how, access)),
        _ => None,
    });
    move || {
        if let Some(can_reopen) = waiting.get() {
            return view! {
                <div class="card notice waiting" data-testid="payment-waiting" aria-live="polite">
                    <p class="waiting-title">
                        <span class="spinner" aria-hidden="true"></span>
                        {text.payment_waiting}
                    </p>
                    <p class="muted small">{text.payment_waiting_hint}</p>
                    {can_reopen
                        .then(|| {
                            view! {
                                <button class="button" data-testid="reopen-payment" on:click=move |_| sale.reopen()>
                                    {text.open_payment_page}
                                </button>
                            }
                        })}
                    <button class="button secondary" data-testid="choose-again" on:click=move |_| sale.choose_again()>
                        {text.choose_another}
                    </button>
                </div>
            }
            .into_any();
        }
        if let Some((how, access)) = unlocked.get() {
            let template = match how {
                Unlock::Paid => text.paid_until,
                Unlock::Promo => text.promo_until,
                Unlock::Trial => text.trial_until,
            };
            let day = access.until.as_deref().map(format_day).unwrap_or_default();
            return view! {
                <div class="card notice success-notice outcome" data-testid="payment-succeeded" aria-live="polite">
                    <p>{template.replace("{date}", &day)}</p>
                </div>
            }
            .into_any();
        }
        view! { <Choices sale /> }.into_any()
    }
}

#[component]
fn Choices(sale: Sale) -> impl IntoView {
    let text = use_texts();
    let offer = move || sale.offer.get().and_then(Result::ok);
    let heading = move || {
        if sale.access.active() {
            text.extend
        } else {
            text.plans
        }
    };
    view! {
        {move || offer().map(|offer| view! { <AutopayStatus autopay=offer.autopay /> })}
        {move || {
            offer()
                .filter(|offer| offer.trial_available && !sale.access.active())
                .map(|offer| view! { <TrialCard sale days=offer.trial_days /> })
        }}
        <h2 class="section-title">{heading}</h2>
        {move || offer().map(|offer| view! { <PlanCards sale plans=offer.plans /> })}
        <Show when=move || offer().is_some_and(|offer| offer.payments_enabled)>
            <AutopayChoice sale />
        </Show>
        <Show when=move || offer().is_some_and(|offer| !offer.payments_enabled)>
            <div class="card notice" data-testid="payments-off">
                <p>{text.payments_off}</p>
            </div>
        </Show>
        <PromoField sale />
        {move || {
            sale.note
                .get()
                .map(|note| match note {
                    Note::Canceled => {
                        view! { <p class="card notice error-notice" data-testid="payment-canceled">{text.payment_canceled}</p> }
                            .into_any()
                    }
                    Note::TimedOut => {
                        view! { <p class="card notice" data-testid="payment-timed-out">{text.payment_timed_out}</p> }
                            .into_any()
                    }
                    Note::Problem(message) => {
                        let message = if message.is_empty() { text.no_connection.to_owned() } else { message };
                        view! { <p class="card notice error-notice" data-testid="paywall-error">{message}</p> }
                            .into_any()
                    }
                })
        }}
    }
}

/// "Renew automatically" under the plans; on the platforms that pay in Telegram Stars, why it is
/// not there.
#[component]
fn AutopayChoice(sale: Sale) -> impl IntoView {
    let text = use_texts();
    move || {
        if sale.pays_in_stars() {
            return view! { <p class="field-hint" data-testid="autopay-no-stars">{text.autopay_no_stars}</p> }
                .into_any();
        }
        view! {
            <label class="check autopay-choice">
                <input
                    type="checkbox"
                    data-testid="autopay-choice"
                    prop:checked=move || sale.autopay.get()
                    on:change=move |event| {
                        telegram::haptic(Haptic::Selection);
                        sale.autopay.set(event_target_checked(&event));
                    }
                />
                {text.autopay_choice}
            </label>
            <p class="field-hint">{text.autopay_choice_hint}</p>
        }
        .into_any()
    }
}

/// Where autopay stands: when the card is charged next, or the kind word after a declined
/// renewal (the driver is back to paying by hand, with the days paid kept).
#[component]
fn AutopayStatus(autopay: Autopay) -> impl IntoView {
    let text = use_texts();
    match autopay.state {
        AutopayState::On => {
            let line = text
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
                .replace("{card}", &autopay.card_label());
            view! {
                <div class="card notice" data-testid="autopay-status" data-state="on">
                    <p>{line}</p>
                    <a href="/profile" data-testid="autopay-manage">{text.autopay_manage}</a>
                </div>
            }
            .into_any()
        }
        AutopayState::Failed => view! {
            <div class="card notice" data-testid="autopay-status" data-state="failed">
                <p data-testid="autopay-failed">{text.autopay_failed}</p>
            </div>
        }
        .into_any(),
        AutopayState::Off => ().into_any(),
    }
}

/// The offer's shape while it loads, so nothing moves when it arrives.
#[component]
fn OfferSkeleton(trial: bool) -> impl IntoView {
    view! {
        <div data-testid="offer-skeleton" aria-hidden="true">
            {trial.then(|| view! { <div class="trial-card skeleton-block"></div> })}
            <div class="section-title skeleton-line short"></div>
            <PlansSkeleton />
        </div>
    }
}

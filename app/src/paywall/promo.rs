//! The promo code: typed, checked by the server, and its answer shown in place — what it gives,
//! the server's reason when it does not apply, or a button to take free days.

use leptos::prelude::*;

use super::{
    price::{Price, Promo, priced},
    sale::{Sale, Stage},
};
use crate::{
    cargo::card::format_rub,
    i18n::{Texts, use_texts},
    subscription::{PromoBenefit, PromoQuote},
};

#[component]
pub fn PromoField(sale: Sale) -> impl IntoView {
    let text = use_texts();
    let checking = move || sale.promo.with(|promo| *promo == Promo::Checking);
    view! {
        <form
            class="promo"
            on:submit=move |event| {
                event.prevent_default();
                sale.check_promo();
            }
        >
            <input
                class="input"
                data-testid="promo-input"
                placeholder=text.promo_code
                aria-label=text.promo_code
                autocomplete="off"
                autocapitalize="characters"
                spellcheck="false"
                enterkeyhint="done"
                maxlength="32"
                prop:value=move || sale.promo_code.get()
                on:input=move |event| sale.edit_promo(event_target_value(&event))
            />
            <button
                class="button secondary promo-apply"
                type="submit"
                data-testid="promo-apply"
                disabled=move || checking() || sale.promo_code.with(|code| code.trim().is_empty())
            >
                {text.promo_apply}
            </button>
        </form>
        <div class="promo-result" data-testid="promo-result" aria-live="polite">
            {move || match sale.promo.get() {
                Promo::None | Promo::Checking => ().into_any(),
                Promo::Refused(message) => {
                    let message = if message.is_empty() { text.no_connection.to_owned() } else { message };
                    view! { <p class="error" data-state="refused">{message}</p> }.into_any()
                }
                Promo::Applied(quote) => view! { <Applied sale quote /> }.into_any(),
            }}
        </div>
    }
}

/// What an applied code gives: the chosen plan's new price next to the old, or free days to take.
#[component]
fn Applied(sale: Sale, quote: PromoQuote) -> impl IntoView {
    let text = use_texts();
    let summary = benefit_line(&quote, text);
    if let PromoBenefit::FreeDays(_) = quote.benefit {
        let busy = move || sale.stage.get() == Stage::Sending;
        return view! {
            <p class="promo-applied" data-state="free-days">{summary}</p>
            <button class="button" data-testid="promo-redeem" disabled=busy on:click=move |_| sale.redeem()>
                {text.promo_redeem}
            </button>
        }
        .into_any();
    }
    let chosen = move || {
        sale.chosen().map(|(plan, _)| {
            let now = sale
                .promo
                .with(|promo| priced(&plan, promo, sale.pays_in_stars()));
            (
                text.days(now.days),
                now.was.map(Price::label),
                now.price.label(),
            )
        })
    };
    view! {
        <p class="promo-applied" data-state="applied">{summary}</p>
        {move || {
            chosen()
                .map(|(days, was, now)| {
                    view! {
                        <p class="promo-price">
                            {days} ": " <s>{was}</s> " " <strong>{now}</strong>
                        </p>
                    }
                })
        }}
    }
    .into_any()
}

/// "HAULER20: скидка 20 % на любой тариф".
fn benefit_line(quote: &PromoQuote, text: &Texts) -> String {
    let template = match quote.benefit {
        PromoBenefit::PercentOff(percent) => {
            text.promo_percent.replace("{n}", &percent.to_string())
        }
        PromoBenefit::AmountOff(kopecks) => {
            text.promo_amount.replace("{sum}", &format_rub(kopecks))
        }
        PromoBenefit::ExtraDays(days) => text.promo_extra_days.replace("{days}", &text.days(days)),
        PromoBenefit::FreeDays(days) => text.promo_free_days.replace("{days}", &text.days(days)),
    };
    template.replace("{code}", &quote.code)
}

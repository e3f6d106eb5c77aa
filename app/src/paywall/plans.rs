//! The choices as cards: the free trial on top when the driver may still take it, then the plans,
//! each with its days, its price (the old one struck through under a promo code) and the price
//! of a day.

use leptos::prelude::*;

use super::{
    price::{Price, priced},
    sale::{Intent, Sale},
};
use crate::{i18n::use_texts, subscription::Plan, telegram, telegram::Haptic};

#[component]
pub fn TrialCard(sale: Sale, days: u32) -> impl IntoView {
    let text = use_texts();
    let chosen = move || sale.intent.get() == Intent::Trial;
    view! {
        <button
            class="trial-card"
            class:chosen=chosen
            data-testid="trial-offer"
            aria-pressed=move || chosen().to_string()
            on:click=move |_| {
                telegram::haptic(Haptic::Selection);
                sale.intent.set(Intent::Trial);
                sale.note.set(None);
            }
        >
            <span class="trial-title">{text.trial_title.replace("{days}", &text.days(days))}</span>
            <span class="trial-hint">{text.trial_hint}</span>
        </button>
    }
}

/// Drawn again as a whole when the choice or the code changes: four cards, and one reactive
/// closure rather than one per price (each costs the browser bundle).
#[component]
pub fn PlanCards(sale: Sale, plans: Vec<Plan>) -> impl IntoView {
    let text = use_texts();
    move || {
        let chosen = match sale.intent.get() {
            Intent::Buy => sale.plan.get(),
            Intent::Trial => None,
        };
        let cards = sale.promo.with(|promo| {
            plans
                .iter()
                .map(|plan| {
                    let id = plan.id;
                    let now = priced(plan, promo, sale.pays_in_stars());
                    let per_day = now.price.per_day(now.days);
                    let is_chosen = chosen == Some(id);
                    view! {
                        <button
                            class="plan"
                            class:chosen=is_chosen
                            role="radio"
                            aria-checked=is_chosen.to_string()
                            data-testid="plan"
                            data-days=plan.days.to_string()
                            on:click=move |_| sale.choose(id)
                        >
                            <span class="plan-days">{text.days(now.days)}</span>
                            <span class="plan-price-row">
                                <span class="plan-price" data-testid="plan-price">
                                    {now.price.label()}
                                </span>
                                <s class="plan-was" data-testid="plan-was">
                                    {now.was.map(Price::label)}
                                </s>
                            </span>
                            <span class="plan-hint">
                                {text.per_day.replace("{price}", &per_day.label())}
                            </span>
                        </button>
                    }
                })
                .collect_view()
        });
        view! { <div class="plans" role="radiogroup">{cards}</div> }
    }
}

#[component]
pub fn PlansSkeleton() -> impl IntoView {
    view! {
        <div class="plans" aria-hidden="true">
            {(0..4)
                .map(|_| {
                    view! {
                        <div class="plan skeleton-plan">
                            <div class="skeleton-line short"></div>
                            <div class="skeleton-line"></div>
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
}

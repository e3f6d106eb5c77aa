//! Making promo codes: one code with its terms, or a campaign's batch of generated ones. Both
//! check what was typed before sending, in the dashboard's language.

use leptos::prelude::*;

use crate::{
    client::{Method, use_desk},
    i18n::{Texts, use_texts},
    pages::{Problem, optional},
    wire::{
        ErrorBody,
        payments::parse_roubles,
        promo::{NewPromo, PromoBatch, PromoView},
    },
};

/// The value as the API takes it: days and percent as they are, an amount in kopecks.
fn promo_value(t: &Texts, kind: &str, text: &str) -> Result<u64, ErrorBody> {
    let value = if kind == "amount_off" {
        parse_roubles(text)
    } else {
        text.trim().parse().ok()
    };
    value.ok_or_else(|| {
        t.refusal(
            "invalid_value",
            if kind == "amount_off" {
                t.promo.amount_format
            } else {
                t.promo.value_whole
            },
        )
    })
}

fn uses_limit(t: &Texts, text: String) -> Result<Option<u32>, ErrorBody> {
    match optional(text) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| t.refusal("invalid_value", t.promo.uses_whole)),
    }
}

/// The kind select shared by both forms.
#[component]
fn KindSelect(kind: RwSignal<String>, testid: &'static str) -> impl IntoView {
    let t = use_texts();
    view! {
        <label>
            {t.promo.kind}
            <select
                data-testid=testid
                prop:value=move || kind.get()
                on:change=move |ev| kind.set(event_target_value(&ev))
            >
                {t.promo_kinds()
                    .into_iter()
                    .map(|(value, label)| view! { <option value=value>{label}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

#[component]
pub(super) fn NewCode(codes_version: RwSignal<u32>) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let p = &t.promo;
    let code = RwSignal::new(String::new());
    let kind = RwSignal::new("free_days".to_owned());
    let value = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let max_uses = RwSignal::new(String::new());
    let campaign = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<ErrorBody>);
    let made = RwSignal::new(None::<String>);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        made.set(None);
        let kind_now = kind.get_untracked();
        let new = promo_value(t, &kind_now, &value.get_untracked()).and_then(|value| {
            Ok(NewPromo {
                code: code.get_untracked(),
                kind: kind_now,
                value,
                valid_from: optional(from.get_untracked()),
                valid_until: optional(until.get_untracked()),
                max_uses: uses_limit(t, max_uses.get_untracked())?,
                campaign: optional(campaign.get_untracked()),
            })
        });
        let new = match new {
            Ok(new) => new,
            Err(error) => {
                problem.set(Some(error));
                return;
            }
        };
        leptos::task::spawn_local(async move {
            match desk
                .send::<PromoView>(Method::Post, "/admin/api/promo", Some(&new))
                .await
            {
                Ok(created) => {
                    problem.set(None);
                    made.set(Some(created.map_or_else(
                        || p.created.into(),
                        |c| (p.created_code)(&c.code, &t.benefit(&c.kind, c.value)),
                    )));
                    code.set(String::new());
                    codes_version.update(|v| *v += 1);
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    view! {
        <form class="card" data-testid="promo-form" on:submit=submit>
            <h3>{p.one_code}</h3>
            <label>{p.code} <input data-testid="promo-code" placeholder="LETO-2026" bind:value=code /></label>
            <KindSelect kind testid="promo-kind" />
            <label>
                {move || t.promo_value_label(&kind.get())}
                <input data-testid="promo-value" inputmode="decimal" bind:value=value />
            </label>
            <label>{p.valid_from} <input type="date" data-testid="promo-from" bind:value=from /></label>
            <label>{p.valid_until} <input type="date" data-testid="promo-until" bind:value=until /></label>
            <label>{p.total_uses} <input data-testid="promo-max-uses" bind:value=max_uses /></label>
            <label>{t.common.campaign} <input data-testid="promo-campaign" bind:value=campaign /></label>
            {move || problem.get().map(|error| view! { <Problem error /> })}
            {move || made.get().map(|text| view! { <p class="notice" data-testid="promo-created">{text}</p> })}
            <button type="submit" data-testid="promo-create">{p.create_code}</button>
        </form>
    }
}

#[component]
pub(super) fn Batch(codes_version: RwSignal<u32>) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let p = &t.promo;
    let campaign = RwSignal::new(String::new());
    let prefix = RwSignal::new(String::new());
    let count = RwSignal::new("20".to_owned());
    let kind = RwSignal::new("free_days".to_owned());
    let value = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let max_uses = RwSignal::new("1".to_owned());
    let problem = RwSignal::new(None::<ErrorBody>);
    let made = RwSignal::new(None::<Vec<String>>);
    let busy = RwSignal::new(false);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let kind_now = kind.get_untracked();
        let batch = promo_value(t, &kind_now, &value.get_untracked()).and_then(|value| {
            Ok(PromoBatch {
                campaign: campaign.get_untracked(),
                prefix: optional(prefix.get_untracked()),
                count: count
                    .get_untracked()
                    .trim()
                    .parse()
                    .map_err(|_| t.refusal("invalid_count", p.count_whole))?,
                kind: kind_now,
                value,
                valid_from: None,
                valid_until: optional(until.get_untracked()),
                max_uses: uses_limit(t, max_uses.get_untracked())?,
            })
        });
        let batch = match batch {
            Ok(batch) => batch,
            Err(error) => {
                problem.set(Some(error));
                return;
            }
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<Vec<PromoView>>(Method::Post, "/admin/api/promo/batch", Some(&batch))
                .await;
            busy.set(false);
            match answer {
                Ok(codes) => {
                    problem.set(None);
                    made.set(Some(
                        codes
                            .unwrap_or_default()
                            .into_iter()
                            .map(|code| code.code)
                            .collect(),
                    ));
                    codes_version.update(|v| *v += 1);
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    view! {
        <form class="card" data-testid="batch-form" on:submit=submit>
            <h3>{p.batch}</h3>
            <label>{t.common.campaign} <input data-testid="batch-campaign" placeholder="Leto" bind:value=campaign /></label>
            <label>{p.prefix} <input data-testid="batch-prefix" bind:value=prefix /></label>
            <label>{t.common.how_many} <input data-testid="batch-count" bind:value=count /></label>
            <KindSelect kind testid="batch-kind" />
            <label>
                {move || t.promo_value_label(&kind.get())}
                <input data-testid="batch-value" inputmode="decimal" bind:value=value />
            </label>
            <label>{p.valid_until} <input type="date" data-testid="batch-until" bind:value=until /></label>
            <label>{p.uses_each} <input data-testid="batch-max-uses" bind:value=max_uses /></label>
            {move || problem.get().map(|error| view! { <Problem error /> })}
            {move || {
                made.get()
                    .map(|codes| {
                        view! {
                            <p class="notice">{(p.codes_made)(&t.count(codes.len() as u64, t.nouns.code))}</p>
                            <pre class="raw" data-testid="batch-codes">{codes.join("\n")}</pre>
                        }
                    })
            }}
            <button type="submit" data-testid="batch-create" disabled=move || busy.get()>
                {p.generate}
            </button>
        </form>
    }
}

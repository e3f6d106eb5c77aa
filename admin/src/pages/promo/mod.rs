//! Plans and promo codes: the plans the paywall sells (edited in place, switched on and off),
//! a form for one code, a generator for a campaign's batch, and every code with its uses.

use leptos::prelude::*;

use super::Problem;
use crate::{
    client::{Method, use_desk},
    format::encode,
    i18n::{Texts, use_texts},
    wire::{
        ErrorBody, Role,
        payments::{parse_roubles, roubles},
        promo::{NewPromo, PlanInput, PlanView, PromoBatch, PromoChange, PromoView},
    },
};

fn optional(text: String) -> Option<String> {
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

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

#[component]
pub fn PromoPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let may_change = Signal::derive(move || {
        desk.session.with(|session| {
            session
                .as_ref()
                .is_some_and(|s| s.admin.role >= Role::Admin)
        })
    });
    let codes_version = RwSignal::new(0_u32);
    view! {
        <h1>{t.nav.promo}</h1>
        <Plans may_change />
        <h2>{t.promo.new_code}</h2>
        {move || {
            if may_change.get() {
                view! {
                    <div class="cards promo-forms">
                        <NewCode codes_version />
                        <Batch codes_version />
                    </div>
                }
                    .into_any()
            } else {
                view! { <p class="muted">{t.promo.only_admins}</p> }.into_any()
            }
        }}
        <Codes may_change codes_version />
    }
}

#[component]
fn Plans(may_change: Signal<bool>) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let p = &t.promo;
    let plans = RwSignal::new(None::<Result<Vec<PlanView>, ErrorBody>>);
    let problem = RwSignal::new(None::<ErrorBody>);
    let editing = RwSignal::new(None::<i64>);
    let days = RwSignal::new(String::new());
    let price = RwSignal::new(String::new());
    let stars = RwSignal::new(String::new());
    let new_days = RwSignal::new(String::new());
    let new_price = RwSignal::new(String::new());
    let new_stars = RwSignal::new(String::new());

    let load = move || {
        leptos::task::spawn_local(async move {
            plans.set(Some(desk.get("/admin/api/plans").await));
        });
    };
    Effect::new(move |_| load());

    // Days, roubles and Stars from the form, as the API takes them.
    let terms = move |days: String, price: String, stars: String, active: bool| {
        let days = days
            .trim()
            .parse::<u32>()
            .map_err(|_| t.refusal("invalid_value", p.days_whole))?;
        let price_kopecks =
            parse_roubles(&price).ok_or_else(|| t.refusal("invalid_value", p.price_format))?;
        let stars_price = match optional(stars) {
            None => None,
            Some(stars) => Some(
                stars
                    .parse::<u32>()
                    .map_err(|_| t.refusal("invalid_value", p.stars_whole))?,
            ),
        };
        Ok::<_, ErrorBody>(PlanInput {
            days,
            price_kopecks,
            stars_price,
            active,
            position: None,
        })
    };
    let save = move |method: Method, path: String, input: Result<PlanInput, ErrorBody>| {
        let input = match input {
            Ok(input) => input,
            Err(error) => {
                problem.set(Some(error));
                return;
            }
        };
        leptos::task::spawn_local(async move {
            match desk.send::<PlanView>(method, &path, Some(&input)).await {
                Ok(_) => {
                    problem.set(None);
                    editing.set(None);
                    if method == Method::Post {
                        for field in [new_days, new_price, new_stars] {
                            field.set(String::new());
                        }
                    }
                    load();
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    let start_editing = move |plan: &PlanView| {
        days.set(plan.days.to_string());
        price.set(roubles(plan.price_kopecks as i64));
        stars.set(plan.stars_price.map(|s| s.to_string()).unwrap_or_default());
        editing.set(Some(plan.id));
    };
    let switch = move |plan: &PlanView| {
        let input = PlanInput {
            days: plan.days,
            price_kopecks: plan.price_kopecks,
            stars_price: plan.stars_price,
            active: !plan.active,
            position: None,
        };
        save(
            Method::Put,
            format!("/admin/api/plans/{}", plan.id),
            Ok(input),
        );
    };
    let create = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let input = terms(
            new_days.get_untracked(),
            new_price.get_untracked(),
            new_stars.get_untracked(),
            true,
        );
        save(Method::Post, "/admin/api/plans".into(), input);
    };

    let row = move |plan: PlanView| {
        let id = plan.id;
        let active = plan.active;
        let edit_plan = plan.clone();
        let switch_plan = plan.clone();
        let shown = plan.clone();
        view! {
            <tr data-testid="plan-row" data-id=id.to_string() data-days=plan.days.to_string()>
                {move || {
                    if editing.get() == Some(id) {
                        view! {
                            <td><input size="5" data-testid="plan-days" bind:value=days /></td>
                            <td><input size="8" data-testid="plan-price" bind:value=price /></td>
                            <td><input size="6" data-testid="plan-stars" bind:value=stars /></td>
                            <td>{if active { p.on_sale } else { p.off }}</td>
                            <td>
                                <button
                                    data-testid="plan-save"
                                    on:click=move |_| {
                                        let input = terms(
                                            days.get_untracked(),
                                            price.get_untracked(),
                                            stars.get_untracked(),
                                            active,
                                        );
                                        save(Method::Put, format!("/admin/api/plans/{id}"), input);
                                    }
                                >
                                    {t.common.save}
                                </button>
                                " "
                                <button class="secondary" on:click=move |_| editing.set(None)>
                                    {t.common.cancel}
                                </button>
                            </td>
                        }
                            .into_any()
                    } else {
                        let edit_plan = edit_plan.clone();
                        let switch_plan = switch_plan.clone();
                        view! {
                            <td data-testid="plan-days-shown">{t.count(shown.days.into(), t.nouns.day)}</td>
                            <td data-testid="plan-price-shown">{format!("{} ₽", roubles(shown.price_kopecks as i64))}</td>
                            <td>{shown.stars_price.map(|s| format!("{s} ★")).unwrap_or_else(|| "—".into())}</td>
                            <td>
                                {if active {
                                    view! { <span class="badge ok" data-testid="plan-state">{p.on_sale}</span> }
                                } else {
                                    view! { <span class="badge" data-testid="plan-state">{p.off}</span> }
                                }}
                            </td>
                            <td>
                                <Show when=move || may_change.get()>
                                    <button
                                        class="secondary"
                                        data-testid="plan-edit"
                                        on:click={
                                            let plan = edit_plan.clone();
                                            move |_| start_editing(&plan)
                                        }
                                    >
                                        {p.edit}
                                    </button>
                                    " "
                                    <button
                                        class="secondary"
                                        data-testid="plan-switch"
                                        on:click={
                                            let plan = switch_plan.clone();
                                            move |_| switch(&plan)
                                        }
                                    >
                                        {if active { p.take_off_sale } else { p.put_on_sale }}
                                    </button>
                                </Show>
                            </td>
                        }
                            .into_any()
                    }
                }}
            </tr>
        }
    };

    view! {
        <h2>{p.plans}</h2>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || match plans.get() {
            None => view! { <div class="loading">{t.common.loading}</div> }.into_any(),
            Some(Err(error)) => view! { <Problem error /> }.into_any(),
            Some(Ok(list)) if list.is_empty() => {
                view! { <div class="empty card">{p.no_plans}</div> }.into_any()
            }
            Some(Ok(list)) => {
                view! {
                    <table class="table" data-testid="plans">
                        <thead>
                            <tr>
                                <th>{t.common.days}</th>
                                <th>{p.price}</th>
                                <th>{p.stars}</th>
                                <th>{t.common.state}</th>
                                <th></th>
                            </tr>
                        </thead>
                        <tbody>{list.into_iter().map(row).collect_view()}</tbody>
                    </table>
                }
                    .into_any()
            }
        }}
        <Show when=move || may_change.get()>
            <form class="toolbar new-plan" data-testid="new-plan" on:submit=create>
                <label>{t.common.days} <input size="5" data-testid="new-plan-days" bind:value=new_days /></label>
                <label>{p.price_rub} <input size="8" data-testid="new-plan-price" bind:value=new_price /></label>
                <label>{p.stars_optional} <input size="6" data-testid="new-plan-stars" bind:value=new_stars /></label>
                <button type="submit" data-testid="new-plan-create">{p.add_plan}</button>
            </form>
        </Show>
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
fn NewCode(codes_version: RwSignal<u32>) -> impl IntoView {
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
fn Batch(codes_version: RwSignal<u32>) -> impl IntoView {
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

#[component]
fn Codes(may_change: Signal<bool>, codes_version: RwSignal<u32>) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let p = &t.promo;
    let codes = RwSignal::new(None::<Result<Vec<PromoView>, ErrorBody>>);
    let campaign = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<ErrorBody>);

    Effect::new(move |_| {
        codes_version.track();
        let query = query.get();
        leptos::task::spawn_local(async move {
            codes.set(Some(desk.get(&format!("/admin/api/promo?{query}")).await));
        });
    });
    let apply = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut parts = Vec::new();
        if let Some(campaign) = optional(campaign.get_untracked()) {
            parts.push(format!("campaign={}", encode(&campaign)));
        }
        if let Some(code) = optional(search.get_untracked()) {
            parts.push(format!("code={}", encode(&code)));
        }
        query.set(parts.join("&"));
        codes_version.update(|v| *v += 1);
    };
    let switch = move |code: String, active: bool| {
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<PromoView>(
                    Method::Put,
                    &format!("/admin/api/promo/{}", encode(&code)),
                    Some(&PromoChange { active }),
                )
                .await;
            match answer {
                Ok(_) => {
                    problem.set(None);
                    codes_version.update(|v| *v += 1);
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };

    view! {
        <h2>{p.codes}</h2>
        <form class="toolbar" data-testid="promo-filters" on:submit=apply>
            <label>{t.common.campaign} <input data-testid="promo-filter-campaign" bind:value=campaign /></label>
            <label>{p.code_contains} <input data-testid="promo-filter-code" bind:value=search /></label>
            <button type="submit" data-testid="promo-search">{p.show}</button>
        </form>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || match codes.get() {
            None => view! { <div class="loading">{t.common.loading}</div> }.into_any(),
            Some(Err(error)) => view! { <Problem error /> }.into_any(),
            Some(Ok(list)) if list.is_empty() => {
                view! { <div class="empty card" data-testid="promo-empty">{p.none_match}</div> }.into_any()
            }
            Some(Ok(list)) => {
                view! {
                    <table class="table" data-testid="promo-codes">
                        <thead>
                            <tr>
                                <th>{p.code}</th>
                                <th>{p.gives}</th>
                                <th>{p.valid_utc}</th>
                                <th class="num">{p.uses}</th>
                                <th>{t.common.campaign}</th>
                                <th>{p.made_by}</th>
                                <th>{t.common.state}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|code| {
                                    let valid = match (&code.valid_from, &code.valid_until) {
                                        (None, None) => p.always.to_owned(),
                                        (from, until) => format!(
                                            "{} → {}",
                                            from.as_deref().map(crate::format::minute).unwrap_or_default(),
                                            until.as_deref().map(crate::format::minute).unwrap_or_default(),
                                        ),
                                    };
                                    let uses = match code.max_uses {
                                        Some(max) => format!("{} / {max}", code.used_count),
                                        None => code.used_count.to_string(),
                                    };
                                    let name = code.code.clone();
                                    let active = code.active;
                                    view! {
                                        <tr data-testid="promo-row" data-code=code.code.clone()>
                                            <td><code>{code.code.clone()}</code></td>
                                            <td>{t.benefit(&code.kind, code.value)}</td>
                                            <td>{valid}</td>
                                            <td class="num" data-testid="promo-uses" data-uses=code.used_count.to_string()>
                                                {uses}
                                            </td>
                                            <td>{code.campaign.clone().unwrap_or_default()}</td>
                                            <td>{code.created_by.clone()}</td>
                                            <td>
                                                {if active {
                                                    view! { <span class="badge ok">{p.active}</span> }
                                                } else {
                                                    view! { <span class="badge">{p.off}</span> }
                                                }}
                                                <Show when=move || may_change.get()>
                                                    " "
                                                    <button
                                                        class="link"
                                                        data-testid="promo-switch"
                                                        on:click={
                                                            let name = name.clone();
                                                            move |_| switch(name.clone(), !active)
                                                        }
                                                    >
                                                        {if active { p.deactivate } else { p.activate }}
                                                    </button>
                                                </Show>
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }
        }}
    }
}

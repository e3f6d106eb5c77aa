//! The plans the paywall sells: each edited in place and switched on and off sale, and a form for
//! a new one. Prices are typed in roubles (and, optionally, Telegram Stars).

use leptos::prelude::*;

use crate::{
    client::{Method, use_desk},
    i18n::use_texts,
    pages::{
        Problem, optional,
        table::{Empty, Table, answered},
    },
    wire::{
        ErrorBody,
        payments::{parse_roubles, roubles},
        promo::{PlanInput, PlanView},
    },
};

#[component]
pub(super) fn Plans(may_change: Signal<bool>) -> impl IntoView {
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
        {move || answered(plans.get(), None, |list| {
            if list.is_empty() {
                return view! { <Empty text=p.no_plans /> }.into_any();
            }
            view! {
                <Table
                    testid="plans"
                    headings=vec![
                        t.common.days.into(),
                        p.price.into(),
                        p.stars.into(),
                        t.common.state.into(),
                        "".into(),
                    ]
                >
                    {list.into_iter().map(row).collect_view()}
                </Table>
            }
                .into_any()
        })}
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

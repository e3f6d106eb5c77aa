//! Every promo code with its uses, found by campaign or by part of the code, and switched on or
//! off by admins.

use leptos::prelude::*;

use crate::{
    client::{Method, use_desk},
    format::{encode, minute},
    i18n::use_texts,
    pages::{
        Problem, optional,
        table::{Empty, Heading, Table, answered},
    },
    wire::{
        ErrorBody,
        promo::{PromoChange, PromoView},
    },
};

#[component]
pub(super) fn Codes(may_change: Signal<bool>, codes_version: RwSignal<u32>) -> impl IntoView {
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
        {move || answered(codes.get(), None, |list| {
            if list.is_empty() {
                return view! { <Empty text=p.none_match testid="promo-empty" /> }.into_any();
            }
            let headings = vec![
                p.code.into(),
                p.gives.into(),
                p.valid_utc.into(),
                Heading::numeric(p.uses),
                t.common.campaign.into(),
                p.made_by.into(),
                t.common.state.into(),
            ];
            view! {
                <Table testid="promo-codes" headings>
                    {list
                        .into_iter()
                        .map(|code| {
                            let valid = match (&code.valid_from, &code.valid_until) {
                                (None, None) => p.always.to_owned(),
                                (from, until) => format!(
                                    "{} → {}",
                                    from.as_deref().map(minute).unwrap_or_default(),
                                    until.as_deref().map(minute).unwrap_or_default(),
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
                </Table>
            }
                .into_any()
        })}
    }
}

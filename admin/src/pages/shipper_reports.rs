//! Shipper reports: what drivers answered when the bot asked how a response went, waiting for a
//! moderator (by default) or as settled. Admins approve a report, which makes it count in the
//! shipper's score, or reject it; either verdict leaves the list of waiting ones at once.

use leptos::prelude::*;

use super::{
    Problem,
    table::{Heading, Table, answered},
};
use crate::{
    client::{Method, use_desk},
    format::minute,
    i18n::use_texts,
    wire::{
        ErrorBody,
        shippers::{STATES, ShipperReportView},
    },
};

#[component]
pub fn ShipperReportsPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let s = &t.shippers;
    let state = RwSignal::new("pending".to_owned());
    let reports = RwSignal::new(None::<Result<Vec<ShipperReportView>, ErrorBody>>);
    let problem = RwSignal::new(None::<ErrorBody>);
    let load = move || {
        let path = format!("/admin/api/shipper-reports?state={}", state.get_untracked());
        leptos::task::spawn_local(async move {
            reports.set(Some(desk.get(&path).await));
        });
    };
    Effect::new(move |_| {
        state.track();
        load();
    });
    let settle = move |id: i64, verdict: &'static str| {
        leptos::task::spawn_local(async move {
            let path = format!("/admin/api/shipper-reports/{id}/{verdict}");
            match desk
                .send::<ShipperReportView>(Method::Post, &path, None::<&()>)
                .await
            {
                Ok(_) => {
                    problem.set(None);
                    load();
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    let tabs = STATES.into_iter().map(move |name| {
        view! {
            <button
                class="link"
                class:active=move || state.with(|now| now == name)
                data-testid=format!("reports-state-{name}")
                on:click=move |_| state.set(name.to_owned())
            >
                {(s.state)(name)}
            </button>
        }
    });
    view! {
        <h1>{t.nav.shipper_reports}</h1>
        <p class="muted">{s.intro}</p>
        <div class="tabs" data-testid="reports-states">{tabs.collect_view()}</div>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || answered(reports.get(), Some("reports-loading"), |list| {
            if list.is_empty() {
                return view! { <p class="muted" data-testid="reports-none">{s.none}</p> }.into_any();
            }
            let waiting = state.with_untracked(|now| now == "pending");
            let headings = vec![
                Heading::from(s.answered),
                Heading::from(t.common.driver),
                Heading::from(s.shipper),
                Heading::from(s.load),
                Heading::from(s.report),
                Heading::from(if waiting { "" } else { s.moderated_by }),
            ];
            view! {
                <Table testid="shipper-reports" headings>
                    {list
                        .into_iter()
                        .map(|report| {
                            let id = report.id;
                            let shipper = match &report.shipper_name {
                                Some(name) => format!("{name} · {}", report.shipper_inn),
                                None => report.shipper_inn.clone(),
                            };
                            let outcome = report.outcome.as_deref().map_or("—", s.outcome);
                            view! {
                                <tr data-testid="shipper-report" data-id=id.to_string() data-inn=report.shipper_inn.clone()>
                                    <td>{report.answered_at.as_deref().map(minute).unwrap_or_default()}</td>
                                    <td><a href=format!("/admin/drivers/{}", report.driver_id)>{report.driver_name.clone()}</a></td>
                                    <td>{shipper}</td>
                                    <td>{format!("{} · №{}", report.route.clone().unwrap_or_default(), report.cargo_id)}</td>
                                    <td data-testid="report-outcome" data-outcome=report.outcome.clone().unwrap_or_default()>{outcome}</td>
                                    <td>
                                        {if waiting {
                                            view! {
                                                <button data-testid="report-approve" on:click=move |_| settle(id, "approve")>{s.approve}</button>
                                                " "
                                                <button class="secondary" data-testid="report-reject" on:click=move |_| settle(id, "reject")>{s.reject}</button>
                                            }
                                                .into_any()
                                        } else {
                                            view! { <span>{report.moderated_by.clone().unwrap_or_default()}</span> }.into_any()
                                        }}
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

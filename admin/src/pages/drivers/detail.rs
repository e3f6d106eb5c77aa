//! One driver's page: profile, access, the history of their access, payments and responses, and
//! below them what staff may do.

use leptos::prelude::*;

use super::{
    actions::{BanControl, GiftForm, MessageForm},
    share::ShareControl,
    short_day, state_badge,
};
use crate::{
    client::use_desk,
    format::minute,
    i18n::use_texts,
    pages::{
        payments::money,
        table::{Empty, Table, answered},
    },
    wire::{ErrorBody, Role, drivers::DriverDetail},
};

#[component]
pub(super) fn DriverView(id: i64) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let d = &t.drivers;
    let detail = RwSignal::new(None::<Result<DriverDetail, ErrorBody>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            detail.set(Some(desk.get(&format!("/admin/api/drivers/{id}")).await));
        });
    });
    let loaded = move || detail.with(|detail| matches!(detail, Some(Ok(_))));
    let banned = Memo::new(move |_| {
        detail
            .with(|detail| matches!(detail, Some(Ok(detail)) if detail.profile.banned_at.is_some()))
    });
    let may_manage = move || desk.may(Role::Admin);

    view! {
        <a href="/admin/drivers" data-testid="back-to-drivers">{d.all_drivers}</a>
        {move || {
            answered(detail.get(), Some("driver-loading"), |detail| {
                view! { <DriverSummary detail /> }.into_any()
            })
        }}
        <Show when=loaded>
            <h2>{d.actions}</h2>
            <div class="actions">
                <GiftForm id detail />
                <Show
                    when=may_manage
                    fallback=move || {
                        view! {
                            <div class="card" data-testid="manage-needs-admin">
                                <h3>{d.ban_and_messages}</h3>
                                <p class="muted">{d.needs_admin}</p>
                            </div>
                        }
                    }
                >
                    <BanControl id detail banned />
                    <ShareControl id />
                    <MessageForm id />
                </Show>
            </div>
        </Show>
    }
}

#[component]
fn DriverSummary(detail: DriverDetail) -> impl IntoView {
    let t = use_texts();
    let d = &t.drivers;
    let DriverDetail {
        profile,
        access,
        grants,
        payments,
        responses,
        autopay,
    } = detail;
    let name = match &profile.last_name {
        Some(last) if !last.is_empty() => format!("{} {last}", profile.first_name),
        _ => profile.first_name.clone(),
    };
    view! {
        <div class="driver-head" data-testid="driver-page" data-driver-id=profile.id>
            <h1 data-testid="driver-name">{name}</h1>
            <span class=state_badge(access.state) data-testid="driver-state">{t.driver_state(access.state)}</span>
        </div>
        <div class="cards driver-cards">
            <div class="card metric">
                <div class="label">{d.access_ends}</div>
                <div class="value" data-testid="access-ends">
                    {access.ends_at.as_deref().map(minute).unwrap_or_else(|| d.never_had_access.into())}
                </div>
                <div class="label" data-testid="days-left">
                    {if access.active { (d.days_left)(access.days_left.into()) } else { d.no_access_now.into() }}
                </div>
            </div>
            <div class="card metric">
                <div class="label">"Telegram"</div>
                <div class="value"><code>{profile.telegram_id}</code></div>
                <div class="label">
                    {profile.username.map(|name| format!("@{name}")).unwrap_or_else(|| d.no_username.into())}
                    {profile.language_code.map(|code| format!(" · {code}"))}
                </div>
            </div>
            <div class="card metric">
                <div class="label">{d.the_bot}</div>
                <div class="value" data-testid="bot-reach">
                    {if profile.bot_reachable { d.bot_reaches } else { d.bot_blocked }}
                </div>
                <div class="label">{(d.joined_on)(&short_day(&profile.joined_at))}</div>
            </div>
            <div class="card metric" data-testid="autopay">
                <div class="label">{d.autopay}</div>
                <div class="value" data-testid="autopay-state" data-state=autopay.as_ref().map(|a| a.state.clone())>
                    {match autopay.as_ref().map(|a| a.state.as_str()) {
                        Some("on") => d.autopay_on,
                        Some("failed") => d.autopay_failed,
                        Some(_) => d.autopay_off,
                        None => d.autopay_never,
                    }}
                </div>
                <div class="label" data-testid="autopay-card">
                    {autopay.as_ref().map(|a| {
                        let card = a.card.clone().unwrap_or_else(|| d.no_card.into());
                        match (&a.failure, &a.failed_at) {
                            (Some(failure), Some(at)) if a.state == "failed" => format!("{card} · {failure} · {}", minute(at)),
                            _ => card,
                        }
                    })}
                </div>
            </div>
            {profile.banned_at.map(|at| {
                view! {
                    <div class="card metric">
                        <div class="label">{d.banned}</div>
                        <div class="value">{minute(&at)}</div>
                        <div class="label">{d.signed_out}</div>
                    </div>
                }
            })}
        </div>

        <h2>{d.history}</h2>
        {if grants.is_empty() {
            view! { <Empty text=d.no_grants testid="grants-empty" /> }.into_any()
        } else {
            view! {
                <Table
                    testid="grants-table"
                    headings=vec![
                        t.common.when.into(),
                        d.source.into(),
                        t.common.days.into(),
                        d.before.into(),
                        d.after.into(),
                        d.by.into(),
                    ]
                >
                    {grants
                        .into_iter()
                        .map(|grant| {
                            view! {
                                <tr data-testid="grant-row" title=grant.source_ref>
                                    <td>{minute(&grant.created_at)}</td>
                                    <td><span class="badge">{t.value(&grant.source).to_owned()}</span></td>
                                    <td>{format!("{:+}", grant.days)}</td>
                                    <td>{minute(&grant.ends_before)}</td>
                                    <td>{minute(&grant.ends_after)}</td>
                                    <td>{grant.granted_by}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </Table>
            }
                .into_any()
        }}

        <h2>{d.payments}</h2>
        {if payments.is_empty() {
            view! { <Empty text=d.no_payments testid="payments-empty" /> }.into_any()
        } else {
            view! {
                <Table
                    testid="payments-table"
                    headings=vec![
                        t.common.when.into(),
                        t.common.status.into(),
                        t.common.amount.into(),
                        t.common.refunded.into(),
                        t.common.days.into(),
                        t.common.provider.into(),
                    ]
                >
                    {payments
                        .into_iter()
                        .map(|payment| {
                            let refunded = if payment.refunded > 0 {
                                money(payment.refunded, &payment.currency)
                            } else {
                                "—".into()
                            };
                            let badge = if payment.status == "succeeded" {
                                "badge ok"
                            } else {
                                "badge"
                            };
                            view! {
                                <tr data-testid="payment-row">
                                    <td>{minute(&payment.created_at)}</td>
                                    <td>
                                        <span class=badge>
                                            {t.value(&payment.status).to_owned()}
                                        </span>
                                    </td>
                                    <td>{money(payment.amount, &payment.currency)}</td>
                                    <td>{refunded}</td>
                                    <td>{payment.days}</td>
                                    <td>{t.value(&payment.provider).to_owned()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </Table>
            }
                .into_any()
        }}

        <h2>{d.responses}</h2>
        {if responses.is_empty() {
            view! { <Empty text=d.no_responses testid="responses-empty" /> }.into_any()
        } else {
            view! {
                <Table
                    testid="responses-table"
                    headings=vec![
                        t.common.when.into(),
                        d.load.into(),
                        d.route.into(),
                        t.common.status.into(),
                    ]
                >
                    {responses
                        .into_iter()
                        .map(|response| {
                            view! {
                                <tr data-testid="response-row">
                                    <td>{minute(&response.responded_at)}</td>
                                    <td><code>{response.cargo_id}</code></td>
                                    <td>{response.route}</td>
                                    <td>{t.value(&response.status).to_owned()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </Table>
            }
                .into_any()
        }}
    }
}

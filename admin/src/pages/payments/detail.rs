//! One payment's page (`/admin/payments/:id`): its facts, its driver, the refund form (which asks
//! once more before any money moves) and the whole history of what YooKassa or Telegram said.

use leptos::prelude::*;

use super::{money, status_badge};
use crate::{
    client::{Method, use_desk},
    format::minute,
    i18n::use_texts,
    pages::{
        Problem,
        table::{Empty, Table, answered},
    },
    wire::{
        ErrorBody, Role,
        payments::{PaymentDetail, RefundDone, RefundRequest, parse_roubles, roubles},
    },
};

#[component]
pub(super) fn PaymentPage(id: i64) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let p = &t.payments;
    let detail = RwSignal::new(None::<Result<PaymentDetail, ErrorBody>>);
    let amount = RwSignal::new(String::new());
    let confirming = RwSignal::new(None::<u64>);
    let refund_error = RwSignal::new(None::<ErrorBody>);
    let refunded = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let may_refund = move || desk.may(Role::Admin);

    let reload = move || {
        leptos::task::spawn_local(async move {
            let answer: Result<PaymentDetail, ErrorBody> =
                desk.get(&format!("/admin/api/payments/{id}")).await;
            if let Ok(page) = &answer {
                amount.set(roubles(page.refundable));
            }
            detail.set(Some(answer));
        });
    };
    Effect::new(move |_| reload());

    let ask = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        refunded.set(None);
        match parse_roubles(&amount.get_untracked()).filter(|&kopecks| kopecks > 0) {
            Some(kopecks) => {
                refund_error.set(None);
                confirming.set(Some(kopecks));
            }
            None => refund_error.set(Some(t.refusal("invalid_amount", p.refund_format))),
        }
    };
    let confirm = move |_| {
        let Some(kopecks) = confirming.get_untracked() else {
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<RefundDone>(
                    Method::Post,
                    &format!("/admin/api/payments/{id}/refunds"),
                    Some(&RefundRequest {
                        amount_kopecks: Some(kopecks),
                    }),
                )
                .await;
            busy.set(false);
            confirming.set(None);
            match answer {
                Ok(done) => {
                    refund_error.set(None);
                    refunded.set(Some(match done {
                        Some(done) => (p.refund_done)(
                            &roubles(done.amount_kopecks as i64),
                            &done.refund_id,
                            &minute(&done.access_until),
                        ),
                        None => p.refund_done_plain.into(),
                    }));
                    reload();
                }
                Err(error) => refund_error.set(Some(error)),
            }
        });
    };

    view! {
        <p><a href="/admin/payments" data-testid="back-to-payments">{p.all_payments}</a></p>
        <h1>{(p.payment_title)(id)}</h1>
        {move || answered(detail.get(), None, |page| {
            let payment = page.payment.clone();
            let currency = payment.currency.clone();
            view! {
                <div class="cards payment-facts">
                    <div class="card" data-testid="payment-facts">
                        <dl class="facts">
                            <dt>{t.common.status}</dt>
                            <dd>{status_badge(&payment)}</dd>
                            <dt>{t.common.amount}</dt>
                            <dd data-testid="payment-amount">{money(payment.amount, &currency)}</dd>
                            <dt>{t.common.refunded}</dt>
                            <dd data-testid="payment-refunded">{money(payment.refunded, &currency)}</dd>
                            <dt>{t.common.plan}</dt>
                            <dd>{(p.plan_of)(&t.count(payment.days.unsigned_abs().into(), t.nouns.day), payment.plan_id)}</dd>
                            <dt>{t.common.provider}</dt>
                            <dd>
                                {t.value(&payment.provider).to_owned()} " "
                                <code>{payment.provider_payment_id.clone().unwrap_or_default()}</code>
                            </dd>
                            <dt>{t.common.promo_code}</dt>
                            <dd>{payment.promo_code.clone().unwrap_or_else(|| "—".into())}</dd>
                            <dt>{t.common.created_utc}</dt>
                            <dd>{minute(&payment.created_at)}</dd>
                        </dl>
                    </div>
                    <div class="card" data-testid="payment-driver">
                        {match page.driver.clone() {
                            None => view! { <p class="empty">{p.driver_gone}</p> }.into_any(),
                            Some(driver) => {
                                let access = if driver.access_active {
                                    (p.access_until)(
                                        &driver.access_until.as_deref().map(minute).unwrap_or_default(),
                                        &t.count(driver.days_left.into(), t.nouns.day),
                                    )
                                } else {
                                    p.no_access.to_owned()
                                };
                                view! {
                                    <dl class="facts">
                                        <dt>{t.common.driver}</dt>
                                        <dd data-testid="driver-name">{driver.name.clone()}</dd>
                                        <dt>"Telegram"</dt>
                                        <dd>
                                            {driver.telegram_id.to_string()}
                                            {driver.username.clone().map(|name| format!(" · @{name}"))}
                                        </dd>
                                        <dt>{p.access}</dt>
                                        <dd
                                            data-testid="driver-access"
                                            data-active=driver.access_active.to_string()
                                        >
                                            {access}
                                        </dd>
                                    </dl>
                                }
                                    .into_any()
                            }
                        }}
                    </div>
                </div>
                <h2>{p.refund}</h2>
                <div class="card refund" data-testid="refund">
                    {if page.refundable <= 0 {
                        view! { <p class="muted" data-testid="refund-none">{p.nothing_refundable}</p> }.into_any()
                    } else if !may_refund() {
                        view! { <p class="muted">{p.only_admins_refund}</p> }.into_any()
                    } else {
                        let most = money(page.refundable, &currency);
                        view! {
                            <form class="toolbar" on:submit=ask>
                                <label>
                                    {(p.refund_amount)(&most)}
                                    <input
                                        inputmode="decimal"
                                        data-testid="refund-amount"
                                        bind:value=amount
                                        disabled=move || confirming.get().is_some()
                                    />
                                </label>
                                <button
                                    type="submit"
                                    data-testid="refund-start"
                                    disabled=move || confirming.get().is_some()
                                >
                                    {p.refund_start}
                                </button>
                            </form>
                        }
                            .into_any()
                    }}
                    {move || {
                        confirming
                            .get()
                            .map(|kopecks| {
                                view! {
                                    <div class="confirm" data-testid="refund-confirmation">
                                        <p>
                                            {(p.refund_question)(&roubles(kopecks as i64), id)}
                                        </p>
                                        <button
                                            class="danger"
                                            data-testid="refund-confirm"
                                            disabled=move || busy.get()
                                            on:click=confirm
                                        >
                                            {p.confirm_refund}
                                        </button>
                                        " "
                                        <button
                                            class="secondary"
                                            data-testid="refund-cancel"
                                            on:click=move |_| confirming.set(None)
                                        >
                                            {t.common.cancel}
                                        </button>
                                    </div>
                                }
                            })
                    }}
                    {move || refund_error.get().map(|error| view! { <Problem error /> })}
                    {move || {
                        refunded
                            .get()
                            .map(|text| view! { <p class="notice" data-testid="refund-done">{text}</p> })
                    }}
                </div>
                <h2>{p.history}</h2>
                {if page.history.is_empty() {
                    view! { <Empty text=p.no_history /> }.into_any()
                } else {
                    view! {
                        <Table
                            testid="payment-history"
                            headings=vec![
                                t.common.when_utc.into(),
                                p.event.into(),
                                p.source_address.into(),
                                p.detail.into(),
                            ]
                        >
                            {page
                                .history
                                .into_iter()
                                .map(|event| {
                                    view! {
                                        <tr data-testid="history-event" data-kind=event.kind.clone()>
                                            <td>{minute(&event.at)}</td>
                                            <td>
                                                <code>{event.kind.clone()}</code>
                                                {event
                                                    .suspicious
                                                    .then(|| view! { " " <span class="badge bad" data-testid="suspicious">{p.suspicious}</span> })}
                                            </td>
                                            <td>{event.remote_addr.clone().unwrap_or_default()}</td>
                                            <td class="detail">
                                                {(!event.detail.is_empty())
                                                    .then(|| view! { <pre class="raw">{event.detail.clone()}</pre> })}
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </Table>
                    }
                        .into_any()
                }}
            }
                .into_any()
        })}
    }
}

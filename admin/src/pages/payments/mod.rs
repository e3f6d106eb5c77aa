//! Payments: the list with its filters, totals, pages and CSV export; and one payment's page
//! (`/admin/payments/:id`) with its driver, its whole history and the refund form, which asks
//! once more before any money moves.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::Problem;
use crate::{
    client::{Method, use_desk},
    format::minute,
    i18n::use_texts,
    wire::{
        ErrorBody, Role,
        payments::{
            PaymentDetail, PaymentFilter, PaymentList, PaymentRow, RefundDone, RefundRequest,
            parse_roubles, roubles,
        },
        promo::PlanView,
    },
};

#[component]
pub fn PaymentsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .with(|params| params.get("id"))
            .and_then(|id| id.parse::<i64>().ok())
    };
    move || match id() {
        Some(id) => view! { <PaymentPage id /> }.into_any(),
        None => view! { <PaymentListPage /> }.into_any(),
    }
}

/// `1990.00 ₽`, or `100 ★` for Telegram Stars.
pub fn money(amount: i64, currency: &str) -> String {
    match currency {
        "RUB" => format!("{} ₽", roubles(amount)),
        "XTR" => format!("{amount} ★"),
        other => format!("{amount} {other}"),
    }
}

fn status_badge(row: &PaymentRow) -> impl IntoView + use<> {
    let t = use_texts();
    let class = match row.status.as_str() {
        "succeeded" => "badge ok",
        "canceled" => "badge bad",
        _ => "badge",
    };
    let refunded = (row.refunded > 0).then(|| {
        let label = if row.refunded >= row.amount {
            t.payments.badge_refunded
        } else {
            t.payments.badge_partly_refunded
        };
        view! { " " <span class="badge bad" data-testid="refunded-badge">{label}</span> }
    });
    view! {
        <span class=class data-testid="payment-status">{t.value(&row.status).to_owned()}</span>
        {refunded}
    }
}

/// An empty text field is no filter.
fn optional(text: String) -> Option<String> {
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

#[component]
fn PaymentListPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let p = &t.payments;
    let filter = RwSignal::new(PaymentFilter::default());
    let list = RwSignal::new(None::<Result<PaymentList, ErrorBody>>);
    let plans = RwSignal::new(Vec::<PlanView>::new());
    let form_error = RwSignal::new(None::<ErrorBody>);

    let status = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let min = RwSignal::new(String::new());
    let max = RwSignal::new(String::new());
    let plan = RwSignal::new(String::new());
    let promo = RwSignal::new(String::new());
    let provider = RwSignal::new(String::new());

    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(all) = desk.get::<Vec<PlanView>>("/admin/api/plans").await {
                plans.set(all);
            }
        });
    });
    Effect::new(move |_| {
        let query = filter.get().query();
        list.set(None);
        leptos::task::spawn_local(async move {
            list.set(Some(
                desk.get(&format!("/admin/api/payments?{query}")).await,
            ));
        });
    });

    let amount = move |text: RwSignal<String>, problem: &str| -> Result<Option<u64>, ErrorBody> {
        match optional(text.get_untracked()) {
            None => Ok(None),
            Some(text) => parse_roubles(&text)
                .map(Some)
                .ok_or_else(|| t.refusal("invalid_amount", problem)),
        }
    };
    let apply = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let least = amount(min, p.min_amount_format);
        let (min_amount, max_amount) = match (least, amount(max, p.max_amount_format)) {
            (Ok(min), Ok(max)) => (min, max),
            (Err(error), _) | (_, Err(error)) => {
                form_error.set(Some(error));
                return;
            }
        };
        form_error.set(None);
        filter.set(PaymentFilter {
            status: optional(status.get_untracked()),
            from: optional(from.get_untracked()),
            to: optional(to.get_untracked()),
            min_amount,
            max_amount,
            plan_id: optional(plan.get_untracked()).and_then(|id| id.parse().ok()),
            promo: optional(promo.get_untracked()),
            provider: optional(provider.get_untracked()),
            page: None,
            per_page: None,
        });
    };
    let reset = move |_| {
        for field in [status, from, to, min, max, plan, promo, provider] {
            field.set(String::new());
        }
        form_error.set(None);
        filter.set(PaymentFilter::default());
    };
    let go_to_page = move |page: u64| filter.update(|filter| filter.page = Some(page));
    let csv_link = move || {
        let mut all = filter.get();
        all.page = None;
        all.per_page = None;
        format!("/admin/api/payments.csv?{}", all.query())
    };

    view! {
        <h1>{t.nav.payments}</h1>
        <form class="toolbar" data-testid="payment-filters" on:submit=apply>
            <label>
                {t.common.status}
                <select
                    data-testid="filter-status"
                    prop:value=move || status.get()
                    on:change=move |ev| status.set(event_target_value(&ev))
                >
                    <option value="">{p.any_status}</option>
                    <option value="succeeded">{p.filter_succeeded}</option>
                    <option value="pending">{p.filter_pending}</option>
                    <option value="canceled">{p.filter_canceled}</option>
                    <option value="refunded">{p.filter_refunded}</option>
                </select>
            </label>
            <label>
                {t.common.from}
                <input type="date" data-testid="filter-from" bind:value=from />
            </label>
            <label>
                {t.common.to}
                <input type="date" data-testid="filter-to" bind:value=to />
            </label>
            <label>
                {p.amount_from}
                <input size="8" inputmode="decimal" data-testid="filter-min" bind:value=min />
            </label>
            <label>
                {p.amount_to}
                <input size="8" inputmode="decimal" data-testid="filter-max" bind:value=max />
            </label>
            <label>
                {t.common.plan}
                <select
                    data-testid="filter-plan"
                    prop:value=move || plan.get()
                    on:change=move |ev| plan.set(event_target_value(&ev))
                >
                    <option value="">{t.common.any}</option>
                    {move || {
                        plans
                            .get()
                            .into_iter()
                            .map(|plan| {
                                view! {
                                    <option value=plan.id.to_string()>
                                        {t.count(plan.days.into(), t.nouns.day)}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <label>
                {t.common.promo_code}
                <input size="12" data-testid="filter-promo" bind:value=promo />
            </label>
            <label>
                {t.common.provider}
                <select
                    data-testid="filter-provider"
                    prop:value=move || provider.get()
                    on:change=move |ev| provider.set(event_target_value(&ev))
                >
                    <option value="">{t.common.any}</option>
                    <option value="yookassa">"YooKassa"</option>
                    <option value="stars">"Telegram Stars"</option>
                    <option value="free">{p.provider_free}</option>
                </select>
            </label>
            <button type="submit" data-testid="payments-apply">{t.common.apply}</button>
            <button type="button" class="secondary" on:click=reset>{p.reset}</button>
            <a class="export" href=csv_link download="payments.csv" data-testid="payments-csv">
                {t.common.export_csv}
            </a>
        </form>
        {move || form_error.get().map(|error| view! { <Problem error /> })}
        {move || match list.get() {
            None => view! { <div class="loading" data-testid="payments-loading">{t.common.loading}</div> }.into_any(),
            Some(Err(error)) => view! { <Problem error /> }.into_any(),
            Some(Ok(list)) => view! { <PaymentTable list go_to_page /> }.into_any(),
        }}
    }
}

#[component]
fn PaymentTable(
    list: PaymentList,
    go_to_page: impl Fn(u64) + Copy + Send + 'static,
) -> impl IntoView {
    let t = use_texts();
    let p = &t.payments;
    let pages = list.total.div_ceil(list.per_page.max(1)).max(1);
    let page = list.page;
    let totals = if list.totals.is_empty() {
        p.no_totals.to_owned()
    } else {
        list.totals
            .iter()
            .map(|total| {
                let mut line =
                    format!("{} × {}", total.count, money(total.amount, &total.currency));
                if total.refunded > 0 {
                    line.push_str(&(p.refunded_total)(&money(total.refunded, &total.currency)));
                }
                line
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let body = if list.rows.is_empty() {
        view! { <div class="empty card" data-testid="payments-empty">{p.none_match}</div> }
            .into_any()
    } else {
        view! {
            <table class="table" data-testid="payments">
                <thead>
                    <tr>
                        <th>"#"</th>
                        <th>{t.common.created_utc}</th>
                        <th>{t.common.driver}</th>
                        <th>{t.common.plan}</th>
                        <th>{t.common.provider}</th>
                        <th class="num">{t.common.amount}</th>
                        <th class="num">{t.common.refunded}</th>
                        <th>{t.common.status}</th>
                        <th>{t.common.promo_code}</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .rows
                        .into_iter()
                        .map(|row| {
                            let link = format!("/admin/payments/{}", row.id);
                            let driver = match row.driver_telegram_id {
                                Some(id) => format!("{} · {id}", row.driver_name),
                                None => (p.driver_number)(row.driver_id),
                            };
                            view! {
                                <tr data-testid="payment-row" data-id=row.id.to_string()>
                                    <td><a href=link data-testid="payment-link">{format!("#{}", row.id)}</a></td>
                                    <td>{minute(&row.created_at)}</td>
                                    <td>{driver}</td>
                                    <td>{t.count(row.days.unsigned_abs().into(), t.nouns.day)}</td>
                                    <td>{t.value(&row.provider).to_owned()}</td>
                                    <td class="num" data-testid="payment-amount">{money(row.amount, &row.currency)}</td>
                                    <td class="num">
                                        {(row.refunded > 0).then(|| money(row.refunded, &row.currency))}
                                    </td>
                                    <td>{status_badge(&row)}</td>
                                    <td>{row.promo_code.clone().map(|code| view! { <code>{code}</code> })}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
            .into_any()
    };
    view! {
        <p class="totals" data-testid="payments-totals">
            {format!("{}: ", t.count(list.total, t.nouns.payment))}
            {totals}
        </p>
        {body}
        <div class="pager" data-testid="payments-pager">
            <button
                class="secondary"
                data-testid="page-previous"
                disabled=page <= 1
                on:click=move |_| go_to_page(page - 1)
            >
                {p.newer}
            </button>
            <span data-testid="page-number">{(t.common.page_of)(page, pages)}</span>
            <button
                class="secondary"
                data-testid="page-next"
                disabled=page >= pages
                on:click=move |_| go_to_page(page + 1)
            >
                {p.older}
            </button>
        </div>
    }
}

#[component]
fn PaymentPage(id: i64) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let p = &t.payments;
    let detail = RwSignal::new(None::<Result<PaymentDetail, ErrorBody>>);
    let amount = RwSignal::new(String::new());
    let confirming = RwSignal::new(None::<u64>);
    let refund_error = RwSignal::new(None::<ErrorBody>);
    let refunded = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let may_refund = move || {
        desk.session.with(|session| {
            session
                .as_ref()
                .is_some_and(|s| s.admin.role >= Role::Admin)
        })
    };

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
        {move || match detail.get() {
            None => view! { <div class="loading">{t.common.loading}</div> }.into_any(),
            Some(Err(error)) => view! { <Problem error /> }.into_any(),
            Some(Ok(page)) => {
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
                        view! { <div class="empty card">{p.no_history}</div> }.into_any()
                    } else {
                        view! {
                            <table class="table" data-testid="payment-history">
                                <thead>
                                    <tr>
                                        <th>{t.common.when_utc}</th>
                                        <th>{p.event}</th>
                                        <th>{p.source_address}</th>
                                        <th>{p.detail}</th>
                                    </tr>
                                </thead>
                                <tbody>
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
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }}
                }
                    .into_any()
            }
        }}
    }
}

//! The payments' list: filters (status, dates, amounts, plan, promo code, provider), the totals of
//! what matched, its pages, and the same filters as a CSV export.

use leptos::prelude::*;

use super::{money, status_badge};
use crate::{
    client::use_desk,
    format::minute,
    i18n::use_texts,
    pages::{
        Problem, optional,
        table::{Empty, Heading, Pager, Table, Turn, answered},
    },
    wire::{
        ErrorBody,
        payments::{PaymentFilter, PaymentList, parse_roubles},
        promo::PlanView,
    },
};

#[component]
pub(super) fn PaymentListPage() -> impl IntoView {
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
        {move || {
            answered(list.get(), Some("payments-loading"), |list| {
                view! { <PaymentTable list go_to_page /> }.into_any()
            })
        }}
    }
}

#[component]
fn PaymentTable(
    list: PaymentList,
    go_to_page: impl Fn(u64) + Copy + Send + Sync + 'static,
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
        view! { <Empty text=p.none_match testid="payments-empty" /> }.into_any()
    } else {
        let headings = vec![
            "#".into(),
            t.common.created_utc.into(),
            t.common.driver.into(),
            t.common.plan.into(),
            t.common.provider.into(),
            Heading::numeric(t.common.amount),
            Heading::numeric(t.common.refunded),
            t.common.status.into(),
            t.common.promo_code.into(),
        ];
        view! {
            <Table testid="payments" headings>
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
            </Table>
        }
            .into_any()
    };
    view! {
        <p class="totals" data-testid="payments-totals">
            {format!("{}: ", t.count(list.total, t.nouns.payment))}
            {totals}
        </p>
        {body}
        <Pager
            page
            pages
            steps=(p.newer, p.older)
            turn=move |turn: Turn| go_to_page(turn.from(page))
        />
    }
}

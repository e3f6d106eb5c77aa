//! Payments: the list with its filters, totals, pages and CSV export; and one payment's page
//! (`/admin/payments/:id`) with its driver, its whole history and the refund form, which asks
//! once more before any money moves.

mod detail;
mod list;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    i18n::use_texts,
    wire::payments::{PaymentRow, roubles},
};
use detail::PaymentPage;
use list::PaymentListPage;

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

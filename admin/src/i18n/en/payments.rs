//! The payments' pages in English.

use crate::i18n::Payments;

pub(super) const PAYMENTS: Payments = Payments {
    any_status: "Any",
    filter_succeeded: "Succeeded",
    filter_pending: "Pending",
    filter_canceled: "Canceled",
    filter_refunded: "Refunded",
    status_succeeded: "succeeded",
    status_pending: "pending",
    status_canceled: "canceled",
    badge_refunded: "refunded",
    badge_partly_refunded: "partly refunded",
    amount_from: "Amount from, ₽",
    amount_to: "to, ₽",
    provider_yookassa: "yookassa",
    provider_stars: "stars",
    provider_free: "free",
    reset: "Reset",
    min_amount_format: "The least amount is in roubles, like 1990 or 995.50",
    max_amount_format: "The greatest amount is in roubles, like 1990 or 995.50",
    no_totals: "No payments",
    refunded_total: |money| format!(", refunded {money}"),
    none_match: "No payments match these filters.",
    driver_number: |id| format!("driver {id}"),
    newer: "← Newer",
    older: "Older →",
    refund_format: "Write the amount in roubles, like 1990 or 995.50",
    refund_done: |amount, refund, until| {
        format!("Refunded {amount} ₽ (refund {refund}). Access now ends {until}.")
    },
    refund_done_plain: "Refunded.",
    all_payments: "← All payments",
    payment_title: |id| format!("Payment #{id}"),
    plan_of: |days, plan| format!("{days} (plan {plan})"),
    driver_gone: "The driver is gone.",
    access_until: |until, left| format!("Access until {until} ({left} left)"),
    no_access: "No access",
    access: "Access",
    refund: "Refund",
    nothing_refundable: "Nothing on this payment can be refunded.",
    only_admins_refund: "Only admins can refund.",
    refund_amount: |most| format!("Amount, ₽ (at most {most})"),
    refund_start: "Refund…",
    refund_question: |amount, id| {
        format!(
            "Refund {amount} ₽ of payment #{id}? The money goes back to the driver and their access is shortened by the days it bought. This cannot be undone."
        )
    },
    confirm_refund: "Confirm refund",
    history: "History",
    no_history: "Nothing has happened to this payment yet.",
    event: "Event",
    source_address: "From",
    detail: "Detail",
    suspicious: "suspicious",
};

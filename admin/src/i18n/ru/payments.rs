//! The payments' pages in Russian.

use crate::i18n::Payments;

pub(super) const PAYMENTS: Payments = Payments {
    any_status: "Все",
    filter_succeeded: "Оплаченные",
    filter_pending: "Ожидают оплаты",
    filter_canceled: "Отменённые",
    filter_refunded: "С возвратом",
    status_succeeded: "оплачен",
    status_pending: "ожидает оплаты",
    status_canceled: "отменён",
    badge_refunded: "возвращён",
    badge_partly_refunded: "возвращён частично",
    amount_from: "Сумма от, ₽",
    amount_to: "до, ₽",
    provider_yookassa: "ЮKassa",
    provider_stars: "Telegram Stars",
    provider_free: "бесплатно",
    reset: "Сбросить",
    min_amount_format: "Минимальная сумма указывается в рублях, например 1990 или 995.50",
    max_amount_format: "Максимальная сумма указывается в рублях, например 1990 или 995.50",
    no_totals: "Платежей нет",
    refunded_total: |money| format!(", возвращено {money}"),
    none_match: "Нет платежей по этим фильтрам.",
    driver_number: |id| format!("водитель {id}"),
    newer: "← Более новые",
    older: "Более старые →",
    refund_format: "Укажите сумму в рублях, например 1990 или 995.50",
    refund_done: |amount, refund, until| {
        format!("Возвращено {amount} ₽ (возврат {refund}). Доступ теперь до {until}.")
    },
    refund_done_plain: "Возврат выполнен.",
    all_payments: "← Все платежи",
    payment_title: |id| format!("Платёж № {id}"),
    plan_of: |days, plan| format!("{days} (тариф {plan})"),
    driver_gone: "Водитель удалён.",
    access_until: |until, left| format!("Доступ до {until} (ещё {left})"),
    no_access: "Нет доступа",
    access: "Доступ",
    refund: "Возврат",
    nothing_refundable: "По этому платежу возвращать нечего.",
    only_admins_refund: "Возвраты делают только администраторы.",
    refund_amount: |most| format!("Сумма, ₽ (не больше {most})"),
    refund_start: "Вернуть…",
    refund_question: |amount, id| {
        format!(
            "Вернуть {amount} ₽ по платежу № {id}? Деньги вернутся водителю, а его доступ сократится на дни, оплаченные этим платежом. Отменить возврат будет нельзя."
        )
    },
    confirm_refund: "Подтвердить возврат",
    history: "История",
    no_history: "С этим платежом пока ничего не происходило.",
    event: "Событие",
    source_address: "Откуда",
    detail: "Подробности",
    suspicious: "подозрительно",
};
